package opentact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// NormalizeToken drops the whitespace a file or secret store leaves around a
// token (a trailing newline, most often).
func NormalizeToken(token string) string {
	return strings.TrimSpace(token)
}

// CheckTokenExpiry reads the exp claim of a JWT and fails when it has
// passed, so the user hears "expired" instead of a 401 on the first call.
// The signature is the API's to check; a token that is not a JWT, or has no
// exp, passes.
func CheckTokenExpiry(token string, now time.Time) error {
	expiry, ok := jwtExpiry(NormalizeToken(token))
	if ok && !now.Before(expiry) {
		return fmt.Errorf("the API token expired at %s; issue a new token in the OpenTact portal and set it in the provider's token or OPENTACT_TOKEN", expiry.Format(time.RFC3339))
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
