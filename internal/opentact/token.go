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
	parts := strings.Split(NormalizeToken(token), ".")
	if len(parts) != 3 {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(raw, &claims) != nil || claims.Exp == nil {
		return nil
	}
	secs, err := claims.Exp.Float64()
	if err != nil {
		return nil
	}
	expiry := time.Unix(int64(secs), 0).UTC()
	if !now.Before(expiry) {
		return fmt.Errorf("the API token expired at %s; issue a new token in the OpenTact portal and set it in the provider's token or OPENTACT_TOKEN", expiry.Format(time.RFC3339))
	}
	return nil
}
