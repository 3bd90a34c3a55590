package opentact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
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
type answerError struct {
	status  int
	kind    error
	message string
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
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, &answerError{status, failKind(), "the answer had an empty body"}
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, &answerError{status, failKind(), describeNonJSON(trimmed, err)}
	}
	if env.Success == nil {
		return nil, &answerError{status, failKind(), "the answer is JSON but not the API's {success, payload} envelope"}
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
		msg := cleanMessage(env.Message)
		if msg == "" {
			msg = "the API reported a failure without a message"
		}
		return nil, &answerError{code, kind, msg}
	}
	if !ok2xx {
		return nil, &answerError{status, kindForStatus(status), "the answer claimed success under an error status"}
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return nil, &answerError{status, ErrBadAnswer, "the answer has no payload"}
	}
	return env.Payload, nil
}

func describeNonJSON(body []byte, err error) string {
	if body[0] == '<' {
		return "the answer is an HTML page, not JSON (often a proxy or gateway error page)"
	}
	return fmt.Sprintf("the answer is not valid JSON (%s)", cleanMessage(err.Error()))
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
	if len(s) > limit {
		s = s[:limit] + "…"
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
	}
	return ""
}
