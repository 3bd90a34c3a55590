package emulator_test

import (
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

func TestPhoneAsNumber(t *testing.T) {
	for _, tc := range []struct {
		phone string
		on    bool
		want  string // the phone_number as it appears in the raw answer
	}{
		{"4930123456", true, `"phone_number":4930123456`},
		{"9007199254740993", true, `"phone_number":9007199254740993`}, // beyond float64's exact range
		{"+4930123456", true, `"phone_number":"+4930123456"`},
		{"0301234567", true, `"phone_number":"0301234567"`}, // a number would lose the zero
		{"4930123456", false, `"phone_number":"4930123456"`},
	} {
		emu := emulator.New(emulator.Options{PhoneAsNumber: tc.on})
		rec := raw(t, emu, "POST", "/rest/sip/connection/user", `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw","phone_number":"`+tc.phone+`"}`)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s (on %v): %d, want %s in %s", tc.phone, tc.on, rec.Code, tc.want, rec.Body)
		}
	}

	emu := emu0()
	id := createAlice(t, emu)["uuid"].(string)
	path := "/rest/sip/connection/user/" + id
	raw(t, emu, "PATCH", path, `{"phone_number":"4930123456"}`)
	emu.SetPhoneAsNumber(true)
	if a := send(t, emu, "GET", path, tok, ""); a.payload()["phone_number"] != float64(4930123456) {
		t.Errorf("switched on: %#v", a.payload()["phone_number"])
	}
	emu.SetPhoneAsNumber(false)
	if a := send(t, emu, "GET", path, tok, ""); a.payload()["phone_number"] != "4930123456" {
		t.Errorf("switched off: %#v", a.payload()["phone_number"])
	}
	if u, _ := emu.User(id); u.Fields["phone_number"] != "4930123456" {
		t.Errorf("stored as %q", u.Fields["phone_number"])
	}
}
