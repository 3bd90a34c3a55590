package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

var berlin = emulator.SeedConnections[0].UUID

type answer struct {
	code int
	body map[string]any
}

func send(t *testing.T, h http.Handler, method, path, token, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s answered non-JSON %q", method, path, raw)
	}
	return answer{rec.Code, out}
}

func (a answer) payload() map[string]any { m, _ := a.body["payload"].(map[string]any); return m }

const tok = emulator.DefaultToken

func TestAuthIsRequired(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	for _, token := range []string{"", "wrong"} {
		a := send(t, emu, "GET", "/rest/sip/connection/"+berlin+"/users", token, "")
		if a.code != 401 || a.body["success"] != false || a.body["status"] != float64(401) {
			t.Fatalf("token %q: %+v", token, a)
		}
	}
}

func TestBothCreatePaths(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	a := send(t, emu, "POST", "/rest/sip/connection/user", tok, `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw"}`)
	if a.code != 200 || a.payload()["login"] != "alice001" {
		t.Fatalf("documented path: %+v", a)
	}
	a = send(t, emu, "POST", "/rest/sip/connection/"+berlin+"/Users", tok, `{"login":"bob00001","password":"pw"}`)
	if a.code != 200 || a.payload()["sip_connection"].(map[string]any)["uuid"] != berlin {
		t.Fatalf("heading's path: %+v", a)
	}
	lisbon := emulator.SeedConnections[1].UUID
	a = send(t, emu, "POST", "/rest/sip/connection/"+berlin+"/Users", tok, `{"login":"carol001","password":"pw","sip_connection_uuid":"`+lisbon+`"}`)
	if a.code != 400 {
		t.Fatalf("a body connection that disagrees with the path: %+v", a)
	}
}

func TestValidation(t *testing.T) {
	base := `"sip_connection_uuid":"` + berlin + `","password":"pw"`
	for name, body := range map[string]string{
		"short login":       `{` + base + `,"login":"abc"}`,
		"long login":        `{` + base + `,"login":"abcdefghijklmnop"}`,
		"no password":       `{"sip_connection_uuid":"` + berlin + `","login":"alice001"}`,
		"empty password":    `{` + base + `,"login":"alice001","password":""}`,
		"long first name":   `{` + base + `,"login":"alice001","first_name":"` + strings.Repeat("a", 25) + `"}`,
		"bad email":         `{` + base + `,"login":"alice001","email":"not-an-address"}`,
		"phone as number":   `{` + base + `,"login":"alice001","phone_number":4930123}`,
		"phone with letter": `{` + base + `,"login":"alice001","phone_number":"+49abc"}`,
		"short avatar":      `{` + base + `,"login":"alice001","avatar":"http://a"}`,
		"bad dob":           `{` + base + `,"login":"alice001","dob":"1990-04-01"}`,
		"lower-case gender": `{` + base + `,"login":"alice001","gender":"agender"}`,
		"ipv6 remote_ip":    `{` + base + `,"login":"alice001","remote_ip":"::1"}`,
		"bad uuid":          `{"sip_connection_uuid":"6F1C3A52-8D4E-4B7A-9C21-0A5E7D3B9F10","password":"pw","login":"alice001"}`,
		"unknown field":     `{` + base + `,"login":"alice001","nickname":"al"}`,
		"not JSON":          `login=alice001`,
	} {
		a := send(t, emu0(), "POST", "/rest/sip/connection/user", tok, body)
		if a.code != 400 || a.body["success"] != false || a.body["status"] != float64(0) || a.body["message"] == "" {
			t.Errorf("%s: %+v", name, a)
		}
	}
}

func emu0() *emulator.Server { return emulator.New(emulator.Options{}) }

func TestLoginIsUniquePerConnection(t *testing.T) {
	emu := emu0()
	body := `{"sip_connection_uuid":"%s","login":"alice001","password":"pw"}`
	send(t, emu, "POST", "/rest/sip/connection/user", tok, strings.Replace(body, "%s", berlin, 1))
	if a := send(t, emu, "POST", "/rest/sip/connection/user", tok, strings.Replace(body, "%s", berlin, 1)); a.code != 409 {
		t.Fatalf("duplicate on one connection: %+v", a)
	}
	if a := send(t, emu, "POST", "/rest/sip/connection/user", tok, strings.Replace(body, "%s", emulator.SeedConnections[1].UUID, 1)); a.code != 200 {
		t.Fatalf("same login on another connection: %+v", a)
	}
}

