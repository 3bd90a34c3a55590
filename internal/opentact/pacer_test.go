package opentact

import (
	"context"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// fakeClock is virtual time: sleeping advances it, unless frozen, when a
// sleep only records how long it would have been.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	frozen bool
	slept  []time.Duration
}

// newFakeClock starts a minute ahead of the real time, on a whole second:
// context deadlines, which are real, set on its scale are then still ahead.
func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Now().Add(time.Minute).Truncate(time.Second)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration, _ <-chan struct{}) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	if !c.frozen {
		c.t = c.t.Add(d)
	}
	return false, ctx.Err()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func answer(status int, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestPacerUnthrottledPaysNothing(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	for i := 0; i < 1000; i++ {
		waited, err := p.wait(context.Background())
		if err != nil || waited != 0 {
			t.Fatalf("call %d waited %s (%v)", i, waited, err)
		}
		p.observe(answer(200), clk.now())
	}
	if p.current() != rate.Inf {
		t.Fatalf("rate = %v, want unthrottled", p.current())
	}
}

// The first burst against a 5-a-second limit: 5 accepted, 25 answered 429
// with Retry-After: 1. Everything holds for the second, then calls are
// spread at the rate the API accepted.
func TestPacerLearnsFromTheFirstBurst(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	sent := clk.now()
	for i := 0; i < 25; i++ {
		p.observe(answer(429, "Retry-After", "1"), sent)
	}
	clk.advance(20 * time.Millisecond)
	for i := 0; i < 5; i++ {
		p.observe(answer(200), sent)
	}
	waited, err := p.wait(context.Background())
	if err != nil || waited < 980*time.Millisecond || waited > time.Second {
		t.Fatalf("the first call after the burst waited %s (%v), want the rest of Retry-After's second", waited, err)
	}
	if got := float64(p.current()); got != 5 {
		t.Fatalf("learned rate = %v, want 5", got)
	}
	for i := 0; i < 10; i++ {
		waited, _ := p.wait(context.Background())
		if waited < 199*time.Millisecond || waited > 201*time.Millisecond {
			t.Fatalf("call %d waited %s, want 200ms: calls must be spread, not woken together", i, waited)
		}
	}
}

// simulate drives the pacer against a token bucket (rate limit, burst)
// for a while with calls always waiting, and returns the share of 429s and
// the accepted throughput.
func simulate(p *Pacer, clk *fakeClock, limit float64, burst int, d time.Duration) (share429, accepted float64) {
	bucket := rate.NewLimiter(rate.Limit(limit), burst)
	start := clk.now()
	var calls, throttled, ok int
	for clk.now().Sub(start) < d {
		if _, err := p.wait(context.Background()); err != nil {
			panic(err)
		}
		calls++
		now := clk.now()
		if bucket.AllowN(now, 1) {
			ok++
			p.observe(answer(200), now)
		} else {
			throttled++
			p.observe(answer(429, "Retry-After", "1"), now)
		}
		clk.advance(time.Millisecond)
	}
	return float64(throttled) / float64(calls), float64(ok) / d.Seconds()
}

// Against a steady limit the pacer settles near it: few 429s, and close to
// all the throughput the API allows.
func TestPacerConvergesOnTheLimit(t *testing.T) {
	for _, limit := range []float64{2, 5, 20, 100} {
		clk := newFakeClock()
		p := newPacer(clk, 0)
		share, got := simulate(p, clk, limit, int(limit), 200*time.Second)
		if share > 0.05 || got < 0.9*limit {
			t.Errorf("limit %v: %.1f%% of calls answered 429, %.2f accepted a second; want under 5%% and at least 90%% of the limit", limit, 100*share, got)
		}
		if r := float64(p.current()); r > 1.5*limit || r < 0.6*limit {
			t.Errorf("limit %v: the pacer ended at %.2f a second", limit, r)
		}
	}
}

// A lower limit found later (another client now shares the account) is
// followed down; a limit that goes away lets calls go unthrottled again.
func TestPacerFollowsTheLimitDownAndLetsGo(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	simulate(p, clk, 20, 20, 60*time.Second)
	share, got := simulate(p, clk, 5, 5, 120*time.Second)
	if got < 4.5 || share > 0.08 {
		t.Errorf("after the limit fell to 5: %.2f accepted a second, %.1f%% 429s", got, 100*share)
	}
	simulate(p, clk, 1e9, 1e9, 120*time.Second)
	if p.current() != rate.Inf {
		t.Errorf("with no limit left, the rate is still %v", p.current())
	}
}

// max_requests_per_second is a ceiling: never exceeded, and calls are
// spread at it from the first one.
func TestPacerCeiling(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 4)
	share, got := simulate(p, clk, 4, 4, 100*time.Second)
	if share != 0 || got < 3.9 || float64(p.current()) > 4 {
		t.Fatalf("ceiling 4 against a limit of 4: %.1f%% 429s, %.2f a second, rate %v", 100*share, got, p.current())
	}
}

