package opentact_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// A token echoed in part (cut short, upper-cased, or whole) withholds the
// API's message: no stretch of 20 characters of it is in the error.
func TestErrorsNeverHoldAPartOfTheToken(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXBheWxvYWQ.sig-abcdef123456"
	for _, msg := range []string{
		"invalid token " + token[:30] + "...",
		"invalid token " + strings.ToUpper(token),
		"invalid token " + token,
	} {
		body, _ := json.Marshal(map[string]any{"success": false, "message": msg, "status": 401})
		c := newClient(t, rawServer(t, 401, string(body)), token)
		_, err := c.GetUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
		if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(token[:20])) {
			t.Errorf("part of the token in the error")
		}
	}
}
