package opentact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// envelope is the wrapper of every answer: {success, payload} on success,
// {success: false, message, status} on failure.
type envelope struct {
	Success *bool           `json:"success"`
	Payload json.RawMessage `json:"payload"`
	Message string          `json:"message"`
	Status  int             `json:"status"`
}

// envelopeFailure is the API's own error envelope.
type envelopeFailure struct {
	status  int
	message string
}

// parseEnvelope checks an answer's body against the envelope contract. It
// returns the payload of a successful answer; the API's failure envelope;
// or, for an answer that is neither, what it is. It never panics, whatever
// the bytes.
func parseEnvelope(status int, body []byte) (json.RawMessage, *envelopeFailure, string) {
	ok2xx := status >= 200 && status < 300
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil, "the answer had an empty body"
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, nil, describeNonJSON(trimmed, err)
	}
	switch {
	case env.Success == nil:
		return nil, nil, "the answer is JSON but not the API's {success, payload} envelope"
	case !*env.Success:
		f := &envelopeFailure{status: status, message: env.Message}
		if ok2xx {
			f.status = env.Status
		}
		if strings.TrimSpace(f.message) == "" {
			f.message = "the API reported a failure without a message"
		}
		return nil, f, ""
	case !ok2xx:
		return nil, nil, "the answer claimed success under an error status"
	case len(env.Payload) == 0 || string(env.Payload) == "null":
		return nil, nil, "the answer has no payload"
	}
	return env.Payload, nil, ""
}

func describeNonJSON(body []byte, err error) string {
	if body[0] == '<' {
		return "the answer is an HTML page, not JSON (often a proxy or gateway error page)"
	}
	return fmt.Sprintf("the answer is not valid JSON (%s)", err)
}

// tooLarge describes an answer over MaxAnswerBytes.
func tooLarge() string {
	return fmt.Sprintf("the answer is larger than %d MiB, the most the client reads from one answer", MaxAnswerBytes>>20)
}

// cleanMessage keeps a server-supplied message printable and short, since it
// ends up in a diagnostic.
func cleanMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	const limit = 300
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

func decodeUser(payload json.RawMessage) (*User, string) {
	var u User
	if err := json.Unmarshal(payload, &u); err != nil {
		return nil, fmt.Sprintf("the payload is not a SIP user (%s)", cleanMessage(err.Error()))
	}
	if problem := u.problem(); problem != "" {
		return nil, problem
	}
	return &u, ""
}

func decodeUsers(payload json.RawMessage) ([]User, string) {
	var users []User
	if err := json.Unmarshal(payload, &users); err != nil {
		return nil, fmt.Sprintf("the payload is not a list of SIP users (%s)", cleanMessage(err.Error()))
	}
	for i := range users {
		if problem := users[i].problem(); problem != "" {
			return nil, fmt.Sprintf("user %d of the list: %s", i, problem)
		}
	}
	return users, ""
}

// problem names what makes a decoded user unusable as Terraform state.
func (u *User) problem() string {
	switch {
	case u.UUID == "":
		return "the SIP user in the answer has no uuid"
	case u.Login == "":
		return "the SIP user in the answer has no login"
	case u.SIPConnection.UUID == "":
		return "the SIP user in the answer has no sip_connection.uuid"
	}
	return ""
}

// UnmarshalJSON reads the fixed fields of a user, and each optional field
// (OptionalFields) as a JSON string or number: the vendor page documents
// phone_number as both. "4930123456" and 4930123456 read the same; null and
// "" are absent.
func (u *User) UnmarshalJSON(data []byte) error {
	type fixed User // without this method
	var f fixed
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	var optional map[Field]json.RawMessage
	if err := json.Unmarshal(data, &optional); err != nil {
		return err
	}
	*u = User(f)
	u.DigestMark = digestMark(u.UUID, optional["ha1"], optional["ha1b"])
	for _, f := range OptionalFields {
		v, err := stringOrNumber(optional[f])
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if v != "" {
			if u.Fields == nil {
				u.Fields = make(map[Field]string, len(OptionalFields))
			}
			u.Fields[f] = v
		}
	}
	return nil
}

// digestMarkBytes is how much of the salted hash a digest mark keeps.
const digestMarkBytes = 2

// digestMark fingerprints a user's SIP digests so that a change of them (a
// password, login or realm changed outside Terraform) can be seen without
// keeping them: the first two bytes of a SHA-256 over the user's uuid and
// the lower-cased hex digests. Whoever holds ha1 can register as the user,
// and a longer hash would let whoever holds the mark test password guesses
// offline; two bytes narrow a guess list only 65,536-fold and miss one
// change in 65,536. "" when the answer did not carry both digests.
func digestMark(uuid string, ha1, ha1b json.RawMessage) string {
	d1, err1 := stringOrNumber(ha1)
	d2, err2 := stringOrNumber(ha1b)
	if err1 != nil || err2 != nil || d1 == "" || d2 == "" {
		return "" // a half answer would read as a change against a whole one
	}
	sum := sha256.Sum256([]byte(strings.ToLower(uuid) + "\x00" + strings.ToLower(d1) + "\x00" + strings.ToLower(d2)))
	return hex.EncodeToString(sum[:digestMarkBytes])
}

// stringOrNumber reads a JSON string, number or null ("" for null).
func stringOrNumber(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return "", fmt.Errorf("neither a string nor a number")
	}
	return n.String(), nil
}

// UnmarshalJSON reads a user's sip_connection: uuid, name and subdomain as
// strings (anything else makes the user a bad answer, as before), and ip,
// port and is_active tolerantly, each field that cannot be read named in
// Unreadable. The port may be a JSON number or a string of digits, 1 to
// 65535; is_active a boolean, or a string or number that reads as one
// ("true", "0"...).
func (c *SIPConnection) UnmarshalJSON(data []byte) error {
	var raw struct {
		UUID      string          `json:"uuid"`
		Name      string          `json:"name"`
		Subdomain string          `json:"subdomain"`
		IP        json.RawMessage `json:"ip"`
		Port      json.RawMessage `json:"port"`
		IsActive  json.RawMessage `json:"is_active"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = SIPConnection{UUID: raw.UUID, Name: raw.Name, Subdomain: raw.Subdomain}
	if !absent(raw.IP) {
		if err := json.Unmarshal(raw.IP, &c.IP); err != nil {
			c.Unreadable = append(c.Unreadable, "sip_connection.ip")
		}
	}
	if port, err := stringOrNumber(raw.Port); err != nil {
		c.Unreadable = append(c.Unreadable, "sip_connection.port")
	} else if port != "" {
		if n, err := strconv.Atoi(port); err == nil && n >= 1 && n <= 65535 {
			c.Port = n
		} else {
			c.Unreadable = append(c.Unreadable, "sip_connection.port")
		}
	}
	if !absent(raw.IsActive) {
		var b bool
		if err := json.Unmarshal(raw.IsActive, &b); err == nil {
			c.IsActive = &b
		} else if s, err := stringOrNumber(raw.IsActive); err == nil {
			if b, err := strconv.ParseBool(s); s == "" {
				// "" reads as absent, as for a user's optional fields
			} else if err == nil {
				c.IsActive = &b
			} else {
				c.Unreadable = append(c.Unreadable, "sip_connection.is_active")
			}
		} else {
			c.Unreadable = append(c.Unreadable, "sip_connection.is_active")
		}
	}
	return nil
}

// absent reports whether a JSON value is missing or null.
func absent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
