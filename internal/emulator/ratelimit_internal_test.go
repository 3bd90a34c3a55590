package emulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// clock is a hand-moved time for the bucket, so header values are exact.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }
func limitedServer(l RateLimit) (*Server, *clock) {
	c := newClock()
	s := New(Options{RateLimit: l})
	s.now = c.now
	return s, c
}

func get(s *Server, ctx context.Context) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/rest/sip/connection/"+SeedConnections[0].UUID+"/users", nil)
	req.Header.Set("X-Auth-Token", DefaultToken)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitHeadersAndRetryAfter(t *testing.T) {
	type step struct {
		advance    time.Duration
		code       int
		retryAfter string // "" when the answer must not carry one
		remaining  string
		reset      string
	}
	for _, tc := range []struct {
		name        string
		limit       RateLimit
		limitHeader string
		steps       []step
	}{
		{
			name: "burst defaults to the rate rounded up", limit: RateLimit{PerSecond: 1.5, Headers: true}, limitHeader: "2",
			steps: []step{
				{code: 200, remaining: "1", reset: "1"}, // 1 token missing at 1.5/s: 0.67 s
				{code: 200, remaining: "0", reset: "2"}, // 2 missing: 1.33 s
				{code: 429, retryAfter: "1", remaining: "0", reset: "2"},
				{advance: 700 * time.Millisecond, code: 200, remaining: "0", reset: "2"}, // 1.05 tokens, one taken
			},
		},
		{
			name: "slow refill", limit: RateLimit{PerSecond: 0.5, Burst: 3, Headers: true}, limitHeader: "3",
			steps: []step{
				{code: 200, remaining: "2", reset: "2"},
				{code: 200, remaining: "1", reset: "4"},
				{code: 200, remaining: "0", reset: "6"},
				{code: 429, retryAfter: "2", remaining: "0", reset: "6"},
				{advance: time.Second, code: 429, retryAfter: "1", remaining: "0", reset: "5"},
				{advance: time.Second, code: 200, remaining: "0", reset: "6"},
			},
		},
		{
			name: "fast rate still waits a whole second", limit: RateLimit{PerSecond: 100, Burst: 1, Headers: true}, limitHeader: "1",
			steps: []step{
				{code: 200, remaining: "0", reset: "1"},
				{code: 429, retryAfter: "1", remaining: "0", reset: "1"},
				{advance: 20 * time.Millisecond, code: 200, remaining: "0", reset: "1"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := limitedServer(tc.limit)
			for i, st := range tc.steps {
				c.advance(st.advance)
				rec := get(s, context.Background())
				h := rec.Header()
				if rec.Code != st.code || h.Get("Retry-After") != st.retryAfter {
					t.Fatalf("step %d: %d Retry-After %q, want %d %q", i, rec.Code, h.Get("Retry-After"), st.code, st.retryAfter)
				}
				for _, prefix := range []string{"", "X-"} {
					got := [3]string{h.Get(prefix + "RateLimit-Limit"), h.Get(prefix + "RateLimit-Remaining"), h.Get(prefix + "RateLimit-Reset")}
					if want := [3]string{tc.limitHeader, st.remaining, st.reset}; got != want {
						t.Fatalf("step %d: %sRateLimit limit/remaining/reset = %v, want %v", i, prefix, got, want)
					}
				}
			}
		})
	}
}

func TestRateLimitWithoutHeaders(t *testing.T) {
	s, _ := limitedServer(RateLimit{PerSecond: 1})
	get(s, context.Background())
	rec := get(s, context.Background())
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("second request: %d %v", rec.Code, rec.Header())
	}
	for _, name := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit"} {
		if v := rec.Header().Get(name); v != "" {
			t.Errorf("%s = %q without Headers", name, v)
		}
	}
}

// A refused request must cost nothing: no latency, no queued fault used.
func TestRateLimitAnswersBeforeLatencyAndFaults(t *testing.T) {
	s, _ := limitedServer(RateLimit{PerSecond: 1, Burst: 1})
	get(s, context.Background())
	s.SetLatency(time.Hour)
	s.InjectFault(Fault{Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rec := get(s, ctx)
	if rec.Code != 429 || rec.Body.String() != `{"message":"rate limit exceeded","status":429,"success":false}`+"\n" {
		t.Fatalf("answer: %d %q", rec.Code, rec.Body)
	}
	if s.PendingFaults() != 1 {
		t.Fatalf("the queued fault was used by a refused request")
	}
}

func TestRateLimitCanBeChangedAndTurnedOff(t *testing.T) {
	s, c := limitedServer(RateLimit{})
	for range 5 {
		if rec := get(s, context.Background()); rec.Code != 200 || rec.Header().Get("RateLimit-Limit") != "" {
			t.Fatalf("no limit: %d %v", rec.Code, rec.Header())
		}
	}
	s.SetRateLimit(RateLimit{PerSecond: 1, Burst: 2, Headers: true})
	codes := [3]int{get(s, context.Background()).Code, get(s, context.Background()).Code, get(s, context.Background()).Code}
	if codes != [3]int{200, 200, 429} {
		t.Fatalf("burst 2: %v", codes)
	}
	c.advance(time.Minute)
	s.SetRateLimit(RateLimit{PerSecond: 0, Burst: 2, Headers: true})
	if rec := get(s, context.Background()); rec.Code != 200 || rec.Header().Get("RateLimit-Limit") != "" {
		t.Fatalf("turned off: %d %v", rec.Code, rec.Header())
	}
}

func TestSecondsFor(t *testing.T) {
	for _, tc := range []struct {
		missing, perSecond float64
		want               int
	}{
		{0, 1, 0}, {-0.5, 1, 0}, {1e-12, 1, 0}, {1, 1, 1}, {1, 2, 1}, {3, 2, 2}, {1, 0.5, 2}, {2.0000000001, 1, 2}, {2.01, 1, 3},
	} {
		if got := secondsFor(tc.missing, tc.perSecond); got != tc.want {
			t.Errorf("secondsFor(%g, %g) = %d, want %d", tc.missing, tc.perSecond, got, tc.want)
		}
	}
}
