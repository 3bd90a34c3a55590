package opentact_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var berlin = emulator.SeedConnections[0].UUID

// newPair starts an emulator and a client for it with fast retries.
func newPair(t *testing.T, mutate ...func(*opentact.Config)) (*emulator.Server, *opentact.Client) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, newClient(t, srv.URL, emu.Token(), mutate...)
}

func newClient(t *testing.T, baseURL, token string, mutate ...func(*opentact.Config)) *opentact.Client {
	t.Helper()
	cfg := opentact.Config{
		BaseURL: baseURL, Token: token, UserAgent: "terraform-provider-opentact/test",
		MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		NotSentWindow: 300 * time.Millisecond, NotSentWaitMin: 10 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := opentact.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Injected 429s must not slow the tests that are not about pacing down;
	// pacer_test.go tests the pacer.
	opentact.WithoutPacing(c)
	return c
}

func aliceRequest() opentact.CreateUserRequest {
	return opentact.CreateUserRequest{
		SIPConnectionUUID: berlin, Login: "alice001", Password: "s3cret-pass",
		Fields: map[opentact.Field]string{
			opentact.FieldFirstName: "Alice", opentact.FieldEmail: "alice@example.com", opentact.FieldPhoneNumber: "+4930123456",
			opentact.FieldDOB: "1990-04-01T02:00:00+02:00", opentact.FieldGender: "Cis Woman", opentact.FieldRemoteIP: "192.0.2.10",
		},
	}
}

func createAlice(t *testing.T, c *opentact.Client) *opentact.User {
	t.Helper()
	res, err := c.CreateUser(context.Background(), aliceRequest())
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return res.User
}

func TestClientLifecycle(t *testing.T) {
	emu, c := newPair(t)
	ctx := context.Background()

	u := createAlice(t, c)
	if u.UUID == "" || u.Login != "alice001" || u.Fields[opentact.FieldFirstName] != "Alice" || u.SIPConnection.UUID != berlin || u.SIPConnection.Name != "office-berlin" {
		t.Fatalf("created user = %+v", u)
	}
	if u.Fields[opentact.FieldDOB] != "1990-04-01T00:00:00Z" {
		t.Errorf("dob = %q, want the emulator's UTC form", u.Fields[opentact.FieldDOB])
	}
	if stored, _ := emu.User(u.UUID); stored.Password != "s3cret-pass" {
		t.Errorf("stored password = %q", stored.Password)
	}

	got, err := c.GetUser(ctx, u.UUID)
	if err != nil || got.UUID != u.UUID || got.Fields[opentact.FieldEmail] != "alice@example.com" {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}

	list, err := c.ListUsers(ctx, berlin)
	if err != nil || len(list) != 1 || list[0].UUID != u.UUID {
		t.Fatalf("ListUsers = %+v, %v", list, err)
	}

	var patch opentact.UserPatch
	patch.Set(opentact.FieldLastName, "Doe")
	patch.Clear(opentact.FieldPhoneNumber)
	mod, err := c.ModifyUser(ctx, u.UUID, patch)
	if _, hasPhone := mod.Fields[opentact.FieldPhoneNumber]; err != nil || mod.Fields[opentact.FieldLastName] != "Doe" || hasPhone || mod.Fields[opentact.FieldFirstName] != "Alice" {
		t.Fatalf("ModifyUser = %+v, %v", mod, err)
	}
	last := emu.Requests()[len(emu.Requests())-1]
	var sent map[string]any
	if err := json.Unmarshal([]byte(last.Body), &sent); err != nil || len(sent) != 2 || sent["last_name"] != "Doe" || sent["phone_number"] != nil {
		t.Errorf("PATCH body = %s, want exactly last_name and a null phone_number", last.Body)
	}

	if err := c.DeleteUser(ctx, u.UUID, berlin); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	// Already gone, and the connection's list confirms it: done.
	if err := c.DeleteUser(ctx, u.UUID, berlin); err != nil {
		t.Fatalf("second DeleteUser = %v, want nil", err)
	}
	if _, err := c.GetUser(ctx, u.UUID); !errors.Is(err, opentact.ErrNotFound) {
		t.Fatalf("GetUser after delete = %v, want ErrNotFound", err)
	}
}

func TestClientSendsDocumentedRequests(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Clone(context.Background()))
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/", " "+emulator.DefaultToken+"\n")
	u := createAlice(t, c)
	_, _ = c.GetUser(context.Background(), u.UUID)
	_, _ = c.ListUsers(context.Background(), berlin)

	want := []string{"POST /rest/sip/connection/user", "GET /rest/sip/connection/user/" + u.UUID, "GET /rest/sip/connection/" + berlin + "/users"}
	if len(seen) != len(want) {
		t.Fatalf("saw %d requests, want %d", len(seen), len(want))
	}
	for i, r := range seen {
		if got := r.Method + " " + r.URL.Path; got != want[i] {
			t.Errorf("request %d = %s, want %s", i, got, want[i])
		}
		if r.Header.Get("X-Auth-Token") != emulator.DefaultToken {
			t.Errorf("request %d token = %q, want the trimmed token", i, r.Header.Get("X-Auth-Token"))
		}
		if r.Header.Get("Accept") != "application/json" || !strings.HasPrefix(r.Header.Get("User-Agent"), "terraform-provider-opentact/") {
			t.Errorf("request %d headers = %v", i, r.Header)
		}
		if (r.Method == http.MethodPost) != (r.Header.Get("Content-Type") == "application/json") {
			t.Errorf("request %d Content-Type = %q", i, r.Header.Get("Content-Type"))
		}
	}
}

