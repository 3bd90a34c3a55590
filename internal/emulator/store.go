package emulator

import (
	"crypto/md5" //nolint:gosec // SIP digest HA1 is MD5 by definition (RFC 2617)
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Secrets the emulator puts in every answer, as the real API documents it
// does (created_by/modified_by carry the acting person's password and
// token). Tests assert that none of them ever leaves the provider.
const (
	ActorPassword = "emulator-actor-password-5f3a9c" //nolint:gosec // fake, for leak tests
	ActorToken    = "emulator-actor-token-8e21d7"    //nolint:gosec // fake, for leak tests
)

// Connection is a SIP connection users belong to.
type Connection struct {
	UUID      string
	Name      string
	Subdomain string
}

// The SIP connections every emulator starts with.
var SeedConnections = []Connection{
	{UUID: "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10", Name: "office-berlin", Subdomain: "berlin"},
	{UUID: "0b9e4d27-5a13-4c8f-b6e2-7d41c9a0e355", Name: "office-lisbon", Subdomain: "lisbon"},
	{UUID: "c3d8f1a6-2e47-4f90-8b5c-19a6e2d7f804", Name: "callcenter", Subdomain: "callcenter"},
}

// AccountUUID and AccountName identify the one account the emulator serves.
const (
	AccountUUID = "9a7b5c3d-1e2f-4a6b-8c9d-0e1f2a3b4c5d"
	AccountName = "Emulated Account"
)

// User is a stored SIP user, password included, for tests to inspect.
type User struct {
	UUID       string
	Connection string
	Login      string
	Password   string
	// HA1 and HA1B are the digests as stored. The server keeps only these
	// (Password is kept for tests), so they are computed when a password is
	// set and go stale when login or connection change without one.
	HA1        string
	HA1B       string
	Fields     map[string]string // the optional fields that are set
	CreatedOn  time.Time
	ModifiedOn time.Time
}

func (u User) clone() User {
	f := make(map[string]string, len(u.Fields))
	for k, v := range u.Fields {
		f[k] = v
	}
	u.Fields = f
	return u
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])
}

// digests are the SIP digest credentials of login and password on a
// connection, as the API computes them. The caller holds s.mu.
func (s *Server) digests(login, connection, password string) (ha1, ha1b string) {
	realm := s.connections[connection].Subdomain + ".sip.opentact.org"
	return md5hex(login + ":" + realm + ":" + password), md5hex(login + "@" + realm + ":" + realm + ":" + password)
}

// setPassword sets u's password and stores the digests for its current
// login and connection. The caller holds s.mu.
func (s *Server) setPassword(u *User, password string) {
	u.Password = password
	u.HA1, u.HA1B = s.digests(u.Login, u.Connection, password)
}

func (s *Server) render(u User) map[string]any {
	conn := s.connections[u.Connection]
	actor := map[string]any{
		"uuid": "4d3c2b1a-0f9e-4d8c-b7a6-958473625140", "email": "admin@example.com",
		"password": ActorPassword, "token": ActorToken, "role": "Admin", "account": map[string]any{},
	}
	out := map[string]any{
		"uuid":        u.UUID,
		"login":       u.Login,
		"created_on":  u.CreatedOn.UTC().Format(time.RFC3339),
		"modified_on": u.ModifiedOn.UTC().Format(time.RFC3339),
		"ha1":         u.HA1,
		"ha1b":        u.HA1B,
		"groups":      []any{},
		"sip_connection": map[string]any{
			"uuid": conn.UUID, "name": conn.Name, "is_active": true, "subdomain": conn.Subdomain,
			"ip": "198.51.100.10", "port": 5060, "created_by": actor, "modified_by": actor,
		},
		"account": map[string]any{
			"uuid": AccountUUID, "name": AccountName, "email": "billing@example.com",
			"level": "ServiceAccount", "balance": 100,
		},
		"created_by":  actor,
		"modified_by": actor,
	}
	for _, f := range optionalFields {
		if v, ok := u.Fields[f]; ok {
			out[f] = v
		} else {
			out[f] = nil
		}
	}
	if v, ok := u.Fields["phone_number"]; ok && s.phoneNumber && plainNumber.MatchString(v) {
		out["phone_number"] = json.Number(v)
	}
	return out
}

// plainNumber is a phone number that survives as a JSON number: a leading
// zero or "+" would be lost (or be invalid JSON), so those stay strings.
var plainNumber = regexp.MustCompile(`^[1-9][0-9]*$`)

// loginTaken reports whether another user of connection has login.
func (s *Server) loginTaken(connection, login, except string) bool {
	for _, u := range s.users {
		if u.Connection == connection && u.Login == login && u.UUID != except {
			return true
		}
	}
	return false
}

func (s *Server) usersOf(connection string) []User {
	var out []User
	for _, u := range s.users {
		if u.Connection == connection {
			out = append(out, u.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedOn.Before(out[j].CreatedOn) || (out[i].CreatedOn.Equal(out[j].CreatedOn) && out[i].UUID < out[j].UUID)
	})
	return out
}
