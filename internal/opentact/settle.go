package opentact

import (
	"context"
	"errors"
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
	// PasswordErr is, for an adopted user, why setting its password again
	// failed (nil when it worked).
	PasswordErr error
}

// settleCreate resolves a create whose outcome is unknown by looking at the
// login on the connection. A user is adopted only when it is provably the
// one this create made: every field the create sent (and none it did not)
// as sent, created after the create began. Then its password is set again,
// so that it is the configured one whatever happened. Any other user with
// the login is someone else's and is left untouched (*ForeignHolderError).
func (c *Client) settleCreate(ctx context.Context, req CreateUserRequest, op *operation, cause *APIError) (*CreateResult, error) {
	if ctx.Err() != nil || timeLeft(ctx, settleGrace) < settleGrace {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), settleGrace)
		defer cancel()
	}
	c.logger(ctx, "OpenTact create had an unknown outcome; looking the login up", map[string]any{"connection": req.SIPConnectionUUID})
	// The lookup has retries of its own: the create may have spent its own.
	// The API's clock, if the create's answers gave none, comes from it.
	look := newOperation()
	users, err := c.listUsers(ctx, req.SIPConnectionUUID, settleCall, look, []string{req.Password})
	if !op.knowsServerTime && look.knowsServerTime {
		op.serverOffset, op.knowsServerTime = look.serverOffset, true
	}
	var found *User
	for i := range users {
		if users[i].Login == req.Login {
			found = &users[i]
		}
	}
	switch {
	case found == nil && err == nil && rejected(cause):
		return nil, cause // the last attempt was refused outright, and nothing is there
	case found == nil:
		cause.kind, cause.LookupErr = ErrUnknownOutcome, err
		return nil, cause
	}
	if f := notMadeBy(found, req, op.earliestCreation()); f != nil {
		return nil, f
	}
	c.logger(ctx, "OpenTact create had succeeded; adopting the user it made", map[string]any{"uuid": found.UUID})
	var patch UserPatch
	patch.Set(FieldPassword, req.Password)
	u, err := c.ModifyUser(ctx, found.UUID, patch)
	if err != nil {
		return &CreateResult{User: found, Adopted: true, PasswordErr: err}, nil
	}
	return &CreateResult{User: u, Adopted: true}, nil
}

// rejected reports whether the API itself refused a call outright
// (validation, authorisation, no such connection): nothing was done.
func rejected(e *APIError) bool {
	return e.Enveloped && (errors.Is(e, ErrValidation) || errors.Is(e, ErrAuth) || errors.Is(e, ErrNotFound))
}

// earliestCreation is, on the API's clock, the earliest created_on of a user
// that the operation made.
func (op *operation) earliestCreation() time.Time {
	if op.knowsServerTime {
		return op.started.Add(op.serverOffset).Add(-dateSlack)
	}
	return op.started.Add(-adoptionSkew)
}

// notMadeBy says why u cannot be the user that req created, or nil when it
// matches: the same login and connection, every optional field as sent (an
// unsent one empty; an instant at the same instant), created at earliest (on
// the API's clock) or later.
func notMadeBy(u *User, req CreateUserRequest, earliest time.Time) *ForeignHolderError {
	f := &ForeignHolderError{Login: req.Login, Connection: req.SIPConnectionUUID, Holder: u.UUID}
	if u.Login != req.Login || u.SIPConnection.UUID != req.SIPConnectionUUID {
		f.Differs = append(f.Differs, string(FieldLogin), string(FieldSIPConnectionUUID))
		return f
	}
	for _, field := range OptionalFields {
		sent, have := req.Fields[field], u.Fields[field]
		if sent != have && (!field.IsInstant() || !sameInstant(sent, have)) {
			f.Differs = append(f.Differs, string(field))
		}
	}
	if len(f.Differs) > 0 {
		return f
	}
	created, err := time.Parse(time.RFC3339Nano, u.CreatedOn)
	if err != nil || created.Before(earliest) {
		f.CreatedOn = u.CreatedOn
		return f
	}
	return nil
}

// timeLeft is the time until ctx's deadline, or def when it has none.
func timeLeft(ctx context.Context, def time.Duration) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return max(time.Until(deadline), time.Millisecond)
	}
	return def
}
