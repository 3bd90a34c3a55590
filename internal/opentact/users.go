package opentact

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
)

const pathUser = "/rest/sip/connection/user"

func usersPath(connectionUUID string) string {
	return "/rest/sip/connection/" + url.PathEscape(connectionUUID) + "/users"
}

func userPath(uuid string) string {
	return pathUser + "/" + url.PathEscape(uuid)
}

// ListUsers returns every user of a SIP connection, from a list call of its
// own.
func (c *Client) ListUsers(ctx context.Context, connectionUUID string) ([]User, error) {
	return c.listUsers(ctx, connectionUUID, readCall, nil, nil)
}

// listUsers lists a connection's users. secrets are scrubbed from its error
// as from the call's own: the lookup that settles a create carries the
// create's password.
func (c *Client) listUsers(ctx context.Context, connectionUUID string, kind callKind, op *operation, secrets []string) ([]User, error) {
	var users []User
	res := c.do(ctx, call{kind: kind, method: http.MethodGet, path: usersPath(connectionUUID), secrets: secrets, decode: func(p json.RawMessage) (problem string) {
		users, problem = decodeUsers(p)
		return problem
	}}, op)
	if res.err != nil {
		return nil, res.err
	}
	return users, nil
}

// userCall runs a call whose answer is one user.
func (c *Client) userCall(ctx context.Context, cl call) (*User, result) {
	var u *User
	cl.decode = func(p json.RawMessage) (problem string) {
		u, problem = decodeUser(p)
		return problem
	}
	res := c.do(ctx, cl, nil)
	return u, res
}

// GetUser returns one user by uuid. Its ErrNotFound is the API's word
// only; ReadUser and DeleteUser confirm it before acting on it.
func (c *Client) GetUser(ctx context.Context, uuid string) (*User, error) {
	u, res := c.userCall(ctx, call{kind: readCall, method: http.MethodGet, path: userPath(uuid)})
	if res.err != nil {
		return nil, res.err
	}
	return u, nil
}

// ReadUser reads a user that Terraform believes belongs to connection. With
// coalescing on, the reads of a connection from the CoalesceThreshold-th on
// share one list call. A user missing from the list is read with a GET,
// since it may have moved to another connection, and a failed list falls
// back to GETs: the list only saves calls. ErrNotFound means the user is
// gone for certain (see confirmGone).
func (c *Client) ReadUser(ctx context.Context, uuid, connection string) (*User, error) {
	if u, ok := c.coalescedRead(ctx, uuid, connection); ok {
		return u, nil
	}
	if ctx.Err() != nil {
		return nil, c.failure(call{method: http.MethodGet, path: userPath(uuid)}, newOperation(),
			&attempt{class: classCancelled, kind: ErrCancelled, timeout: deadlineOf(ctx)})
	}
	u, err := c.GetUser(ctx, uuid)
	if errors.Is(err, ErrNotFound) {
		return nil, c.confirmGone(ctx, uuid, connection, err)
	}
	return u, err
}

// coalescedRead answers a read from the connection's snapshot, when
// coalescing is on and the snapshot has the user.
func (c *Client) coalescedRead(ctx context.Context, uuid, connection string) (*User, bool) {
	if !c.coalesce || connection == "" {
		return nil, false
	}
	reads, cached, settled := c.snapshots.countRead(connection, uuid)
	if cached != nil {
		return cached, true
	}
	if settled || reads < CoalesceThreshold {
		return nil, false
	}
	users, err := c.connectionUsers(ctx, connection, false)
	if u, ok := users[uuid]; err == nil && ok {
		return &u, true
	}
	if err != nil && ctx.Err() == nil {
		c.logger(ctx, "OpenTact list call for coalesced reads failed; reading users one by one", map[string]any{"connection": connection})
	}
	return nil, false
}

