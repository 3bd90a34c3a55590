package opentact

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
)

const (
	pathUser = "/rest/sip/connection/user"
)

// ListUsers returns every user of a SIP connection, from a list call of its
// own.
func (c *Client) ListUsers(ctx context.Context, connectionUUID string) ([]User, error) {
	return c.listUsers(ctx, connectionUUID, false)
}

func (c *Client) listUsers(ctx context.Context, connectionUUID string, cheap bool) ([]User, error) {
	cl := call{method: http.MethodGet, path: usersPath(connectionUUID), cheap: cheap}
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

// ConnectionUsers returns every user of a SIP connection sorted by login,
// from the process's snapshot of it (see connectionUsers): the data sources
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

// GetUser returns one user by uuid. Its ErrNotFound is the API's word
// only; ReadUser and DeleteUser confirm it before acting on it.
func (c *Client) GetUser(ctx context.Context, uuid string) (*User, error) {
	return c.userCall(ctx, call{method: http.MethodGet, path: userPath(uuid)})
}

// ModifyUser changes the fields the patch names and returns the user after
// the change.
func (c *Client) ModifyUser(ctx context.Context, uuid string, patch UserPatch) (*User, error) {
	defer c.snapshots.invalidate()
	cl := call{method: http.MethodPatch, path: userPath(uuid), body: patch}
	if password := patch.fields[FieldPassword]; password != nil {
		cl.secrets = []string{*password}
	}
	return c.userCall(ctx, cl)
}

// DeleteUser removes a user of connection. A user already gone counts as
// removed, once the connection's list confirms it (see confirmGone).
func (c *Client) DeleteUser(ctx context.Context, uuid, connection string) error {
	defer c.snapshots.invalidate()
	_, err := c.userCall(ctx, call{method: http.MethodDelete, path: userPath(uuid)})
	if errors.Is(err, ErrNotFound) {
		if err = c.confirmGone(ctx, uuid, connection, err); errors.Is(err, ErrNotFound) {
			return nil
		}
	}
	return err
}

// FindUserByLogin returns the user with this login on a connection, or an
// ErrNotFound error, from the connection's snapshot.
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
	return nil, &APIError{
		Method: http.MethodGet, Path: usersPath(connectionUUID), Host: c.base.Host, Status: http.StatusOK,
		Message: "no SIP user with login " + login + " on SIP connection " + connectionUUID, kind: ErrNotFound,
	}
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
