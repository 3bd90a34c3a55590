package opentact

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A Pacer is the one point through which every request to an API account
// passes: clients of one account share one. It starts unthrottled, so a process that
// meets no limit pays nothing. The first 429 (or 503 with Retry-After)
// holds every call for the Retry-After the API asked for and sets a request
// rate from what the API accepted just before; later 429s lower the rate to
// the throughput the API actually accepted; quiet periods raise it again
// along a cubic curve that stays flat near the last known limit and speeds
// up away from it (as TCP CUBIC and the AWS SDK's adaptive retry mode do).
// Calls are released one at a time (a bucket of one token), so callers that
// waited together are spread out instead of waking on the same second.
// RateLimit-*/X-RateLimit-* headers, where the API sends them, set the rate
// before the first 429.
type Pacer struct {
	clock clock
	// off turns pacing off, for tests that are not about it.
	off bool
	// ceiling is the account's known rate limit (NewPacer's); 0 means adaptive.
	ceiling float64

	limiter *rate.Limiter

	mu sync.Mutex
	// holdUntil stops every call until then (a Retry-After, or a window
	// the rate-limit headers say is used up).
	holdUntil time.Time
	// learning is set by the first 429 of an unthrottled pacer: the rate is
	// taken, when the hold ends, from what the API accepted before it.
	learning      bool
	firstThrottle time.Time
	// base is the rate set by the last decrease (or by learning). growth is
	// the time since then during which calls went out at the pace: a rate
	// that was not used has not been shown to be below the limit, so only
	// that time raises it.
	base         float64
	lastDecrease time.Time
	lastRaise    time.Time
	growth       time.Duration
	// changed is closed whenever the rate changes, so that the call waiting
	// for a turn taken at the old rate takes a new one at once.
	changed chan struct{}
	// turn queues the waiting calls, first come first served (a channel's
	// blocked senders are served in order): only the head holds a
	// reservation of the limiter, so a change of rate applies at once.
	turn chan struct{}
	// slowStart is set while the rate comes from the first burst only (an
	// API's burst may be far below its rate): it grows by half every second
	// until a 429 says where the limit is.
	slowStart bool
	// accepted holds the send and answer times of recent answers that were
	// not rate limited, to measure the throughput the API accepts;
	// throttledAt the answer times of recent 429s.
	accepted    []acceptedCall
	throttledAt []time.Time
}

type acceptedCall struct{ sent, answered time.Time }

// Tuning of the pacer. The figures come from the rate-limited benchmark
// (BENCHMARKS.md): they keep 429s rare without slowing a run down.
const (
	// acceptedWindow is how far back accepted calls are kept and measured.
	acceptedWindow = 10 * time.Second
	// growthPeriod and growthAtPeriod shape the cubic raise: the rate grows
	// by growthAtPeriod of its base after growthPeriod without a 429, by an
	// eighth of that after half the period, and fast after that.
	growthPeriod   = 10 * time.Second
	growthAtPeriod = 0.10
	// unthrottleAt lifts pacing entirely once the rate has grown this many
	// times past its base without a 429: the limit is gone.
	unthrottleAt = 8.0
	// slowStartUnthrottleAt is the same for the slow start, which begins
	// from a burst that may be far below the rate.
	slowStartUnthrottleAt = 64.0
	// slowStartGrowth is the slow start's factor per second: gentle, since
	// the API's burst hides an overshoot until its bucket is empty.
	slowStartGrowth = 1.5
	// maxDecrease bounds one decrease, so one stray 429 at a quiet moment
	// (when the measured throughput says little) cannot collapse the rate.
	maxDecrease  = 0.7
	minRate      = 0.2 // requests per second
	defaultHold  = time.Second
	maxHold      = 5 * time.Minute
	raiseEvery   = 250 * time.Millisecond
	learnFromLag = time.Second
)

// clock is time for the pacer, replaceable in tests. sleep returns early,
// with woken set, when wake is closed.
type clock interface {
	now() time.Time
	sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) (woken bool, err error)
}

type realClock struct{}

func (realClock) now() time.Time { return time.Now() }

func (realClock) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-wake:
		return true, nil
	case <-t.C:
		return false, nil
	}
}

// NewPacer returns a pacer for one API account. ceiling is the account's
// known rate limit in requests per second; 0 means adaptive.
func NewPacer(ceiling float64) *Pacer { return newPacer(realClock{}, ceiling) }

func newPacer(c clock, ceiling float64) *Pacer {
	limit := rate.Inf
	if ceiling > 0 {
		limit = rate.Limit(ceiling)
	}
	return &Pacer{clock: c, ceiling: ceiling, limiter: rate.NewLimiter(limit, 1), changed: make(chan struct{}), turn: make(chan struct{}, 1)}
}

// errPacingDeadline is a call that could not be sent before its deadline.
var errPacingDeadline = errors.New("the operation's time ran out while waiting for the API's rate limit")

