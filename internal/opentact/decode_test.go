package opentact

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseAnswer feeds arbitrary bytes and statuses through the envelope
// and user decoders: whatever comes back, an error or a usable user, never
// a panic. The seed corpus is in testdata/fuzz/FuzzParseAnswer.
func FuzzParseAnswer(f *testing.F) {
	f.Add(200, []byte(`{"success":true,"payload":{"uuid":"u","login":"alice001","sip_connection":{"uuid":"c"}}}`))
	f.Add(200, []byte(`{"success":true,"payload":[{"uuid":"u","login":"l"}]}`))
	f.Add(404, []byte(`{"success":false,"message":"not found","status":404}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte(`{"success":true,"payload":{"uuid":1}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		a := classifyAnswer(status, http.Header{}, body, time.Now())
		if a.class != classOK {
			if a.kind == nil || a.message == "" {
				t.Fatalf("failure without a kind or message: %+v", a)
			}
			return
		}
		payload := a.payload
		if len(payload) == 0 {
			t.Fatal("success without a payload")
		}
		if u, problem := decodeUser(payload); problem == "" && (u.UUID == "" || u.Login == "") {
			t.Fatalf("accepted a user without uuid or login: %+v", u)
		}
		if users, problem := decodeUsers(payload); problem == "" {
			for _, u := range users {
				if u.UUID == "" {
					t.Fatal("accepted a listed user without uuid")
				}
			}
		}
	})
}

func TestFailureUnderHTTP200UsesTheEnvelopeStatus(t *testing.T) {
	a := classifyAnswer(200, http.Header{}, []byte(`{"success":false,"message":"gone","status":404}`), time.Now())
	if a.class != classNotFound || !errors.Is(a.kind, ErrNotFound) || a.status != 200 {
		t.Fatalf("got %+v", a)
	}
}

func TestLongMessagesAreCut(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.opentact.org", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	a := classifyAnswer(400, http.Header{}, []byte(`{"success":false,"message":"`+strings.Repeat("é", 5000)+`\u0007","status":0}`), time.Now())
	msg, _ := c.scrubMessage(a.message, nil)
	if utf8.RuneCountInString(msg) > 301 || strings.ContainsRune(msg, 7) || !utf8.ValidString(msg) {
		t.Fatalf("message not cleaned: %d characters, valid UTF-8 %v", utf8.RuneCountInString(msg), utf8.ValidString(msg))
	}
}

// A token that an API echoes back across the point where the message is
// cut must not leave a prefix behind: scrub first, then cut.
func TestTokenIsScrubbedBeforeTheCut(t *testing.T) {
	const token = "eyJhbGciOiJub25lIn0.e30.c2lnbmF0dXJlLXNlY3JldC10b2tlbi10ZXh0"
	c, err := New(Config{BaseURL: "https://api.opentact.org", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	for pad := 270; pad <= 300; pad += 3 {
		msg, _ := c.scrubMessage(strings.Repeat("x", pad)+token+" rest", nil)
		for n := 8; n <= len(token); n++ {
			if strings.Contains(msg, token[:n]) {
				t.Fatalf("pad %d: the message holds the token's first %d characters: %q", pad, n, msg)
			}
		}
	}
}

// answerOf builds an API answer of n users as the emulator renders them,
// secrets included, for the decoder benchmarks.
func answerOf(n int) []byte {
	user := func(i int) map[string]any {
		actor := map[string]any{"uuid": "a", "password": "p", "token": "t", "email": "e@example.com"}
		return map[string]any{
			"uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "login": fmt.Sprintf("user%05d", i),
			"ha1": "0123456789abcdef0123456789abcdef", "ha1b": "0123456789abcdef0123456789abcdef",
			"first_name": "Alice", "last_name": "Doe", "email": "alice@example.com", "phone_number": "+4930123456",
			"avatar": nil, "dob": "1990-04-01T00:00:00Z", "gender": "Cis Woman", "remote_ip": "192.0.2.10",
			"created_on": "2026-11-28T12:00:00Z", "modified_on": "2026-11-28T12:00:00Z", "groups": []any{},
			"sip_connection": map[string]any{"uuid": "c", "name": "office-berlin", "is_active": true, "subdomain": "berlin", "ip": "198.51.100.10", "port": 5060, "created_by": actor, "modified_by": actor},
			"account":        map[string]any{"uuid": "acc", "name": "Acme", "balance": 10}, "created_by": actor, "modified_by": actor,
		}
	}
	var payload any = user(0)
	if n > 1 {
		list := make([]any, n)
		for i := range list {
			list[i] = user(i)
		}
		payload = list
	}
	raw, _ := json.Marshal(map[string]any{"success": true, "payload": payload})
	return raw
}

func BenchmarkDecodeUser(b *testing.B) {
	raw := answerOf(1)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		a := classifyAnswer(200, http.Header{}, raw, time.Now())
		if a.class != classOK {
			b.Fatal(a.message)
		}
		if _, problem := decodeUser(a.payload); problem != "" {
			b.Fatal(problem)
		}
	}
}

func BenchmarkDecodeList1000(b *testing.B) {
	raw := answerOf(1000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		a := classifyAnswer(200, http.Header{}, raw, time.Now())
		if a.class != classOK {
			b.Fatal(a.message)
		}
		if users, problem := decodeUsers(a.payload); problem != "" || len(users) != 1000 {
			b.Fatal(problem)
		}
	}
}

func BenchmarkEncodeCreate(b *testing.B) {
	req := CreateUserRequest{SIPConnectionUUID: "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10", Login: "alice001", Password: "secret",
		Fields: map[Field]string{FieldFirstName: "Alice", FieldLastName: "Doe", FieldEmail: "alice@example.com", FieldGender: "Cis Woman"}}
	for b.Loop() {
		if _, err := json.Marshal(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePatch(b *testing.B) {
	var p UserPatch
	p.Set(FieldFirstName, "Alice")
	p.Clear(FieldPhoneNumber)
	for b.Loop() {
		if _, err := json.Marshal(p); err != nil {
			b.Fatal(err)
		}
	}
}

// phone_number is documented as a number in one place of the vendor page
// and a string in another: both read, digits kept.
func TestPhoneNumberAsStringOrNumber(t *testing.T) {
	for raw, want := range map[string]string{`"+4930123456"`: "+4930123456", `4930123456`: "4930123456", `1234567890123456`: "1234567890123456", `null`: ""} {
		u, problem := decodeUser([]byte(`{"uuid":"u","login":"alice001","sip_connection":{"uuid":"c"},"phone_number":` + raw + `}`))
		if problem != "" {
			t.Fatalf("%s: %s", raw, problem)
		}
		if got := u.Fields[FieldPhoneNumber]; got != want {
			t.Errorf("%s read as %q, want %q", raw, got, want)
		}
	}
	if _, problem := decodeUser([]byte(`{"uuid":"u","login":"alice001","sip_connection":{"uuid":"c"},"phone_number":{}}`)); problem == "" {
		t.Errorf("an object as phone_number was accepted")
	}
}

// A user without its connection's uuid would put "" in state and plan a
// move on every run.
func TestUserWithoutConnectionIsABadAnswer(t *testing.T) {
	for _, body := range []string{`{"uuid":"u","login":"alice001"}`, `{"uuid":"u","login":"alice001","sip_connection":{"name":"x"}}`} {
		if _, problem := decodeUser([]byte(body)); !strings.Contains(problem, "sip_connection.uuid") {
			t.Errorf("%s: problem = %q", body, problem)
		}
	}
}

// A user's digest mark is two bytes of a hash salted with its uuid, over the
// lower-cased hex digests: the same digests in another case give the same
// mark, another password or another uuid another one, and an answer
// without digests none. The digests themselves are kept nowhere.
func TestDigestMark(t *testing.T) {
	const id = "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"
	user := func(id, ha1, ha1b string) *User {
		payload := `{"uuid":"` + id + `","login":"alice001","sip_connection":{"uuid":"c"}`
		if ha1 != "" {
			payload += `,"ha1":"` + ha1 + `","ha1b":"` + ha1b + `"`
		}
		u, problem := decodeUser(json.RawMessage(payload + "}"))
		if problem != "" {
			t.Fatal(problem)
		}
		return u
	}
	const ha1, ha1b = "5f4dcc3b5aa765d61d8327deb882cf99", "7c6a180b36896a0a8c02787eeafb0e4c"
	mark := user(id, ha1, ha1b).DigestMark
	if len(mark) != 2*digestMarkBytes {
		t.Fatalf("mark %q, want %d hex characters", mark, 2*digestMarkBytes)
	}
	if got := user(id, strings.ToUpper(ha1), strings.ToUpper(ha1b)).DigestMark; got != mark {
		t.Errorf("upper-case digests give %q, want %q", got, mark)
	}
	if got := user(id, "6f4dcc3b5aa765d61d8327deb882cf99", ha1b).DigestMark; got == mark {
		t.Errorf("another ha1 gives the same mark")
	}
	if got := user("4f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b", ha1, ha1b).DigestMark; got == mark {
		t.Errorf("another uuid gives the same mark")
	}
	if got := user(id, "", "").DigestMark; got != "" {
		t.Errorf("an answer without digests gives %q, want none", got)
	}
	if got := user(id, ha1, "").DigestMark; got != "" {
		t.Errorf("an answer with ha1 alone gives %q, want none (a half answer is no comparison)", got)
	}
	if got := user(strings.ToUpper(id), ha1, ha1b).DigestMark; got != mark {
		t.Errorf("the uuid in upper case gives %q, want %q", got, mark)
	}
}

// The connection's registrar fields are read as the emulator renders them
// (port a number), and tolerantly: a port as a string reads the same, and a
// field in a form that cannot be read is named, without making the user a
// bad answer (the resource does not use them). The credentials nested in the
// connection are never decoded.
func TestSIPConnectionRegistrarFields(t *testing.T) {
	const head = `{"uuid":"u","login":"alice001","sip_connection":{"uuid":"c","name":"office-berlin","subdomain":"berlin","created_by":{"password":"p","token":"t"}`
	yes, no := true, false
	for _, tc := range []struct {
		conn       string
		ip         string
		port       int
		active     *bool
		unreadable string
	}{
		{conn: `,"ip":"198.51.100.10","port":5060,"is_active":true}`, ip: "198.51.100.10", port: 5060, active: &yes},
		{conn: `,"ip":"198.51.100.10","port":"5061","is_active":false}`, ip: "198.51.100.10", port: 5061, active: &no},
		{conn: `,"is_active":"true","port":" 5060"}`, unreadable: "sip_connection.port", active: &yes},
		{conn: `}`},
		{conn: `,"ip":null,"port":null,"is_active":null}`},
		{conn: `,"ip":"","port":"","is_active":""}`},
		{conn: `,"port":"sip"}`, unreadable: "sip_connection.port"},
		{conn: `,"port":70000}`, unreadable: "sip_connection.port"},
		{conn: `,"port":0}`, unreadable: "sip_connection.port"},
		{conn: `,"port":5060.5}`, unreadable: "sip_connection.port"},
		{conn: `,"port":{}}`, unreadable: "sip_connection.port"},
		{conn: `,"ip":42}`, unreadable: "sip_connection.ip"},
		{conn: `,"is_active":"maybe"}`, unreadable: "sip_connection.is_active"},
		{conn: `,"is_active":1}`, active: &yes},
	} {
		u, problem := decodeUser([]byte(head + tc.conn + `}`))
		if problem != "" {
			t.Errorf("%s: %s", tc.conn, problem)
			continue
		}
		c := u.SIPConnection
		if c.UUID != "c" || c.Name != "office-berlin" || c.Subdomain != "berlin" || c.IP != tc.ip || c.Port != tc.port ||
			(c.IsActive == nil) != (tc.active == nil) || (c.IsActive != nil && *c.IsActive != *tc.active) ||
			strings.Join(c.Unreadable, ",") != tc.unreadable {
			t.Errorf("%s: read as %+v (is_active %v)", tc.conn, c, c.IsActive)
		}
	}
	// A list reads each user's connection the same way.
	users, problem := decodeUsers([]byte(`[` + head + `,"ip":"198.51.100.10","port":"5060"}}]`))
	if problem != "" || users[0].SIPConnection.Port != 5060 || users[0].SIPConnection.IP != "198.51.100.10" {
		t.Fatalf("list: %q, %+v", problem, users)
	}
}
