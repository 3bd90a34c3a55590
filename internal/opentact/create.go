package opentact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// A user found after a create with an unknown outcome was made by that
// create only if the API created it after the create began. The API's clock
// is read from its answers' Date header (to a second, and created_on is to
// a second too: dateSlack); when no answer carried one, the clocks are
// assumed to agree within adoptionSkew.
const (
	adoptionSkew = 2 * time.Minute
	dateSlack    = 2 * time.Second
)

// settleGrace is how long a create whose own time ran out (or that was
// cancelled) may still spend looking for the user it may have made: an
// orphan is worse than a few seconds.
const settleGrace = 15 * time.Second

// CreateResult is what CreateUser did.
type CreateResult struct {
	User *User
	// Adopted is set when the create's answer was lost and the user it made
	// was found by looking.
	Adopted bool
	// Warning says what could not be confirmed about an adopted user.
	Warning string
}

// CreateUser creates a user. It is the one owner of a create's retries,
// since a create is not idempotent: a 429 is retried until ctx's deadline
// (the API declined the work); a broken connection, a timeout or a 5xx
// gateway answer leave the outcome unknown, and the POST is sent again up to
// maxRetries times. Logins are unique per connection, so a repeated POST
// can never make a second user: it gets 409 when the first one went
// through. A 409 after an attempt with an unknown outcome, or an unknown
// outcome at the end, is settled by looking (settleCreate). A 409 on a
// clean first attempt is the caller's to report: the login was taken.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*CreateResult, error) {
	defer c.snapshots.invalidate()
	ctx, op := withOpStats(ctx)
	cl := call{method: http.MethodPost, path: pathUser, body: req, unsafe: true, secrets: []string{req.Password}}
	uncertain := false // an earlier attempt may have created the user
	failures := 0
	for attempt := 0; ; attempt++ {
		u, err := c.userCall(ctx, cl)
		if err == nil {
			return &CreateResult{User: u}, nil
		}
		var apiErr *APIError
		errors.As(err, &apiErr)
		var wait time.Duration
		switch {
		case errors.Is(err, ErrConflict):
			if !uncertain {
				return nil, err
			}
			return c.settleCreate(ctx, req, op, err)
		case errors.Is(err, ErrRateLimit) && apiErr != nil && apiErr.Status == http.StatusTooManyRequests:
			wait = apiErr.retryAfter
			if wait <= 0 {
				wait = exponential(c.http.RetryWaitMin, c.http.RetryWaitMax, attempt+1)
			}
		case errors.Is(err, ErrUnknownOutcome):
			uncertain = true
			failures++
			retriable := apiErr == nil || apiErr.Status == 0 || apiErr.Status == http.StatusBadGateway ||
				apiErr.Status == http.StatusServiceUnavailable || apiErr.Status == http.StatusGatewayTimeout
			if !retriable || failures > c.maxRetries || ctx.Err() != nil {
				return c.settleCreate(ctx, req, op, err)
			}
			wait = exponential(c.http.RetryWaitMin, c.http.RetryWaitMax, failures)
			if apiErr != nil && apiErr.retryAfter > 0 {
				wait = apiErr.retryAfter
			}
		default:
			// A definite answer (validation, auth, no such connection) or a
			// call that never left. After an unknown outcome it may still
			// be ours.
			if uncertain {
				return c.settleCreate(ctx, req, op, err)
			}
			return nil, err
		}
		c.logger(ctx, "OpenTact create will be sent again", map[string]any{"attempt": attempt + 1, "wait_ms": wait.Milliseconds(), "uncertain": uncertain})
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) || sleep(ctx, wait) != nil {
			if uncertain {
				return c.settleCreate(ctx, req, op, err)
			}
			return nil, err
		}
	}
}