// wait blocks until the call may be sent and returns how long it waited.
// A call whose turn comes after its context's deadline fails at once.
func (p *Pacer) wait(ctx context.Context) (time.Duration, error) {
	if p.off {
		return 0, nil
	}
	start := p.clock.now()
	for {
		now := p.clock.now()
		p.mu.Lock()
		p.settleLearning(now)
		hold := p.holdUntil
		p.mu.Unlock()
		d := hold.Sub(now)
		if d <= 0 {
			break
		}
		if deadline, ok := ctx.Deadline(); ok && hold.After(deadline) {
			return now.Sub(start), errPacingDeadline
		}
		if _, err := p.clock.sleep(ctx, d, nil); err != nil {
			return p.clock.now().Sub(start), err
		}
	}
	if p.current() == rate.Inf {
		return p.clock.now().Sub(start), nil
	}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return p.clock.now().Sub(start), ctx.Err()
	}
	defer func() { <-p.turn }()
	for {
		now := p.clock.now()
		p.mu.Lock()
		changed := p.changed
		p.mu.Unlock()
		r := p.limiter.ReserveN(now, 1)
		d := r.DelayFrom(now)
		if d <= 0 {
			break
		}
		if deadline, ok := ctx.Deadline(); ok && now.Add(d).After(deadline) {
			r.CancelAt(now)
			return now.Sub(start), errPacingDeadline
		}
		woken, err := p.clock.sleep(ctx, d, changed)
		if err != nil || woken {
			r.CancelAt(p.clock.now())
		}
		if err != nil {
			return p.clock.now().Sub(start), err
		}
		if !woken {
			break
		}
	}
	return p.clock.now().Sub(start), nil
}

// observe learns from one answer: sent is when its request left.
func (p *Pacer) observe(resp *http.Response, sent time.Time) {
	if p.off {
		return
	}
	now := p.clock.now()
	retryAfter, hasRetryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	throttled := resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode == http.StatusServiceUnavailable && hasRetryAfter)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case throttled && hasRetryAfter && retryAfter == 0:
		// "Retry now": the API declined this call, not the pace.
		return
	case throttled:
		if !hasRetryAfter {
			retryAfter = defaultHold
		}
		p.throttled(now, sent, min(retryAfter, maxHold))
		return
	}
	p.accepted = append(p.accepted, acceptedCall{sent: sent, answered: now})
	p.prune(now)
	p.fromHeaders(now, resp.Header)
	p.raise(now)
}

// throttled handles a 429. Unthrottled, it holds everything for the
// Retry-After and learns a rate when the hold ends; paced, it lowers the
// rate to what the API accepted. Only a call sent at the current rate
// says something about it: the 429s of calls sent before the last change
// are the same overshoot, already dealt with.
func (p *Pacer) throttled(now, sent time.Time, retryAfter time.Duration) {
	switch {
	case p.current() == rate.Inf && !p.learning:
		p.learning = true
		p.firstThrottle = now
		p.holdUntil = laterOf(p.holdUntil, now.Add(retryAfter))
	case p.learning:
		// More of the same burst: the hold already covers it.
		p.holdUntil = laterOf(p.holdUntil, now.Add(retryAfter))
	case !sent.Before(p.lastDecrease):
		p.decrease(now)
	}
	p.throttledAt = append(p.throttledAt, now)
}

// decrease lowers the rate after a 429 while paced. When calls were offered
// at the pace (the pacer was the bottleneck), the throughput the API
// accepted meanwhile is its rate: go there. Otherwise the 429 says little
// about the rate (another client used the quota), and the rate is cut by a
// fixed share.
func (p *Pacer) decrease(now time.Time) {
	current := float64(p.current())
	window := clampDuration(now.Sub(p.lastDecrease), time.Second, 3*time.Second)
	measured := p.acceptedRate(now, window)
	offered := p.offeredRate(now, window)
	next := current * maxDecrease
	if offered >= 0.8*current {
		// The measured throughput is noisy (a retry's wait leaves a turn
		// unused; the API's bucket may hold tokens): step toward it, at
		// most a fifth at a time (a slow start at most back to its rate a
		// second ago).
		floor := current * 0.8
		if p.slowStart {
			floor = current / slowStartGrowth
		}
		next = math.Max(math.Min(measured, current*0.98), floor)
	}
	p.setBase(now, next)
}

// settleLearning sets the first rate once the first hold is over: the calls
// the API accepted in the second before its first 429.
func (p *Pacer) settleLearning(now time.Time) {
	if !p.learning || now.Before(p.holdUntil) {
		return
	}
	p.learning = false
	n := 0
	for _, a := range p.accepted {
		if !a.sent.Before(p.firstThrottle.Add(-learnFromLag)) && !a.sent.After(p.firstThrottle) {
			n++
		}
	}
	// With nothing accepted (another client used the quota up), start at
	// one call a second: the slow start finds the rest.
	p.setBase(now, math.Max(float64(n)/learnFromLag.Seconds(), 1))
	p.slowStart = true
}

