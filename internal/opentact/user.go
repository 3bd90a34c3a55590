package opentact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// User is a SIP user as the API returns it, less its secrets: ha1, ha1b and
// the created_by/modified_by objects (which carry other people's password and
// token) have no field here, so the decoder drops them and they never travel
// further than the response buffer.
type User struct {
	UUID          string        `json:"uuid"`
	Login         string        `json:"login"`
	FirstName     *string       `json:"first_name"`
	LastName      *string       `json:"last_name"`
	Email         *string       `json:"email"`
	PhoneNumber   *string       `json:"phone_number"`
	Avatar        *string       `json:"avatar"`
	DOB           *string       `json:"dob"`
	Gender        *string       `json:"gender"`
	RemoteIP      *string       `json:"remote_ip"`
	CreatedOn     string        `json:"created_on"`
	ModifiedOn    string        `json:"modified_on"`
	SIPConnection SIPConnection `json:"sip_connection"`
	Account       Account       `json:"account"`
}

// UnmarshalJSON accepts phone_number as a JSON string or number: the vendor
// page documents it as both. Digits are kept as sent; "4930123456" and
// 4930123456 read the same.
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	var raw struct {
		plain
		PhoneNumber json.RawMessage `json:"phone_number"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*u = User(raw.plain)
	phone, err := stringOrNumber(raw.PhoneNumber)
	if err != nil {
		return fmt.Errorf("phone_number: %w", err)
	}
	u.PhoneNumber = phone
	return nil
}

// stringOrNumber reads a JSON string, number or null.
func stringOrNumber(raw json.RawMessage) (*string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return &s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return nil, errors.New("neither a string nor a number")
	}
	s = n.String()
	return &s, nil
}

// SIPConnection is the part of the user's connection worth referencing.
type SIPConnection struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	Subdomain string `json:"subdomain"`
}

// Account is the part of the owning account worth referencing.
type Account struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// CreateUserRequest is the body of a create call.
type CreateUserRequest struct {
	SIPConnectionUUID string  `json:"sip_connection_uuid"`
	Login             string  `json:"login"`
	Password          string  `json:"password"`
	FirstName         *string `json:"first_name,omitempty"`
	LastName          *string `json:"last_name,omitempty"`
	Email             *string `json:"email,omitempty"`
	PhoneNumber       *string `json:"phone_number,omitempty"`
	Avatar            *string `json:"avatar,omitempty"`
	DOB               *string `json:"dob,omitempty"`
	Gender            *string `json:"gender,omitempty"`
	RemoteIP          *string `json:"remote_ip,omitempty"`
}

// Field names a user field that a modify call can carry.
type Field string

// The fields of a modify call, spelled as the API spells them.
const (
	FieldSIPConnectionUUID Field = "sip_connection_uuid"
	FieldLogin             Field = "login"
	FieldPassword          Field = "password"
	FieldFirstName         Field = "first_name"
	FieldLastName          Field = "last_name"
	FieldEmail             Field = "email"
	FieldPhoneNumber       Field = "phone_number"
	FieldAvatar            Field = "avatar"
	FieldDOB               Field = "dob"
	FieldGender            Field = "gender"
	FieldRemoteIP          Field = "remote_ip"
)

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