// settleCreate resolves a create whose outcome is unknown by looking at the
// login on the connection. A user is adopted only when it is provably the
// one this create made: every field the create sent (and none it did not)
// as sent, created after the create began. Then its password is set again,
// so that it is the configured one whatever happened. Any other user with
// the login is someone else's and is left untouched.
func (c *Client) settleCreate(ctx context.Context, req CreateUserRequest, op *opStats, cause error) (*CreateResult, error) {
	if ctx.Err() != nil || timeLeft(ctx, settleGrace) < settleGrace {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), settleGrace)
		defer cancel()
	}
	c.logger(ctx, "OpenTact create had an unknown outcome; looking the login up", map[string]any{"connection": req.SIPConnectionUUID})
	cl := call{method: http.MethodPost, path: pathUser, secrets: []string{req.Password}}
	users, err := c.ListUsers(ctx, req.SIPConnectionUUID)
	if err != nil {
		return nil, c.fail(cl, 0, ErrUnknownOutcome, strings.TrimPrefix(cause.Error(), "OpenTact API "),
			"looking the login up to settle it failed too: "+err.Error())
	}
	var found *User
	for i := range users {
		if users[i].Login == req.Login {
			found = &users[i]
		}
	}
	if found == nil {
		if errors.Is(cause, ErrConflict) || errors.Is(cause, ErrUnknownOutcome) {
			return nil, c.fail(cl, 0, ErrUnknownOutcome, strings.TrimPrefix(cause.Error(), "OpenTact API "),
				"no user with login "+req.Login+" was on the connection when looked up afterwards, but the request may still be processed")
		}
		return nil, cause
	}
	if why := notMadeBy(found, req, op.earliestCreation()); why != "" {
		return nil, &APIError{Method: cl.method, Path: cl.path, Host: c.base.Host, Status: http.StatusConflict, kind: ErrConflict,
			Message: fmt.Sprintf("login %s on SIP connection %s is held by SIP user %s, which this create did not make (%s); it is left untouched", req.Login, req.SIPConnectionUUID, found.UUID, why)}
	}
	c.logger(ctx, "OpenTact create had succeeded; adopting the user it made", map[string]any{"uuid": found.UUID})
	var patch UserPatch
	patch.Set(FieldPassword, req.Password)
	u, err := c.ModifyUser(ctx, found.UUID, patch)
	if err != nil {
		return &CreateResult{User: found, Adopted: true, Warning: "setting its password again failed (" + err.Error() +
			"); the user was created with the configured password unless another client made an identical user in the same seconds. To be sure, set the password again (change password, or increase password_wo_version)."}, nil
	}
	return &CreateResult{User: u, Adopted: true}, nil
}

// earliestCreation is, on the API's clock, the earliest created_on of a user
// that the operation made.
func (op *opStats) earliestCreation() time.Time {
	if op.knowsServerTime {
		return op.started.Add(op.serverOffset).Add(-dateSlack)
	}
	return op.started.Add(-adoptionSkew)
}

// notMadeBy says why u cannot be the user that req created, or "" when it
// matches: the same login and connection, every optional field as sent (an
// unsent one empty; a dob at the same instant), created at earliest (on the
// API's clock) or later.
func notMadeBy(u *User, req CreateUserRequest, earliest time.Time) string {
	if u.Login != req.Login || u.SIPConnection.UUID != req.SIPConnectionUUID {
		return "its login or connection differs"
	}
	fields := []struct {
		name       string
		sent, have *string
	}{
		{"first_name", req.FirstName, u.FirstName}, {"last_name", req.LastName, u.LastName},
		{"email", req.Email, u.Email}, {"phone_number", req.PhoneNumber, u.PhoneNumber},
		{"avatar", req.Avatar, u.Avatar}, {"gender", req.Gender, u.Gender}, {"remote_ip", req.RemoteIP, u.RemoteIP},
	}
	var differ []string
	for _, f := range fields {
		if deref(f.sent) != deref(f.have) {
			differ = append(differ, f.name)
		}
	}
	if !sameInstant(deref(req.DOB), deref(u.DOB)) {
		differ = append(differ, "dob")
	}
	if len(differ) > 0 {
		return "these fields differ from what this create sent: " + strings.Join(differ, ", ")
	}
	created, err := time.Parse(time.RFC3339Nano, u.CreatedOn)
	if err != nil || created.Before(earliest) {
		return "it was created at " + u.CreatedOn + ", before this create began"
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sameInstant compares two RFC 3339 values as instants ("" equals "").
func sameInstant(a, b string) bool {
	if a == b {
		return true
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func sleep(ctx context.Context, d time.Duration) error {
	_, err := realClock{}.sleep(ctx, d, nil)
	return err
}