func TestClientErrorKinds(t *testing.T) {
	_, c := newPair(t)
	ctx := context.Background()
	createAlice(t, c)

	_, err := c.CreateUser(ctx, opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alice001", Password: "other-pass-1"})
	assertAPIError(t, err, opentact.ErrConflict, 409, "already exists")

	_, err = c.CreateUser(ctx, opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "short", Password: "other-pass-1"})
	assertAPIError(t, err, opentact.ErrValidation, 400, "login must be 7 to 15 characters")

	_, err = c.GetUser(ctx, "00000000-0000-4000-8000-000000000000")
	assertAPIError(t, err, opentact.ErrNotFound, 404, "not found")

	_, err = c.ListUsers(ctx, "11111111-1111-4111-8111-111111111111")
	assertAPIError(t, err, opentact.ErrNotFound, 404, "11111111-1111-4111-8111-111111111111")

	wrong := newClient(t, "http://"+c.Host(), "wrong-token-value")
	_, err = wrong.ListUsers(ctx, berlin)
	assertAPIError(t, err, opentact.ErrAuth, 401, "X-Auth-Token")
	if strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("error text holds the token: %v", err)
	}

	for status, kind := range map[int]error{403: opentact.ErrAuth, 422: opentact.ErrValidation, 500: opentact.ErrServer} {
		raw := rawServer(t, status, `{"success":false,"message":"nope","status":`+itoa(status)+`}`)
		_, err := newClient(t, raw, "tok").GetUser(ctx, "00000000-0000-4000-8000-000000000000")
		assertAPIError(t, err, kind, status, "nope")
	}
}

func TestErrorsNeverHoldTheToken(t *testing.T) {
	const token = "eyJhbGciOiJub25lIn0.e30.c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0"
	// A server that echoes the token back in its message.
	raw := rawServer(t, 400, `{"success":false,"message":"bad token `+token+`","status":400}`)
	_, err := newClient(t, raw, token).GetUser(context.Background(), "00000000-0000-4000-8000-000000000000")
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "c2lnbmF0dXJl") {
		t.Fatalf("error = %v; it must not contain the token", err)
	}
}

func TestShortTokenDoesNotMangleMessages(t *testing.T) {
	raw := rawServer(t, 409, `{"success":false,"message":"login taken on this connection","status":409}`)
	_, err := newClient(t, raw, "t").GetUser(context.Background(), "00000000-0000-4000-8000-000000000000")
	if err == nil || !strings.Contains(err.Error(), "login taken on this connection") {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodedUserHoldsNoSecrets(t *testing.T) {
	_, c := newPair(t)
	u := createAlice(t, c)
	raw, _ := json.Marshal(u)
	list, _ := c.ListUsers(context.Background(), berlin)
	rawList, _ := json.Marshal(list)
	for _, secret := range []string{emulator.ActorPassword, emulator.ActorToken, "ha1", "s3cret-pass", "created_by", "modified_by"} {
		if strings.Contains(string(raw), secret) || strings.Contains(string(rawList), secret) {
			t.Errorf("decoded user carries %q: %s", secret, raw)
		}
	}
}

func assertAPIError(t *testing.T, err error, kind error, status int, inMessage string) {
	t.Helper()
	var apiErr *opentact.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("err = %v, want kind %v", err, kind)
	}
	if apiErr.Status != status {
		t.Errorf("status = %d, want %d (%v)", apiErr.Status, status, err)
	}
	if !strings.Contains(err.Error(), inMessage) || !strings.Contains(err.Error(), apiErr.Host) {
		t.Errorf("err = %q, want it to name the host and say %q", err, inMessage)
	}
}

// rawServer answers every request with status and body.
func rawServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// Every answer carries the user's connection with what a phone needs to
// register: the client keeps the fields the emulator renders, from a get and
// from a list, and nothing of the credentials nested in it.
func TestClientCarriesTheConnectionsRegistrarFields(t *testing.T) {
	emu, c := newPair(t)
	ctx := context.Background()
	id, err := emu.SeedUser(berlin, "alice001", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawAnswer(t, emu, "/rest/sip/connection/user/"+id)
	var answer struct {
		Payload struct {
			SIPConnection struct {
				UUID, Name, Subdomain, IP string
				Port                      int
				IsActive                  bool `json:"is_active"`
			} `json:"sip_connection"`
		}
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatal(err)
	}
	want := answer.Payload.SIPConnection
	if want.IP == "" || want.Port == 0 || want.Subdomain == "" || !want.IsActive {
		t.Fatalf("the emulator's answer lacks a registrar field: %s", raw)
	}
	got, err := c.GetUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := c.ConnectionUsers(ctx, berlin)
	if err != nil || len(listed) != 1 {
		t.Fatalf("ConnectionUsers: %v, %d users", err, len(listed))
	}
	for name, conn := range map[string]opentact.SIPConnection{"get": got.SIPConnection, "list": listed[0].SIPConnection} {
		if conn.UUID != want.UUID || conn.Name != want.Name || conn.Subdomain != want.Subdomain || conn.IP != want.IP ||
			conn.Port != want.Port || conn.IsActive == nil || *conn.IsActive != want.IsActive || conn.Unreadable != nil {
			t.Errorf("%s: connection %+v, want the emulator's %+v", name, conn, want)
		}
		if dump := fmt.Sprintf("%#v", conn); strings.Contains(dump, emulator.ActorPassword) || strings.Contains(dump, emulator.ActorToken) {
			t.Errorf("%s: the connection holds the acting person's credentials: %s", name, dump)
		}
	}
}

// rawAnswer is the body the emulator answers to a GET of path.
func rawAnswer(t *testing.T, emu *emulator.Server, path string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("X-Auth-Token", emu.Token())
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), emulator.ActorToken) {
		t.Fatalf("the emulator's answer does not carry the nested credentials this test is about: %s", rec.Body)
	}
	return rec.Body.Bytes()
}
