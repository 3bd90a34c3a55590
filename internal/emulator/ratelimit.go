package emulator

import (
	"math"
	"net/http"
	"strconv"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket over all API requests of the account, as a
// SaaS API limits one. The admin API under /_emulator/ is not limited.
type RateLimit struct {
	PerSecond float64 // tokens added per second; 0 turns limiting off
	Burst     int     // bucket size; 0 means max(1, ceil(PerSecond))
	// Headers adds RateLimit-Limit, -Remaining and -Reset (and the same as
	// X-RateLimit-*) to every API answer. Both Reset headers count seconds
	// from now, not an epoch time, as the IETF draft's RateLimit-Reset does.
	Headers bool
}

// normalised fills in the default burst; a limit that is off is the zero
// value, so callers need to check PerSecond only.
func (l RateLimit) normalised() RateLimit {
	if l.PerSecond <= 0 || math.IsNaN(l.PerSecond) {
		return RateLimit{}
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.PerSecond)))
	}
	return l
}

// rateLimiter is the bucket and how it was configured.
type rateLimiter struct {
	limit  RateLimit
	bucket *rate.Limiter
}

func newRateLimiter(l RateLimit) *rateLimiter {
	l = l.normalised()
	if l.PerSecond == 0 {
		return nil
	}
	return &rateLimiter{limit: l, bucket: rate.NewLimiter(rate.Limit(l.PerSecond), l.Burst)}
}

// SetRateLimit replaces the rate limit with a full bucket of the new size;
// PerSecond 0 turns limiting off.
func (s *Server) SetRateLimit(l RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = newRateLimiter(l)
}

// admit takes a token for req. When none is left it marks req as rate
// limited and returns the whole seconds (at least 1) until one is. With
// Headers on, it sets the RateLimit headers of the answer either way.
func (s *Server) admit(req *Request, h http.Header) (retryAfter int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lim := s.limiter
	if lim == nil {
		return 0, true
	}
	now := s.now()
	ok = lim.bucket.AllowN(now, 1)
	tokens := lim.bucket.TokensAt(now)
	if lim.limit.Headers {
		setRateLimitHeaders(h, lim.limit, tokens)
	}
	if ok {
		return 0, true
	}
	req.RateLimited = true
	return max(1, secondsFor(1-tokens, lim.limit.PerSecond)), false
}

func setRateLimitHeaders(h http.Header, l RateLimit, tokens float64) {
	limit := strconv.Itoa(l.Burst)
	remaining := strconv.Itoa(max(0, int(math.Floor(tokens))))
	reset := strconv.Itoa(max(0, secondsFor(float64(l.Burst)-tokens, l.PerSecond)))
	for _, prefix := range []string{"", "X-"} {
		h.Set(prefix+"RateLimit-Limit", limit)
		h.Set(prefix+"RateLimit-Remaining", remaining)
		h.Set(prefix+"RateLimit-Reset", reset)
	}
}

// secondsFor is how many whole seconds, rounded up, the bucket needs to
// gain missing tokens. A hair of float noise must not add a second.
func secondsFor(missing, perSecond float64) int {
	if missing <= 1e-9 {
		return 0
	}
	return int(math.Ceil(missing/perSecond - 1e-9))
}

// rateLimitExceeded answers a request the bucket refused.
func rateLimitExceeded(w http.ResponseWriter, retryAfter int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeError(w, http.StatusTooManyRequests, http.StatusTooManyRequests, "rate limit exceeded")
}
