package opentact

import (
	"context"
	"errors"
	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"net"
	"net/url"
	"testing"
	"time"
)

// decide is the one place that says what follows an attempt: every kind of
// call against every class of attempt.
func TestDecide(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.opentact.org", Token: "tok", MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind  callKind
		class class
		want  verdict
	}
	var rows []row
	for _, k := range []callKind{readCall, writeCall, settleCall} {
		rows = append(rows,
			row{k, classOK, done}, row{k, classRejected, fail}, row{k, classNotFound, fail}, row{k, classNotAPI, fail},
			row{k, classUnreadable, fail}, row{k, classRateLimited, retry}, row{k, classUnavailable, retry},
			row{k, classServerError, fail}, row{k, classNotSent, retry}, row{k, classMaybeSent, retry},
			row{k, classRedirected, fail}, row{k, classCancelled, fail})
	}
	rows = append(rows,
		// The list behind coalesced reads: only a 429 is worth a retry.
		row{hintCall, classOK, done}, row{hintCall, classRateLimited, retry}, row{hintCall, classUnavailable, fail},
		row{hintCall, classNotSent, fail}, row{hintCall, classMaybeSent, fail}, row{hintCall, classServerError, fail},
		// A create: retried where a second one cannot make a second user,
		// settled by looking where the first may have made it.
		row{createCall, classOK, done}, row{createCall, classRejected, fail}, row{createCall, classNotFound, fail},
		row{createCall, classNotAPI, fail}, row{createCall, classUnreadable, settle}, row{createCall, classRateLimited, retry},
		row{createCall, classUnavailable, retry}, row{createCall, classServerError, settle}, row{createCall, classNotSent, retry},
		row{createCall, classMaybeSent, retry}, row{createCall, classRedirected, fail}, row{createCall, classCancelled, fail},
	)
	for _, r := range rows {
		if got := decideOnce(context.Background(), c, r.kind, newOperation(), &attempt{class: r.class, hasRetry: true}).verdict; got != r.want {
			t.Errorf("kind %d, %v: verdict %d, want %d", r.kind, r.class, got, r.want)
		}
	}

	// Once a create may have made the user, any failure that ends it is
	// settled by looking.
	op := newOperation()
	decideOnce(context.Background(), c, createCall, op, &attempt{class: classMaybeSent})
	for _, cl := range []class{classRejected, classNotSent, classCancelled, classRedirected} {
		a := &attempt{class: cl, hopeless: true}
		if got := decideOnce(context.Background(), c, createCall, op, a).verdict; got != settle {
			t.Errorf("after an uncertain attempt, %v gives %d, want settle", cl, got)
		}
	}

	// Gateway errors and lost answers are bounded by max_retries (2 here).
	op = newOperation()
	for i, want := range []verdict{retry, retry, fail} {
		if got := decideOnce(context.Background(), c, readCall, op, &attempt{class: classUnavailable}).verdict; got != want {
			t.Errorf("gateway error %d: verdict %d, want %d", i+1, got, want)
		}
	}
	// A 429 waits its Retry-After, unless that would pass the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s := decideOnce(ctx, c, readCall, newOperation(), &attempt{class: classRateLimited, retryAfter: 500 * time.Millisecond, hasRetry: true}); s.verdict != retry || s.wait != 500*time.Millisecond {
		t.Errorf("429 with Retry-After 0.5s: %+v", s)
	}
	if s := decideOnce(ctx, c, readCall, newOperation(), &attempt{class: classRateLimited, retryAfter: 5 * time.Second, hasRetry: true}); s.verdict != fail || !s.outOfTime {
		t.Errorf("429 whose wait passes the deadline: %+v; want fail, out of time", s)
	}
	// A refused certificate is not retried.
	if got := decideOnce(context.Background(), c, writeCall, newOperation(), &attempt{class: classNotSent, hopeless: true}).verdict; got != fail {
		t.Errorf("a hopeless attempt was retried")
	}
	// max_retries 0 turns the retries of answers that may follow the work
	// off; an attempt that sent nothing and a 429 are still retried.
	c.maxRetries = 0
	for _, cl := range []class{classUnavailable, classMaybeSent} {
		if got := decideOnce(context.Background(), c, readCall, newOperation(), &attempt{class: cl}).verdict; got != fail {
			t.Errorf("max_retries 0: %v was retried", cl)
		}
	}
	for _, cl := range []class{classNotSent, classRateLimited} {
		if got := decideOnce(context.Background(), c, readCall, newOperation(), &attempt{class: cl, hasRetry: true}).verdict; got != retry {
			t.Errorf("max_retries 0: %v was not retried (verdict %d)", cl, got)
		}
	}
}

// decideOnce records an attempt as the call path does, decides, and counts
// a counted retry.
func decideOnce(ctx context.Context, c *Client, k callKind, op *operation, a *attempt) step {
	now := time.Now()
	c.reach.observe(a, now)
	op.note(k, a, now)
	s := c.decide(ctx, k, op, a, now)
	if s.counted {
		op.retries++
	}
	return s
}

