package opentact_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// A password echoed in another encoding (PHP's escaped slashes, Python's
// ASCII-only \u escapes, HTML entities, URL encoding, a \u000a where Go
// writes \n, a German sharp s upper-cased) still withholds the message.
func TestErrorsNeverHoldAnEncodedPassword(t *testing.T) {
	for _, tc := range []struct{ name, password, message string }{
		{"php slash escape", "a/b/c/d/e/f/g", `invalid body {"password":"a\/b\/c\/d\/e\/f\/g"}`},
		{"python ensure_ascii", "пароль-секрет", `invalid body {"password":"\u043f\u0430\u0440\u043e\u043b\u044c-\u0441\u0435\u043a\u0440\u0435\u0442"}`},
		{"html entity", "a<b>c&d<e>f", `<p>value a&lt;b&gt;c&amp;d&lt;e&gt;f</p>`},
		{"url-encoded", "a b+c/d=e?f", `body password=a+b%2Bc%2Fd%3De%3Ff`},
		{"control char \\u000a", "ab\ncd\nef\ngh", `bad "ab\u000acd\u000aef\u000agh"`},
		{"sharp s upper", "straße-geheim", `PASSWORD STRASSE-GEHEIM`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"success": false, "message": tc.message, "status": 0})
			c := newClient(t, rawServer(t, 400, string(body)), "tok")
			req := aliceRequest()
			req.Password = tc.password
			_, err := c.CreateUser(context.Background(), req)
			e := apiError(t, err)
			if !e.Withheld || strings.Contains(err.Error(), tc.password) {
				t.Errorf("not withheld: %v", err)
			}
		})
	}
}
