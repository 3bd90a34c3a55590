package opentact

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// NormalizeToken drops the whitespace a file or secret store leaves around a
// token (a trailing newline, most often).
func NormalizeToken(token string) string {
	return strings.TrimSpace(token)
}

// ExpiredTokenError is a JWT whose exp claim has passed.
type ExpiredTokenError struct{ At time.Time }

func (e *ExpiredTokenError) Error() string {
	return "the API token expired at " + e.At.Format(time.RFC3339)
}

// CheckTokenExpiry reads the exp claim of a JWT and fails with an
// *ExpiredTokenError when it has passed, so the user hears "expired" instead
// of a 401 on the first call. The signature is the API's to check; a token
// that is not a JWT, or has no exp, passes.
func CheckTokenExpiry(token string, now time.Time) error {
	expiry, ok := jwtExpiry(NormalizeToken(token))
	if ok && !now.Before(expiry) {
		return &ExpiredTokenError{At: expiry}
	}
	return nil
}

// jwtExpiry is the exp claim of a JWT; ok is false for anything else.
func jwtExpiry(token string) (expiry time.Time, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	secs, err := claims.Exp.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(secs), 0).UTC(), true
}