// Attempts that reach nothing: a read of a client that has never had an
// answer gives up once the first such attempt of any call is notSentWindow
// old (just inside it: one more try, shortened to what is left); a write, a
// create or a settling lookup tries on until its deadline, and so does a
// read once the API has answered.
func TestNotSentBounds(t *testing.T) {
	const window = time.Second
	newC := func() *Client {
		c, err := New(Config{BaseURL: "https://api.opentact.org", Token: "tok", NotSentWindow: window, NotSentWaitMin: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now()
	refused := func() *attempt { return &attempt{class: classNotSent} }
	at := func(c *Client, k callKind, since time.Time) step {
		c.reach.silentSince = since
		return c.decide(ctx, k, &operation{notSentSince: now}, refused(), now)
	}

	c := newC()
	if s := at(c, readCall, now.Add(-window-time.Millisecond)); s.verdict != fail {
		t.Errorf("read, never answered, window spent 1 ms ago by another call: %+v, want fail", s)
	}
	if s := at(c, readCall, now.Add(-window+time.Millisecond)); s.verdict != retry || s.wait > time.Millisecond {
		t.Errorf("read, never answered, 1 ms of the window left: %+v, want a retry within 1 ms", s)
	}
	if s := at(c, hintCall, now); s.verdict != fail {
		t.Errorf("hint list: %+v, want fail (its reads are made instead)", s)
	}
	for _, k := range []callKind{writeCall, createCall, settleCall} {
		if s := at(c, k, now.Add(-time.Hour)); s.verdict != retry {
			t.Errorf("kind %d, never answered, window spent an hour ago: %+v, want a retry until the deadline", k, s)
		}
	}

	answered := newC()
	answered.reach.observe(&attempt{class: classRejected}, now)
	if s := answered.decide(ctx, readCall, &operation{notSentSince: now.Add(-time.Hour)}, refused(), now); s.verdict != retry {
		t.Errorf("read after an answer, an hour of refusals: %+v, want a retry until the deadline", s)
	}

	// The deadline bounds it: a wait that would pass it ends the call, out
	// of time.
	short, cancelShort := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancelShort()
	if s := answered.decide(short, writeCall, &operation{notSentSince: now, attempts: 10}, refused(), now); s.verdict != fail || !s.outOfTime {
		t.Errorf("write whose next wait passes its deadline: %+v, want fail, out of time", s)
	}
	// Without a deadline of its own, a call tries for the window.
	if s := answered.decide(context.Background(), writeCall, &operation{notSentSince: now.Add(-window - time.Millisecond)}, refused(), now); s.verdict != fail {
		t.Errorf("write without a deadline, window spent: %+v, want fail", s)
	}
}

// An answer is remembered for good; a refusal before any answer starts the
// shared window once, and a cancelled attempt says nothing.
func TestReachRemembers(t *testing.T) {
	var r reach
	t0 := time.Now()
	r.observe(&attempt{class: classCancelled}, t0)
	if since, never := r.neverAnswered(); !never || !since.IsZero() {
		t.Fatalf("a cancelled attempt set %v, %v", since, never)
	}
	r.observe(&attempt{class: classNotSent}, t0)
	r.observe(&attempt{class: classNotSent}, t0.Add(time.Second))
	if since, never := r.neverAnswered(); !never || !since.Equal(t0) {
		t.Fatalf("after two refusals: %v, %v; want the first one's time", since, never)
	}
	r.observe(&attempt{class: classMaybeSent}, t0.Add(2*time.Second))
	r.observe(&attempt{class: classNotSent}, t0.Add(3*time.Second))
	if _, never := r.neverAnswered(); never {
		t.Fatal("a lost answer reached the API, but the client still thinks it never did")
	}
}

// The window of attempts that reach nothing is time, not a count: a create
// without a deadline is retried until it is spent, then given up, never
// uncertain.
func TestNotSentWindowIsTime(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.opentact.org", Token: "tok", MaxRetries: 1, NotSentWindow: 50 * time.Millisecond, NotSentWaitMin: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	op := newOperation()
	retries := 0
	for {
		s := decideOnce(context.Background(), c, createCall, op, &attempt{class: classNotSent})
		if s.verdict != retry {
			break
		}
		retries++
		time.Sleep(s.wait)
	}
	if retries < 2 || op.uncertain != nil {
		t.Errorf("%d retries within the window (max_retries 1), uncertain %v; want several, and a create never uncertain", retries, op.uncertain)
	}
}

// What the connection did decides "not sent", not the error's text: a DNS
// failure before any header was written sent nothing.
func TestClassifyFailure(t *testing.T) {
	dns := &url.Error{Op: "Post", URL: "https://api.example", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}}}
	live := context.Background()
	if a := classifyFailure(dns, false, live, live); a.class != classNotSent || !errors.Is(a.kind, ErrUnreachable) || a.timeout != NoTimeout {
		t.Errorf("DNS failure: %+v", a)
	}
	broken := &url.Error{Op: "Post", URL: "https://api.example", Err: errors.New("connection reset by peer")}
	if a := classifyFailure(broken, true, live, live); a.class != classMaybeSent || !errors.Is(a.kind, ErrNoAnswer) {
		t.Errorf("broken after sending: %+v", a)
	}
	expired, cancel := context.WithTimeout(live, 0)
	defer cancel()
	if a := classifyFailure(broken, true, expired, live); a.timeout != RequestTimeout {
		t.Errorf("the attempt's own deadline: %+v", a)
	}
	if a := classifyFailure(broken, false, expired, expired); a.class != classCancelled || a.timeout != OperationTimeout {
		t.Errorf("the operation's deadline before sending: %+v", a)
	}
}

// The list behind coalesced reads is a hint: against a dead address it
// makes one attempt and fails (the reads it would have saved are made
// instead, and find out for themselves).
func TestHintCallsAreNotRetried(t *testing.T) {
	dead, err := emulator.ListenRefusing()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dead.Close() })
	url := "http://" + dead.Addr().String()
	c, err := New(Config{BaseURL: url, Token: "tok", MaxRetries: 3, NotSentWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		op := newOperation()
		if _, err := c.listUsers(context.Background(), "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10", hintCall, op, nil); !errors.Is(err, ErrUnreachable) || op.attempts != 1 {
			t.Fatalf("hint list %d: err = %v after %d attempts, want unreachable after 1", i, err, op.attempts)
		}
	}
}
