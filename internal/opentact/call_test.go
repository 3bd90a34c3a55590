package opentact

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
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
		op := newOperation()
		got, _ := c.decide(context.Background(), r.kind, op, &attempt{class: r.class, hasRetry: true})
		if got != r.want {
			t.Errorf("kind %d, %v: verdict %d, want %d", r.kind, r.class, got, r.want)
		}
	}

	// Once a create may have made the user, any failure that ends it is
	// settled by looking.
	op := newOperation()
	c.decide(context.Background(), createCall, op, &attempt{class: classMaybeSent})
	for _, cl := range []class{classRejected, classNotSent, classCancelled, classRedirected} {
		a := &attempt{class: cl, hopeless: true}
		if got, _ := c.decide(context.Background(), createCall, op, a); got != settle {
			t.Errorf("after an uncertain attempt, %v gives %d, want settle", cl, got)
		}
	}

	// Gateway errors and lost answers are bounded by max_retries (2 here).
	op = newOperation()
	for i, want := range []verdict{retry, retry, fail} {
		if got, _ := c.decide(context.Background(), readCall, op, &attempt{class: classUnavailable}); got != want {
			t.Errorf("gateway error %d: verdict %d, want %d", i+1, got, want)
		}
	}
	// A 429 waits its Retry-After, unless that would pass the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got, wait := c.decide(ctx, readCall, newOperation(), &attempt{class: classRateLimited, retryAfter: 500 * time.Millisecond, hasRetry: true}); got != retry || wait != 500*time.Millisecond {
		t.Errorf("429 with Retry-After 0.5s: %d after %s", got, wait)
	}
	a := &attempt{class: classRateLimited, retryAfter: 5 * time.Second, hasRetry: true}
	if got, _ := c.decide(ctx, readCall, newOperation(), a); got != fail || a.timeout != OperationTimeout {
		t.Errorf("429 whose wait passes the deadline: verdict %d, timeout %v; want fail on the operation's timeout", got, a.timeout)
	}
	// A refused certificate is not retried; neither is anything once the
	// API is known to be unreachable.
	if got, _ := c.decide(context.Background(), readCall, newOperation(), &attempt{class: classNotSent, hopeless: true}); got != fail {
		t.Errorf("a hopeless attempt was retried")
	}
	c.reach.trip(&attempt{class: classNotSent}, time.Now(), time.Now())
	if got, _ := c.decide(context.Background(), readCall, newOperation(), &attempt{class: classNotSent}); got != fail {
		t.Errorf("an attempt that reached nothing was retried while the API is known unreachable")
	}
	// max_retries 0 turns the retries of failures off, those of 429s stay.
	c.maxRetries = 0
	c.reach = reach{}
	for _, cl := range []class{classNotSent, classUnavailable, classMaybeSent} {
		if got, _ := c.decide(context.Background(), readCall, newOperation(), &attempt{class: cl}); got != fail {
			t.Errorf("max_retries 0: %v was retried", cl)
		}
	}
	if got, _ := c.decide(context.Background(), readCall, newOperation(), &attempt{class: classRateLimited, hasRetry: true}); got != retry {
		t.Errorf("max_retries 0: a 429 was not retried (verdict %d)", got)
	}
}

// The window of attempts that reach nothing is time, not a count: retried
// until it is spent, then given up.
func TestNotSentWindowIsTime(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.opentact.org", Token: "tok", MaxRetries: 1, NotSentWindow: 50 * time.Millisecond, NotSentWaitMin: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	op := newOperation()
	retries := 0
	for {
		got, wait := c.decide(context.Background(), createCall, op, &attempt{class: classNotSent})
		if got != retry {
			break
		}
		retries++
		time.Sleep(wait)
	}
	if retries < 2 || op.uncertain {
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

// A lookup that settles a create goes through even while the API is known
// to be unreachable; other calls wait for their probe.
func TestSettleLookupsGoThrough(t *testing.T) {
	var r reach
	now := time.Now()
	r.trip(&attempt{class: classNotSent, cause: "refused"}, now, now)
	if a := r.admit(readCall, now); a == nil || !a.knownDown || a.cause != "refused" {
		t.Errorf("a read right after the trip was admitted: %+v", a)
	}
	if a := r.admit(settleCall, now); a != nil {
		t.Errorf("a settling lookup was refused: %+v", a)
	}
	if a := r.admit(readCall, now.Add(probeEvery)); a != nil {
		t.Errorf("no probe after %s", probeEvery)
	}
	r.observe(&attempt{class: classRejected}, now.Add(time.Second))
	if r.isDown() {
		t.Errorf("an answer did not clear the mark")
	}
	// A call whose run of refusals began before that answer does not mark
	// the API down again.
	r.trip(&attempt{class: classNotSent}, now, now.Add(2*time.Second))
	if r.isDown() {
		t.Errorf("a stale run of refusals marked the API down after an answer")
	}
}

// The list behind coalesced reads is a hint: its failure against a dead
// address does not mark the API down (the reads fall back to GETs, which
// find out for themselves).
func TestHintCallsDoNotTripTheBreaker(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	c, err := New(Config{BaseURL: url, Token: "tok", MaxRetries: 3, NotSentWindow: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.listUsers(context.Background(), "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10", hintCall, nil, nil); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("hint list %d: err = %v, want unreachable", i, err)
		}
	}
	if c.reach.isDown() {
		t.Error("hint calls marked the API down")
	}
	// A read of its own that spends its window does.
	if _, err := c.GetUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("read: err = %v", err)
	}
	if !c.reach.isDown() {
		t.Error("a read that spent its not-sent window did not mark the API down")
	}
}
