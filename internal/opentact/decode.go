package opentact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
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

// answerError is a failed answer before the call's name is attached to it.
// Its message is raw: the client scrubs the token out, then cuts it.
type answerError struct {
	status  int
	kind    error
	message string
	// notAPI marks a 404 that is not in the API's error envelope (a proxy's
	// page, an empty body): nothing says the object is gone.
	notAPI bool
}

// parseAnswer checks an HTTP answer against the envelope contract and returns
// the payload of a successful one. It never panics, whatever the bytes.
func parseAnswer(status int, body []byte) (json.RawMessage, *answerError) {
	ok2xx := status >= 200 && status < 300
	failKind := func() error {
		if ok2xx {
			return ErrBadAnswer
		}
		return kindForStatus(status)
	}
	notEnvelope := func(msg string) *answerError {
		kind := failKind()
		if status == http.StatusNotFound {
			kind = ErrBadAnswer
		}
		return &answerError{status: status, kind: kind, message: msg, notAPI: status == http.StatusNotFound}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, notEnvelope("the answer had an empty body")
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, notEnvelope(describeNonJSON(trimmed, err))
	}
	if env.Success == nil {
		return nil, notEnvelope("the answer is JSON but not the API's {success, payload} envelope")
	}
	if !*env.Success {
		code := status
		if ok2xx {
			// The API reports validation failures as status 0, sometimes
			// under HTTP 200: the envelope, not the HTTP line, is the truth.
			code = env.Status
		}
		kind := ErrValidation
		if code != 0 {
			kind = kindForStatus(code)
		}
		msg := env.Message
		if strings.TrimSpace(msg) == "" {
			msg = "the API reported a failure without a message"
		}
		return nil, &answerError{status: code, kind: kind, message: msg}
	}
	if !ok2xx {
		return nil, notEnvelope("the answer claimed success under an error status")
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return nil, &answerError{status: status, kind: ErrBadAnswer, message: "the answer has no payload"}
	}
	return env.Payload, nil
}

func describeNonJSON(body []byte, err error) string {
	if body[0] == '<' {
		return "the answer is an HTML page, not JSON (often a proxy or gateway error page)"
	}
	return fmt.Sprintf("the answer is not valid JSON (%s)", err)
}

// cleanMessage keeps a server-supplied message printable and short, since it
// ends up in a Terraform diagnostic.
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
