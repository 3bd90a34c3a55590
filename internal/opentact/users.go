package opentact

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

const (
	pathUser = "/rest/sip/connection/user"
)

// adoptionSkew is how far the API's clock may be behind ours when a user
// found after a failed create is judged to be the one that create made.
const adoptionSkew = 2 * time.Minute

// ListUsers returns every user of a SIP connection.
func (c *Client) ListUsers(ctx context.Context, connectionUUID string) ([]User, error) {
	cl := call{method: http.MethodGet, path: usersPath(connectionUUID)}
	payload, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	users, problem := decodeUsers(payload)
	if problem != "" {
		return nil, c.fail(cl, http.StatusOK, ErrBadAnswer, problem)
	}
	return users, nil
}

// GetUser returns one user by uuid.
func (c *Client) GetUser(ctx context.Context, uuid string) (*User, error) {
	return c.userCall(ctx, call{method: http.MethodGet, path: userPath(uuid)})
}

// ModifyUser changes the fields the patch names and returns the user after
// the change.
func (c *Client) ModifyUser(ctx context.Context, uuid string, patch UserPatch) (*User, error) {
	defer c.snapshots.invalidate()
	return c.userCall(ctx, call{method: http.MethodPatch, path: userPath(uuid), body: patch})
}

// DeleteUser removes a user. A user already gone is ErrNotFound; callers
// that only want it gone treat that as success.
func (c *Client) DeleteUser(ctx context.Context, uuid string) error {
	defer c.snapshots.invalidate()
	_, err := c.userCall(ctx, call{method: http.MethodDelete, path: userPath(uuid)})
	return err
}

// FindUserByLogin returns the user with this login on a connection, or an
// ErrNotFound error.
func (c *Client) FindUserByLogin(ctx context.Context, connectionUUID, login string) (*User, error) {
	users, err := c.ListUsers(ctx, connectionUUID)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Login == login {
			return &users[i], nil
		}
	}
	return nil, &APIError{
		Method: http.MethodGet, Path: usersPath(connectionUUID), Host: c.base.Host,
		Message: "no SIP user with login " + login + " on SIP connection " + connectionUUID, kind: ErrNotFound,
	}
}

// CreateUser creates a user with one POST. A create is not idempotent, so
// when its outcome is unknown (the connection broke, or a gateway answered
// 502/504 after the API may have acted) the client looks the login up on
// the connection: a user created since this call began is adopted, and
// otherwise the POST is sent again. A 409 on the first attempt is the
// caller's to report: the login belonged to someone before.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*User, error) {
	defer c.snapshots.invalidate()
	started := time.Now()
	cl := call{method: http.MethodPost, path: pathUser, body: req, unsafe: true}
	for attempt := 0; ; attempt++ {
		u, err := c.userCall(ctx, cl)
		if err == nil {
			return u, nil
		}
		ambiguous := errors.Is(err, ErrUnknownOutcome) || (attempt > 0 && errors.Is(err, ErrConflict))
		if !ambiguous || ctx.Err() != nil {
			return nil, err
		}
		c.logger(ctx, "OpenTact create had an unknown outcome; looking the login up", map[string]any{"attempt": attempt})
		found, lookupErr := c.FindUserByLogin(ctx, req.SIPConnectionUUID, req.Login)
		switch {
		case lookupErr == nil && c.createdSince(found, started):
			c.logger(ctx, "OpenTact create had succeeded; adopting the user it made", map[string]any{"uuid": found.UUID})
			return found, nil
		case lookupErr == nil:
			// The login existed before this create began: not ours to take.
			return nil, err
		case !errors.Is(lookupErr, ErrNotFound) || attempt >= c.maxRetries:
			return nil, err
		}
	}
}

func (c *Client) createdSince(u *User, started time.Time) bool {
	created, err := time.Parse(time.RFC3339Nano, u.CreatedOn)
	return err == nil && !created.Before(started.Add(-adoptionSkew))
}

func (c *Client) userCall(ctx context.Context, cl call) (*User, error) {
	payload, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	u, problem := decodeUser(payload)
	if problem != "" {
		kind := ErrBadAnswer
		if cl.unsafe {
			// The API answered, so it acted, but we cannot tell on what.
			kind = ErrUnknownOutcome
		}
		return nil, c.fail(cl, http.StatusOK, kind, problem)
	}
	return u, nil
}

func usersPath(connectionUUID string) string {
	return "/rest/sip/connection/" + url.PathEscape(connectionUUID) + "/users"
}

func userPath(uuid string) string {
	return pathUser + "/" + url.PathEscape(uuid)
}