func TestPatchIsPartialAndNullClears(t *testing.T) {
	emu := emu0()
	a := send(t, emu, "POST", "/rest/sip/connection/user", tok, `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw","first_name":"Alice","email":"a@example.com","dob":"1990-04-01T02:00:00+02:00"}`)
	id := a.payload()["uuid"].(string)
	if a.payload()["dob"] != "1990-04-01T00:00:00Z" {
		t.Errorf("dob stored as %v, want UTC", a.payload()["dob"])
	}
	a = send(t, emu, "PATCH", "/rest/sip/connection/user/"+id, tok, `{"first_name":null,"last_name":"Doe"}`)
	p := a.payload()
	if a.code != 200 || p["first_name"] != nil || p["last_name"] != "Doe" || p["email"] != "a@example.com" {
		t.Fatalf("patch: %+v", a)
	}
	if a := send(t, emu, "PATCH", "/rest/sip/connection/user/"+id, tok, `{"login":null}`); a.code != 400 {
		t.Fatalf("clearing login: %+v", a)
	}
}

func TestAnswersCarryTheDocumentedSecrets(t *testing.T) {
	emu := emu0()
	a := send(t, emu, "POST", "/rest/sip/connection/user", tok, `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw"}`)
	p := a.payload()
	if len(p["ha1"].(string)) != 32 || p["ha1"] == p["ha1b"] {
		t.Fatalf("ha1/ha1b: %v %v", p["ha1"], p["ha1b"])
	}
	if p["created_by"].(map[string]any)["password"] != emulator.ActorPassword || p["modified_by"].(map[string]any)["token"] != emulator.ActorToken {
		t.Fatalf("created_by/modified_by lack the documented secrets: %+v", p)
	}
}

func TestUnknownUUIDs(t *testing.T) {
	emu := emu0()
	for _, path := range []string{"/rest/sip/connection/user/not-a-uuid", "/rest/sip/connection/user/00000000-0000-4000-8000-000000000000"} {
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			if a := send(t, emu, m, path, tok, `{}`); a.code != 404 || a.body["status"] != float64(404) {
				t.Errorf("%s %s: %+v", m, path, a)
			}
		}
	}
	if a := send(t, emu, "GET", "/rest/sip/connection/00000000-0000-4000-8000-000000000000/users", tok, ""); a.code != 404 || !strings.Contains(a.body["message"].(string), "00000000-0000-4000-8000-000000000000") {
		t.Errorf("unknown connection: %+v", a)
	}
}

func TestFaultsFireInOrderAndExpire(t *testing.T) {
	emu := emu0()
	emu.InjectFault(emulator.Fault{Method: "GET", Status: 429, RetryAfter: "7", Times: 2})
	path := "/rest/sip/connection/" + berlin + "/users"
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Auth-Token", tok)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "7" {
			t.Fatalf("attempt %d: %d %v", i, rec.Code, rec.Header())
		}
	}
	if a := send(t, emu, "GET", path, tok, ""); a.code != 200 || emu.PendingFaults() != 0 {
		t.Fatalf("after the fault: %+v", a)
	}
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502, AfterWork: true})
	send(t, emu, "POST", "/rest/sip/connection/user", tok, `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw"}`)
	if len(emu.Users(berlin)) != 1 {
		t.Fatalf("an after-work fault must still do the work")
	}
	if got := emu.CountRequests("", "/rest/"); got != 4 {
		t.Fatalf("request log holds %d API requests, want 4", got)
	}
}

func TestAdminStats(t *testing.T) {
	emu := emu0()
	send(t, emu, "GET", "/rest/sip/connection/"+berlin+"/users", tok, "")
	req := httptest.NewRequest("GET", "/_emulator/stats", nil)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	var st emulator.Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.Total != 1 || st.Calls["GET /rest/sip/connection/{uuid}/users"] != 1 {
		t.Fatalf("stats = %+v (%v)", st, err)
	}
}