// confirmGone decides what a 404 for a user means. Even the API's own
// enveloped 404 is not proof: a base URL with a wrong path on the API's host
// gets it for every call. A 200 list of the user's connection without the
// user is: then notFound is returned. Anything else is an
// *UnconfirmedError, which is not ErrNotFound, so nothing is dropped from a
// state on the strength of it.
func (c *Client) confirmGone(ctx context.Context, uuid, connection string, notFound error) error {
	if connection == "" {
		return notFound
	}
	users, err := c.connectionUsers(ctx, connection, true)
	if _, listed := users[uuid]; err == nil && listed {
		// The snapshot may predate the 404: ask the list itself.
		var list []User
		generation := c.snapshots.generationNow()
		if list, err = c.ListUsers(ctx, connection); err == nil {
			users = c.snapshots.store(connection, generation, list)
		}
	}
	if err != nil {
		return &UnconfirmedError{UUID: uuid, Connection: connection, NotFound: notFound, Check: err}
	}
	if _, listed := users[uuid]; listed {
		return &UnconfirmedError{UUID: uuid, Connection: connection, NotFound: notFound, Check: ErrStillListed}
	}
	return notFound
}

// CreateUser creates a user, never two and never one that is lost: see
// decide for its retries and settleCreate for how an unknown outcome is
// settled.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*CreateResult, error) {
	defer c.snapshots.invalidate()
	op := newOperation()
	var u *User
	cl := call{kind: createCall, method: http.MethodPost, path: pathUser, body: req, secrets: []string{req.Password},
		decode: func(p json.RawMessage) (problem string) {
			u, problem = decodeUser(p)
			return problem
		}}
	res := c.do(ctx, cl, op)
	switch {
	case res.settle:
		return c.settleCreate(ctx, req, op, res.err)
	case res.err != nil:
		return nil, res.err
	}
	return &CreateResult{User: u}, nil
}

// ModifyUser changes the fields the patch names and returns the user after
// the change.
func (c *Client) ModifyUser(ctx context.Context, uuid string, patch UserPatch) (*User, error) {
	defer c.snapshots.invalidate()
	cl := call{kind: writeCall, method: http.MethodPatch, path: userPath(uuid), body: patch}
	if password := patch.fields[FieldPassword]; password != nil {
		cl.secrets = []string{*password}
	}
	u, res := c.userCall(ctx, cl)
	if res.err != nil {
		return nil, res.err
	}
	return u, nil
}

// DeleteUser removes a user of connection. A user already gone counts as
// removed, once the connection's list confirms it (see confirmGone).
func (c *Client) DeleteUser(ctx context.Context, uuid, connection string) error {
	defer c.snapshots.invalidate()
	_, res := c.userCall(ctx, call{kind: writeCall, method: http.MethodDelete, path: userPath(uuid)})
	if res.err == nil {
		return nil
	}
	if errors.Is(res.err, ErrNotFound) {
		if err := c.confirmGone(ctx, uuid, connection, res.err); !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	}
	return res.err
}

// ConnectionUsers returns every user of a SIP connection sorted by login,
// from the client's snapshot of it (see connectionUsers): the data sources
// and the plan checks of one run share one list call.
func (c *Client) ConnectionUsers(ctx context.Context, connectionUUID string) ([]User, error) {
	byUUID, err := c.connectionUsers(ctx, connectionUUID, true)
	if err != nil {
		return nil, err
	}
	users := make([]User, 0, len(byUUID))
	for _, u := range byUUID {
		users = append(users, u)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Login < users[j].Login })
	return users, nil
}

// FindUserByLogin returns the user with this login on a connection, or a
// *NoSuchLoginError, from the connection's snapshot.
func (c *Client) FindUserByLogin(ctx context.Context, connectionUUID, login string) (*User, error) {
	users, err := c.connectionUsers(ctx, connectionUUID, true)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Login == login {
			return &u, nil
		}
	}
	return nil, &NoSuchLoginError{Login: login, Connection: connectionUUID}
}

// LoginHolder returns the user that holds login on connection, or nil when
// the login is free, from the connection's snapshot (one thorough list call
// per connection, shared with coalesced reads). checked is false when the
// client has written since, so any list would be stale for a plan: then
// nothing is listed and nothing is said. An ErrNotFound error is the API's
// answer that the connection does not exist.
func (c *Client) LoginHolder(ctx context.Context, connection, login string) (holder *User, checked bool, err error) {
	users, generation, failure := c.snapshots.current(connection, true)
	if users == nil && failure == nil && generation > 0 {
		return nil, false, nil
	}
	users, err = c.connectionUsers(ctx, connection, true)
	if err != nil {
		return nil, true, err
	}
	for _, u := range users {
		if u.Login == login {
			return &u, true, nil
		}
	}
	return nil, true, nil
}