// fromHeaders paces by the RateLimit-* (or X-RateLimit-*) headers, before
// any 429. When an unthrottled process hears that nothing is left, it
// starts pacing at the quota over the time until it comes back (a lower
// bound of the rate, since Reset is whole seconds) and slow-starts from
// there; when a paced one hears it, the rate is at the limit and stops
// growing.
func (p *Pacer) fromHeaders(now time.Time, h http.Header) {
	limit, remaining, reset, ok := rateLimitHeaders(h, now)
	if !ok || remaining > 0 || limit <= 0 || reset <= 0 || p.learning {
		return
	}
	switch current := p.current(); {
	case current == rate.Inf:
		r := float64(limit) / reset.Seconds()
		p.setBase(now, r)
		p.slowStart = true
		p.holdUntil = laterOf(p.holdUntil, now.Add(time.Duration(float64(time.Second)/r)))
	case now.Sub(p.lastDecrease) >= time.Second:
		p.setBase(now, float64(current))
	}
}

// raise grows the rate along the cubic curve after a quiet period.
func (p *Pacer) raise(now time.Time) {
	if p.learning || p.base == 0 || p.current() == rate.Inf || now.Sub(p.lastRaise) < raiseEvery {
		return
	}
	if p.offeredRate(now, 2*time.Second) >= 0.8*float64(p.current()) {
		p.growth += now.Sub(p.lastRaise)
	}
	p.lastRaise = now
	x := p.growth.Seconds() / growthPeriod.Seconds()
	target, unthrottle := p.base*(1+growthAtPeriod*x*x*x), p.base*unthrottleAt
	if p.slowStart {
		target, unthrottle = p.base*math.Pow(slowStartGrowth, p.growth.Seconds()), p.base*slowStartUnthrottleAt
	}
	switch {
	case p.ceiling > 0:
		p.setLimit(now, rate.Limit(math.Min(target, p.ceiling)))
	case target >= unthrottle:
		p.setLimit(now, rate.Inf)
	case target > float64(p.current()):
		p.setLimit(now, rate.Limit(target))
	}
}

func (p *Pacer) setBase(now time.Time, r float64) {
	r = math.Max(r, minRate)
	if p.ceiling > 0 {
		r = math.Min(r, p.ceiling)
	}
	p.base = r
	p.lastDecrease = now
	p.lastRaise = now
	p.growth = 0
	p.slowStart = false
	p.setLimit(now, rate.Limit(r))
}

// setLimit changes the rate and wakes the calls waiting at the old one.
func (p *Pacer) setLimit(now time.Time, r rate.Limit) {
	if r == p.current() {
		return
	}
	p.limiter.SetLimitAt(now, r)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Pacer) current() rate.Limit { return p.limiter.Limit() }

// acceptedRate is the rate of answers the API accepted over the last window.
func (p *Pacer) acceptedRate(now time.Time, window time.Duration) float64 {
	n := 0
	for _, a := range p.accepted {
		if now.Sub(a.answered) <= window {
			n++
		}
	}
	return float64(n) / window.Seconds()
}

// offeredRate is the rate of all answers, 429s included, over the last
// window: what was sent.
func (p *Pacer) offeredRate(now time.Time, window time.Duration) float64 {
	n := 0
	for _, at := range p.throttledAt {
		if now.Sub(at) <= window {
			n++
		}
	}
	return p.acceptedRate(now, window) + float64(n)/window.Seconds()
}

func (p *Pacer) prune(now time.Time) {
	keep := 0
	for keep < len(p.accepted) && now.Sub(p.accepted[keep].answered) > acceptedWindow {
		keep++
	}
	if keep > 0 {
		p.accepted = append(p.accepted[:0], p.accepted[keep:]...)
	}
	keep = 0
	for keep < len(p.throttledAt) && now.Sub(p.throttledAt[keep]) > acceptedWindow {
		keep++
	}
	if keep > 0 {
		p.throttledAt = append(p.throttledAt[:0], p.throttledAt[keep:]...)
	}
}

// rateLimitHeaders reads the IETF draft's RateLimit-Limit/-Remaining/-Reset
// or the older X-RateLimit-* trio. Reset is delta seconds, or (X- only, as
// GitHub sends it) a Unix time.
func rateLimitHeaders(h http.Header, now time.Time) (limit, remaining int, reset time.Duration, ok bool) {
	for _, prefix := range []string{"RateLimit-", "X-RateLimit-"} {
		l, errL := strconv.Atoi(strings.TrimSpace(h.Get(prefix + "Limit")))
		r, errR := strconv.Atoi(strings.TrimSpace(h.Get(prefix + "Remaining")))
		s, errS := strconv.ParseInt(strings.TrimSpace(h.Get(prefix+"Reset")), 10, 64)
		if errL != nil || errR != nil || errS != nil || l < 0 || r < 0 || s < 0 {
			continue
		}
		d := time.Duration(s) * time.Second
		if s > 1_000_000_000 { // a Unix time, not a delta
			d = time.Unix(s, 0).Sub(now)
		}
		return l, r, clampDuration(d, 0, maxHold), true
	}
	return 0, 0, 0, false
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}