// RateLimit-* headers pace before any 429: when an answer says nothing is
// left, the rate becomes the quota over the time to come back.
func TestPacerHeaders(t *testing.T) {
	for _, prefix := range []string{"RateLimit-", "X-RateLimit-"} {
		clk := newFakeClock()
		p := newPacer(clk, 0)
		p.observe(answer(200, prefix+"Limit", "10", prefix+"Remaining", "3", prefix+"Reset", "1"), clk.now())
		if p.current() != rate.Inf {
			t.Fatalf("%s: paced while requests were left", prefix)
		}
		p.observe(answer(200, prefix+"Limit", "10", prefix+"Remaining", "0", prefix+"Reset", "2"), clk.now())
		if got := float64(p.current()); got != 5 {
			t.Fatalf("%s: rate = %v, want 10 per 2 s", prefix, got)
		}
		waited, _ := p.wait(context.Background())
		if waited != 200*time.Millisecond {
			t.Errorf("%s: the next call waited %s, want one token's time", prefix, waited)
		}
	}
	// GitHub sends X-RateLimit-Reset as a Unix time.
	clk := newFakeClock()
	p := newPacer(clk, 0)
	reset := strconv.FormatInt(clk.now().Add(4*time.Second).Unix(), 10)
	p.observe(answer(200, "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset), clk.now())
	if got := float64(p.current()); got != 5 {
		t.Fatalf("epoch reset: rate = %v, want 20 per 4 s", got)
	}
}

func TestPacerRetryAfterAsADate(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	p.observe(answer(429, "Retry-After", clk.now().Add(3*time.Second).UTC().Format(http.TimeFormat)), clk.now())
	waited, err := p.wait(context.Background())
	if err != nil || waited != 3*time.Second {
		t.Fatalf("waited %s (%v), want the 3 s the date names", waited, err)
	}
}

// A call whose turn comes after its deadline fails at once, without
// sleeping into the deadline.
func TestPacerDeadline(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 1)
	if _, err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(500*time.Millisecond))
	defer cancel()
	if _, err := p.wait(ctx); err != errPacingDeadline {
		t.Fatalf("err = %v, want errPacingDeadline", err)
	}
	if len(clk.slept) != 0 {
		t.Errorf("slept %v before giving up", clk.slept)
	}
	// The slot it gave up is free for the next call.
	if waited, err := p.wait(context.Background()); err != nil || waited != time.Second {
		t.Errorf("next call waited %s (%v), want 1s", waited, err)
	}
}

// Calls waiting together at one pacer get distinct turns (the provider
// hands one pacer to every client of an account: provider_test.go).
func TestPacerSpreadsCalls(t *testing.T) {
	clk := newFakeClock()
	clk.frozen = true
	p := newPacer(clk, 10)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = p.wait(context.Background())
		}()
	}
	wg.Wait()
	waits := append([]time.Duration(nil), clk.slept...)
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	if len(waits) != 19 {
		t.Fatalf("%d of 20 calls waited, want 19", len(waits))
	}
	for i, w := range waits {
		if want := time.Duration(i+1) * 100 * time.Millisecond; math.Abs(float64(w-want)) > float64(time.Millisecond) {
			t.Fatalf("turn %d waits %s, want %s: %v", i, w, want, waits)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"0": 0, "7": 7 * time.Second, now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat): 0,
	} {
		if got, ok := parseRetryAfter(v, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(v, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", v)
		}
	}
}

// What a throttling answer holds the next call for: a 429 without
// Retry-After a second; a 503 only with a Retry-After (without one it is an
// outage, not a pace); "retry now" nothing; a hold past five minutes is cut
// to five.
func TestPacerHolds(t *testing.T) {
	for name, tc := range map[string]struct {
		resp *http.Response
		want time.Duration
	}{
		"429 without Retry-After":   {answer(429), defaultHold},
		"503 with Retry-After":      {answer(503, "Retry-After", "2"), 2 * time.Second},
		"503 without Retry-After":   {answer(503), 0},
		"429 with Retry-After 0":    {answer(429, "Retry-After", "0"), 0},
		"429 with Retry-After 3600": {answer(429, "Retry-After", "3600"), maxHold},
	} {
		clk := newFakeClock()
		p := newPacer(clk, 0)
		p.observe(tc.resp, clk.now())
		waited, err := p.wait(context.Background())
		if err != nil || waited != tc.want {
			t.Errorf("%s: the next call waited %s (%v), want %s", name, waited, err, tc.want)
		}
	}
}

// Repeated 429s never slow the pace below minRate, and a RateLimit-Reset
// a day away is held for five minutes at most.
func TestPacerFloorAndResetCap(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	for i := 0; i < 200; i++ {
		_, _ = p.wait(context.Background())
		p.observe(answer(429, "Retry-After", "1"), clk.now())
	}
	if got := p.current(); got == rate.Inf || float64(got) < minRate {
		t.Errorf("rate = %v after 200 429s, want paced at %v or more", got, minRate)
	}
	if _, _, reset, ok := rateLimitHeaders(http.Header{"Ratelimit-Limit": {"10"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"86400"}}, clk.now()); !ok || reset != maxHold {
		t.Errorf("a reset a day away = %s (%v), want %s", reset, ok, maxHold)
	}
}

// A Retry-After hold that ends past the caller's deadline fails at once,
// without sleeping into it.
func TestPacerHoldPastTheDeadline(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 0)
	p.observe(answer(429, "Retry-After", "10"), clk.now())
	ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(time.Second))
	defer cancel()
	if _, err := p.wait(ctx); err != errPacingDeadline {
		t.Fatalf("err = %v, want errPacingDeadline", err)
	}
	if len(clk.slept) != 0 {
		t.Errorf("slept %v before giving up", clk.slept)
	}
}
