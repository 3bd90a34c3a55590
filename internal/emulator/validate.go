package emulator

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Genders is the documented enum, with its exact spelling and case.
var Genders = []string{
	"Agender", "Androgyne", "Androgynous", "Bigender", "Cis", "Cisgender", "Cis Female", "Cis Male",
	"Cis Man", "Cis Woman", "Cisgender Female", "Cisgender Male", "Cisgender Man", "Cisgender Woman",
	"Female to Male", "FTM", "Gender Fluid", "Gender Nonconforming", "Gender Questioning",
	"Gender Variant", "Genderqueer", "Intersex", "Male to Female", "MTF", "Neither", "Neutrois",
	"Non-binary", "Other", "Pangender", "Trans", "Trans Female", "Trans Male", "Trans Man",
	"Trans Person", "Trans Woman", "Transfeminine", "Transgender", "Transgender Female",
	"Transgender Male", "Transgender Man", "Transgender Person", "Transgender Woman",
	"Transmasculine", "Transsexual", "Transsexual Female", "Transsexual Male", "Transsexual Man",
	"Transsexual Person", "Transsexual Woman", "Two-Spirit",
}

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9]{2,16}$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// optionalFields are the fields a PATCH may clear with null.
var optionalFields = []string{"first_name", "last_name", "email", "phone_number", "avatar", "dob", "gender", "remote_ip"}

// validators check one field's value and return it as stored (dob is
// normalised to UTC, as a real service would).
var validators = map[string]func(string) (string, error){
	"login":               lengthBetween(7, 15),
	"password":            lengthBetween(1, 1<<10),
	"first_name":          lengthBetween(1, 24),
	"last_name":           lengthBetween(1, 24),
	"email":               all(lengthBetween(6, 80), matches(emailPattern, "an e-mail address")),
	"phone_number":        all(lengthBetween(3, 16), matches(phonePattern, "digits with an optional leading +")),
	"avatar":              all(lengthBetween(10, 255), absoluteURL),
	"dob":                 rfc3339,
	"gender":              oneOf(Genders),
	"remote_ip":           all(lengthBetween(7, 15), ipv4),
	"sip_connection_uuid": matches(uuidPattern, "a lower-case uuid"),
}

// decodeFields reads a create or modify body into field -> value, where a
// nil value is a JSON null. Every value must be a string: the API's examples
// send even phone_number as one.
func decodeFields(body []byte) (map[string]*string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	out := make(map[string]*string, len(raw))
	for name, v := range raw {
		check, known := validators[name]
		if !known {
			return nil, fmt.Errorf("unknown field %q", name)
		}
		if string(v) == "null" {
			out[name] = nil
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%s must be a string", name)
		}
		stored, err := check(s)
		if err != nil {
			return nil, fmt.Errorf("%s %w", name, err)
		}
		out[name] = &stored
	}
	return out, nil
}

func lengthBetween(lo, hi int) func(string) (string, error) {
	return func(s string) (string, error) {
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			return "", fmt.Errorf("must be %d to %d characters long, got %d", lo, hi, n)
		}
		return s, nil
	}
}

func matches(re *regexp.Regexp, what string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !re.MatchString(s) {
			return "", fmt.Errorf("must be %s", what)
		}
		return s, nil
	}
}

func all(checks ...func(string) (string, error)) func(string) (string, error) {
	return func(s string) (string, error) {
		for _, check := range checks {
			if _, err := check(s); err != nil {
				return "", err
			}
		}
		return s, nil
	}
}

func oneOf(allowed []string) func(string) (string, error) {
	return func(s string) (string, error) {
		for _, a := range allowed {
			if s == a {
				return s, nil
			}
		}
		return "", fmt.Errorf("must be one of the documented values (%s, ...), exactly as spelled", strings.Join(allowed[:3], ", "))
	}
}

func absoluteURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("must be an http or https URL")
	}
	return s, nil
}

func rfc3339(s string) (string, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", fmt.Errorf("must be an RFC 3339 date-time such as 1990-04-01T00:00:00Z")
	}
	return t.UTC().Format(time.RFC3339), nil
}

func ipv4(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return "", fmt.Errorf("must be a dotted IPv4 address")
	}
	return s, nil
}
