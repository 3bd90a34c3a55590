package opentact

import (
	"encoding/json"
	"sort"
	"time"
)

// Field names a user field that a create or modify call can carry, spelled
// as the API spells it.
type Field string

// The fields with a meaning of their own.
const (
	FieldSIPConnectionUUID Field = "sip_connection_uuid"
	FieldLogin             Field = "login"
	FieldPassword          Field = "password"
)

// The optional fields of a user: all strings, all clearable.
const (
	FieldFirstName   Field = "first_name"
	FieldLastName    Field = "last_name"
	FieldEmail       Field = "email"
	FieldPhoneNumber Field = "phone_number"
	FieldAvatar      Field = "avatar"
	FieldDOB         Field = "dob"
	FieldGender      Field = "gender"
	FieldRemoteIP    Field = "remote_ip"
)

// OptionalFields is every optional field, the one list that decoding,
// creating and adopting a user go by.
var OptionalFields = []Field{FieldFirstName, FieldLastName, FieldEmail, FieldPhoneNumber, FieldAvatar, FieldDOB, FieldGender, FieldRemoteIP}

// IsInstant reports whether a field holds an RFC 3339 date-time, which the
// API may return in another offset: compare such values as instants.
func (f Field) IsInstant() bool { return f == FieldDOB }

// User is a SIP user as the API returns it, less its secrets: ha1, ha1b and
// the created_by/modified_by objects (which carry other people's password and
// token) have no field here, so the decoder drops them and they never travel
// further than the response buffer.
type User struct {
	UUID  string `json:"uuid"`
	Login string `json:"login"`
	// Fields holds the optional fields the API returned, non-empty ones only.
	Fields        map[Field]string `json:"-"`
	CreatedOn     string           `json:"created_on"`
	ModifiedOn    string           `json:"modified_on"`
	SIPConnection SIPConnection    `json:"sip_connection"`
	Account       Account          `json:"account"`
	// DigestMark is a fingerprint of the user's SIP digests (ha1, ha1b),
	// "" when the answer carried none: see digestMark.
	DigestMark string `json:"-"`
}

// SIPConnection is the part of the user's connection worth referencing:
// what identifies it, and what a SIP phone needs to register with it. The
// credentials the API nests in it (created_by, modified_by) have no field
// here, so the decoder drops them.
type SIPConnection struct {
	UUID      string
	Name      string
	Subdomain string
	// IP and Port are the connection's ip and port as the API answers
	// them; "" and 0 when the answer has none. Port is read from a JSON
	// number or string.
	IP   string
	Port int
	// IsActive is nil when the answer does not say.
	IsActive *bool
	// Unreadable names the fields among ip, port and is_active that the
	// answer has in a form that cannot be read (left at "", 0 or nil), such
	// as "sip_connection.port" for a port of "sip" or 70000. Such a field
	// does not make the user a bad answer: only a caller that needs it
	// decides.
	Unreadable []string
}

// Account is the part of the owning account worth referencing.
type Account struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// CreateUserRequest is the body of a create call. Fields holds the optional
// fields to set; a field left out is not sent.
type CreateUserRequest struct {
	SIPConnectionUUID string
	Login             string
	Password          string
	Fields            map[Field]string
}

// MarshalJSON writes the create body as the API documents it.
func (r CreateUserRequest) MarshalJSON() ([]byte, error) {
	body := make(map[Field]string, len(r.Fields)+3)
	for f, v := range r.Fields {
		body[f] = v
	}
	body[FieldSIPConnectionUUID], body[FieldLogin], body[FieldPassword] = r.SIPConnectionUUID, r.Login, r.Password
	return json.Marshal(body)
}

// UserPatch is the body of a modify call: only the fields it names are sent;
// a cleared field is sent as JSON null, which the API takes as "remove".
type UserPatch struct {
	fields map[Field]*string
}

// Set sends field with value.
func (p *UserPatch) Set(f Field, value string) {
	p.put(f, &value)
}

// Clear sends field as null.
func (p *UserPatch) Clear(f Field) {
	p.put(f, nil)
}

func (p *UserPatch) put(f Field, v *string) {
	if p.fields == nil {
		p.fields = map[Field]*string{}
	}
	p.fields[f] = v
}

// Empty reports whether the patch changes nothing.
func (p UserPatch) Empty() bool { return len(p.fields) == 0 }

// Sends reports whether the patch carries field f.
func (p UserPatch) Sends(f Field) bool {
	_, ok := p.fields[f]
	return ok
}

// Fields lists the fields the patch carries, sorted, for logs and tests.
func (p UserPatch) Fields() []Field {
	out := make([]Field, 0, len(p.fields))
	for f := range p.fields {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// MarshalJSON writes exactly the named fields.
func (p UserPatch) MarshalJSON() ([]byte, error) {
	if p.fields == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(p.fields)
}

// sameInstant compares two RFC 3339 values as instants ("" equals "").
func sameInstant(a, b string) bool {
	if a == b {
		return true
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}
