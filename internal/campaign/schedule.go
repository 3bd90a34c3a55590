package campaign

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Entry is one fault of a schedule: placed by request count (At, the n-th
// API request of the seed) or by Key; a 429 burst hits Count requests in a
// row.
type Entry struct {
	Kind       Kind
	At         int  // the request's number, from 1; 0 when placed by Key
	Key        *Key // command, operation, login and attempt
	Count      int  // a burst's length (429s); 1 otherwise
	RetryAfter int  // seconds, for 429s; 0 for none
	Duration   time.Duration
}

// Schedule is a seed's faults and the size of its lifecycle.
type Schedule struct {
	Seed    uint64
	Users   int
	Entries []Entry
}

// Bounds that keep a seed fast (20 to 40 s on two cores) and within what
// the provider is promised to ride out with max_retries = 4 and operation
// timeouts of 60 s.
const (
	minUsers, maxUsers = 12, 20
	maxRetryAfter      = 3 // seconds
	minOutage          = 500 * time.Millisecond
	maxOutage          = 15 * time.Second
	maxOutageTotal     = 20 * time.Second
	maxSlow            = 4 // answers slower than request_timeout, each costs it
)

// faultedRequests is about how many API requests the faulted commands of a
// seed make (measured: 6 to 8 per user); count placements fall in it.
func faultedRequests(users int) int { return 7 * users }

// NewSchedule is the schedule of a seed.
func NewSchedule(seed uint64) Schedule {
	rng := rand.New(rand.NewPCG(seed, 0x5eed_c0ffee)) //nolint:gosec // test schedules
	s := Schedule{Seed: seed, Users: minUsers + rng.IntN(maxUsers-minUsers+1)}
	span := faultedRequests(s.Users)
	at := func() int { return 1 + rng.IntN(span) }
	// Single faults, by count.
	single := []Kind{Busy, Busy, HTML502, HTML503, Cut, Lost, Lost, SlowAfter, SlowBefore}
	slow := 0
	for range 6 + rng.IntN(8) {
		k := single[rng.IntN(len(single))]
		if k == SlowAfter || k == SlowBefore {
			if slow++; slow > maxSlow {
				k = Busy
			}
		}
		s.Entries = append(s.Entries, Entry{Kind: k, At: at(), Count: 1})
	}
	// Lost or broken answers to creates of the first apply, by key.
	for range 1 + rng.IntN(3) {
		k := []Kind{Lost, Lost, Cut, HTML502, HTML503, SlowAfter}[rng.IntN(6)]
		user := rng.IntN(s.Users - 2) // the last two are created later
		s.Entries = append(s.Entries, Entry{Kind: k, Count: 1, Key: &Key{Step: "create", Op: "POST create", User: Login(seed, user, 0), Attempt: 1}})
	}
	// 429 bursts, with and without Retry-After.
	for range rng.IntN(3) {
		e := Entry{Kind: RateLimited, At: at(), Count: 2 + rng.IntN(4)}
		if rng.IntN(3) > 0 {
			e.RetryAfter = 1 + rng.IntN(maxRetryAfter)
		}
		s.Entries = append(s.Entries, e)
	}
	// Outages: short ones, and ones well past the 5 s window of attempts
	// that reach nothing.
	var total time.Duration
	for range rng.IntN(3) {
		d := minOutage + time.Duration(rng.Int64N(int64(4*time.Second)))
		if rng.IntN(2) == 0 {
			d = 5*time.Second + time.Duration(rng.Int64N(int64(maxOutage-5*time.Second)))
		}
		d = d.Round(100 * time.Millisecond)
		if total+d > maxOutageTotal {
			break
		}
		total += d
		s.Entries = append(s.Entries, Entry{Kind: Outage, At: at(), Count: 1, Duration: d})
	}
	return s
}

// Login is user i's login in a seed, after r renames: 7 to 15 characters,
// unique in the seed.
func Login(seed uint64, i, renames int) string {
	return fmt.Sprintf("d%02d.%c%03d", i, "abcdefghijklmnopqrstuvwxyz"[renames%26], seed%1000)
}

// Describe is a one-line account of a schedule.
func (s Schedule) Describe() string {
	n := map[Kind]int{}
	var outages []string
	for _, e := range s.Entries {
		n[e.Kind] += e.Count
		if e.Kind == Outage {
			outages = append(outages, e.Duration.String())
		}
	}
	return fmt.Sprintf("%d users, %d faults planned %v, outages %v", s.Users, len(s.Entries), n, outages)
}
