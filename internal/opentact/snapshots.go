package opentact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CoalesceThreshold is the read of a connection from which ReadUser serves
// reads from one list call. The first reads of a connection use single GETs,
// so a state that manages one user of a connection with 10,000 users never
// pulls the whole list; from the third read on, one list answers them all.
// The provider's coalesce_reads documentation spells this number out.
const CoalesceThreshold = 3

// snapshotFetchLimit bounds a list call that several callers share, since it
// outlives the caller that started it.
const snapshotFetchLimit = 2 * time.Minute

// snapshots holds, per SIP connection, the users of one list call, for the
// life of the provider process. Any write drops them all: a snapshot is
// never trusted across a change this process made. A list call that failed
// is remembered for the process, so later reads go straight to GETs instead
// of repeating it.
type snapshots struct {
	mu         sync.Mutex
	generation uint64
	reads      map[string]int
	users      map[string]map[string]User // connection -> uuid -> user
	failed     map[string]listFailure
	flight     singleflight.Group
}

// listFailure is a list call that failed. thorough tells whether it had the
// usual retries; a cheap list (for coalesced reads) has none.
type listFailure struct {
	err      error
	thorough bool
}

func (s *snapshots) invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.generation++
	s.users = nil
}

// countRead notes a read of connection and returns how many there have
// been, the user if the current snapshot has it, and whether a snapshot or a
// remembered failure already answers for the connection.
func (s *snapshots) countRead(connection, uuid string) (reads int, cached *User, settled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[connection]++
	if _, failed := s.failed[connection]; failed {
		return s.reads[connection], nil, true
	}
	listed, loaded := s.users[connection]
	if !loaded {
		return s.reads[connection], nil, false
	}
	if u, ok := listed[uuid]; ok {
		return s.reads[connection], &u, true
	}
	return s.reads[connection], nil, true
}

// current returns the connection's snapshot, the generation, and the failure
// remembered for a list of this kind.
func (s *snapshots) current(connection string, thorough bool) (map[string]User, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.failed[connection]; ok && (f.thorough || !thorough) {
		return nil, s.generation, f.err
	}
	return s.users[connection], s.generation, nil
}

func (s *snapshots) generationNow() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.generation
}

// store keeps a list as the connection's snapshot unless a write happened
// since the list call began.
func (s *snapshots) store(connection string, since uint64, list []User) map[string]User {
	byUUID := make(map[string]User, len(list))
	for _, u := range list {
		byUUID[u.UUID] = u
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failed, connection)
	if s.generation != since {
		return byUUID
	}
	if s.users == nil {
		s.users = map[string]map[string]User{}
	}
	s.users[connection] = byUUID
	return byUUID
}

// failedThoroughly reports whether a thorough list of connection failed.
func (s *snapshots) failedThoroughly(connection string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed[connection].thorough
}

func (s *snapshots) fail(connection string, err error, thorough bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = map[string]listFailure{}
	}
	if prior, ok := s.failed[connection]; ok && prior.thorough && !thorough {
		return
	}
	s.failed[connection] = listFailure{err: err, thorough: thorough}
}

// connectionUsers returns the users of a connection from the process's
// snapshot, listing them once if there is none. A thorough list has the
// usual retries and is what decisions rest on (plan checks, confirming a
// user is gone); a cheap one only saves calls and is not retried.
// Concurrent callers share one list call (a thorough caller whose shared
// call was a cheap one that failed lists again), and each can leave when
// its own context ends. The call has a time of its own, since it outlives
// the caller that started it.
func (c *Client) connectionUsers(ctx context.Context, connection string, thorough bool) (map[string]User, error) {
	users, generation, failure := c.snapshots.current(connection, thorough)
	if failure != nil {
		return nil, failure
	}
	if users != nil {
		return users, nil
	}
	users, shared, err := c.fetchSnapshot(ctx, connection, generation, thorough, "")
	if err != nil && thorough && shared && !c.snapshots.failedThoroughly(connection) && ctx.Err() == nil {
		users, _, err = c.fetchSnapshot(ctx, connection, generation, true, "again/")
	}
	return users, err
}

// fetchSnapshot runs, or joins, the list call of a connection for this
// generation of snapshots. shared tells whether it joined a call that
// another caller started, with that caller's kind of list.
func (c *Client) fetchSnapshot(ctx context.Context, connection string, generation uint64, thorough bool, keyPrefix string) (map[string]User, bool, error) {
	started := false
	ch := c.snapshots.flight.DoChan(fmt.Sprintf("%s%s/%d", keyPrefix, connection, generation), func() (any, error) {
		started = true
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), snapshotFetchLimit)
		defer cancel()
		kind := readCall
		if !thorough {
			kind = hintCall
		}
		list, err := c.listUsers(fetchCtx, connection, kind, nil, nil)
		if err != nil {
			if rememberable(err) {
				c.snapshots.fail(connection, err, thorough)
			}
			return nil, err
		}
		return c.snapshots.store(connection, generation, list), nil
	})
	select {
	case <-ctx.Done():
		op := newOperation()
		return nil, false, c.failure(call{method: http.MethodGet, path: usersPath(connection)}, op,
			&attempt{class: classCancelled, kind: ErrCancelled, timeout: deadlineOf(ctx), message: "gave up waiting for the list of users"})
	case res := <-ch:
		if res.Err != nil {
			return nil, !started, res.Err
		}
		return res.Val.(map[string]User), !started, nil //nolint:forcetypeassert // the call returns only this type
	}
}

// rememberable tells a list failure that says something about the list (an
// error answer, a bad or oversized answer) from one that only says the
// call ran out of time or reached nothing.
func rememberable(err error) bool {
	return !errors.Is(err, ErrCancelled) && !errors.Is(err, ErrRateLimit) && !errors.Is(err, ErrUnreachable) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
