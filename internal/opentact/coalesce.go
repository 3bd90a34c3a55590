package opentact

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"
)

// CoalesceThreshold is the read of a connection from which ReadUser serves
// reads from one list call. The first reads of a connection use single GETs,
// so a state that manages one user of a connection with 10,000 users never
// pulls the whole list; from the third read on, one list answers them all.
// The provider's coalesce_reads documentation spells this number out.
const CoalesceThreshold = 3

// snapshots holds, per SIP connection, the users of one list call, for the
// life of the provider process. Any write drops them all: a snapshot is
// never trusted across a change this process made.
type snapshots struct {
	mu         sync.Mutex
	generation uint64
	reads      map[string]int
	users      map[string]map[string]User // connection -> uuid -> user
	flight     singleflight.Group
}

func (s *snapshots) invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.generation++
	s.users = nil
}

// countRead notes a read of connection and returns how many there have been,
// with the user if the current snapshot has it.
func (s *snapshots) countRead(connection, uuid string) (int, *User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[connection]++
	listed, loaded := s.users[connection]
	if !loaded {
		return s.reads[connection], nil, false
	}
	u, ok := listed[uuid]
	if !ok {
		return s.reads[connection], nil, true
	}
	return s.reads[connection], &u, true
}

func (s *snapshots) lookup(connection, uuid string) (*User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[connection][uuid]
	if !ok {
		return nil, false
	}
	return &u, true
}

func (s *snapshots) currentGeneration() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.generation
}

// store keeps a list as the connection's snapshot unless a write happened
// since the list call began.
func (s *snapshots) store(connection string, since uint64, list []User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.generation != since {
		return
	}
	byUUID := make(map[string]User, len(list))
	for _, u := range list {
		byUUID[u.UUID] = u
	}
	if s.users == nil {
		s.users = map[string]map[string]User{}
	}
	s.users[connection] = byUUID
}

// ReadUser reads a user that Terraform believes belongs to connection. With
// coalescing on, the reads of a connection from the CoalesceThreshold-th on
// share one list call (concurrent readers wait for the call in flight). A
// user missing from the list is confirmed with a GET, since it may have
// moved to another connection, and a failed list falls back to GETs: the
// list can only save calls, never decide that a user is gone.
func (c *Client) ReadUser(ctx context.Context, uuid, connection string) (*User, error) {
	if !c.coalesce || connection == "" {
		return c.GetUser(ctx, uuid)
	}
	reads, cached, loaded := c.snapshots.countRead(connection, uuid)
	if cached != nil {
		return cached, nil
	}
	if loaded || reads < CoalesceThreshold {
		return c.GetUser(ctx, uuid)
	}
	_, err, _ := c.snapshots.flight.Do(connection, func() (any, error) {
		since := c.snapshots.currentGeneration()
		list, err := c.ListUsers(context.WithoutCancel(ctx), connection)
		if err != nil {
			return nil, err
		}
		c.snapshots.store(connection, since, list)
		return nil, nil
	})
	if err != nil {
		c.logger(ctx, "OpenTact list call for coalesced reads failed; reading the user alone", map[string]any{"connection": connection})
		return c.GetUser(ctx, uuid)
	}
	if u, ok := c.snapshots.lookup(connection, uuid); ok {
		return u, nil
	}
	return c.GetUser(ctx, uuid)
}
