package opentact_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The classes of failure below HTTP, each told as what it is: "not sent"
// (refused, proxy, TLS) is never "unknown", and a timeout is named only when
// one ran out.

// outagePair serves an emulator on a listener that can refuse connections
// for a while, and a client with the default window for attempts that
// reach nothing.
func outagePair(t *testing.T) (*emulator.Server, *emulator.OutageListener, *opentact.Client) {
	t.Helper()
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	c := newClient(t, "http://"+ln.Addr().String(), emu.Token(), func(c *opentact.Config) { c.NotSentWindow, c.NotSentWaitMin = 0, 0 })
	return emu, ln, c
}

// deadAddress is a loopback address that refuses connections: a port of
// the test's own, kept bound (an outage listener in an outage for the
// test's whole run), so no other test can take it.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := emulator.ListenRefusing()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// quietLog drops a test server's own log lines (failed handshakes).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func apiError(t *testing.T, err error) *opentact.APIError {
	t.Helper()
	var apiErr *opentact.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want an *APIError", err, err)
	}
	return apiErr
}

// A gateway that refuses connections for two seconds (restarting, draining)
// sent nothing: the create is sent again until it goes through, and makes
// exactly one user, not adopted.
func TestCreateRidesOutARefusingGateway(t *testing.T) {
	emu, ln, c := outagePair(t)
	ln.Refuse(2 * time.Second)
	res, err := c.CreateUser(context.Background(), aliceRequest())
	if err != nil || res.Adopted {
		t.Fatalf("CreateUser = %+v, %v; want the user, created by its own answer", res, err)
	}
	if users := emu.Users(berlin); len(users) != 1 || users[0].UUID != res.User.UUID {
		t.Fatalf("the emulator holds %v, want exactly the user created", users)
	}
	if n := emu.CountRequests("POST", ""); n != 1 {
		t.Errorf("%d POSTs reached the API, want 1", n)
	}
	ln.Refuse(2 * time.Second)
	if _, err := c.GetUser(context.Background(), res.User.UUID); err != nil {
		t.Fatalf("a read across a 2 s outage: %v", err)
	}
}

// A create refused outright, after the window, was never sent: it is not an
// unknown outcome and nothing is looked up.
func TestCreateRefusedForGoodIsNotUnknown(t *testing.T) {
	c := newClient(t, "http://"+deadAddress(t), "tok")
	_, err := c.CreateUser(context.Background(), aliceRequest())
	e := apiError(t, err)
	if !errors.Is(err, opentact.ErrUnreachable) || errors.Is(err, opentact.ErrUnknownOutcome) || e.MaybeSent || e.Attempts < 2 {
		t.Fatalf("err = %+v, want ErrUnreachable after several attempts, nothing sent", e)
	}
	if e.Timeout != opentact.NoTimeout || !strings.Contains(e.Cause, "refused") {
		t.Errorf("a refused connection is labelled %v / %q, want no timeout and the refusal", e.Timeout, e.Cause)
	}
}

// A create rejected inside HTTP 200 ({"success": false, "status": 0}, as
// the API document shows validation errors) is a rejection: reported once,
// with the API's message, never sent again, never looked up.
func TestCreateRejectedInside200(t *testing.T) {
	emu := emulator.New(emulator.Options{RejectUnder200: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, emu.Token())
	req := aliceRequest()
	req.Login = "short"
	_, err := c.CreateUser(context.Background(), req)
	e := apiError(t, err)
	if !errors.Is(err, opentact.ErrValidation) || errors.Is(err, opentact.ErrUnknownOutcome) || !e.Enveloped || !strings.Contains(e.Message, "login must be 7 to 15 characters") {
		t.Fatalf("err = %+v, want the API's rejection", e)
	}
	if posts, gets := emu.CountRequests("POST", ""), emu.CountRequests("GET", ""); posts != 1 || gets != 0 {
		t.Errorf("%d POSTs and %d GETs, want the one POST and no lookup", posts, gets)
	}
}

// A timeout is called one only when one ran out, naming which.
func TestTimeoutsAreNamed(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	c := newClient(t, hang.URL, "tok", func(c *opentact.Config) { c.RequestTimeout, c.MaxRetries = 100*time.Millisecond, 1 })
	_, err := c.GetUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
	if e := apiError(t, err); !errors.Is(err, opentact.ErrNoAnswer) || e.Timeout != opentact.RequestTimeout || e.RequestLimit != 100*time.Millisecond || e.Attempts != 2 {
		t.Errorf("err = %+v, want no answer within the request timeout, retried once", e)
	}
	c = newClient(t, hang.URL, "tok")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.GetUser(ctx, "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
	if e := apiError(t, err); e.Timeout != opentact.OperationTimeout {
		t.Errorf("err = %+v, want the operation's timeout named", e)
	}
}

// A certificate this machine does not trust (a TLS-inspecting proxy, a
// missing CA bundle) fails the handshake: nothing is sent, so a create is
// no unknown outcome; it is not retried, and the error says what is wrong
// and for which host.
func TestCertificateProblemsAreNotUnknownOutcomes(t *testing.T) {
	cases := map[string]struct {
		hosts    []string
		notAfter time.Time
		trustCA  bool
		reason   opentact.CertReason
	}{
		"untrusted":  {[]string{"127.0.0.1"}, time.Now().Add(time.Hour), false, opentact.CertUntrusted},
		"expired":    {[]string{"127.0.0.1"}, time.Now().Add(-time.Hour), true, opentact.CertExpired},
		"other host": {[]string{"api.example.net"}, time.Now().Add(time.Hour), true, opentact.CertWrongHost},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cert, err := emulator.NewCertificate(tc.hosts, tc.notAfter)
			if err != nil {
				t.Fatal(err)
			}
			emu := emulator.New(emulator.Options{})
			srv := httptest.NewUnstartedServer(emu)
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
			srv.Config.ErrorLog = quietLog()
			srv.StartTLS()
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, emu.Token(), func(c *opentact.Config) {
				if tc.trustCA {
					c.CACertificatePEM = cert.CAPEM
				}
			})
			dials := opentact.CountDials(c)
			_, err = c.CreateUser(context.Background(), aliceRequest())
			e := apiError(t, err)
			if !errors.Is(err, opentact.ErrCertificate) || errors.Is(err, opentact.ErrUnknownOutcome) || e.MaybeSent || e.Certificate == nil {
				t.Fatalf("err = %+v, want a certificate error, nothing sent", e)
			}
			if e.Certificate.Reason != tc.reason || e.Certificate.Host != strings.TrimPrefix(srv.URL, "https://") {
				t.Errorf("certificate problem = %+v, want reason %v for the API host", e.Certificate, tc.reason)
			}
			if n := dials.Load(); n != 1 || emu.CountRequests("", "") != 0 {
				t.Errorf("%d connections, %d requests: a certificate problem is not retried and sends nothing", n, emu.CountRequests("", ""))
			}
		})
	}
}

// A refused dial to the proxy (HTTPS_PROXY) is a "proxyconnect" error: not
// sent either.
func TestRefusingProxyIsNotSent(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://"+deadAddress(t))
	t.Setenv("NO_PROXY", "")
	c := newClient(t, "https://api.opentact.test", "tok")
	_, err := c.CreateUser(context.Background(), aliceRequest())
	e := apiError(t, err)
	if !errors.Is(err, opentact.ErrUnreachable) || e.MaybeSent || !strings.Contains(e.Cause, "proxyconnect") {
		t.Fatalf("err = %+v, want a proxy refusal, nothing sent", e)
	}
}

// Against an address where nothing listens, the first read spends its
// window of attempts; the reads after it learn from it, without an attempt
// of their own (the plan fails anyway), and end with the same failure.
func TestReadsOfADeadAddressLearnFromTheFirst(t *testing.T) {
	c := newClient(t, "http://"+deadAddress(t), "tok")
	dials := opentact.CountDials(c)
	const id = "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"
	if _, err := c.GetUser(context.Background(), id); !errors.Is(err, opentact.ErrUnreachable) {
		t.Fatalf("first read: %v", err)
	}
	first := dials.Load()
	if first < 2 {
		t.Fatalf("the first read made %d attempts, want its window of retries", first)
	}
	allSucceed(t, 99, "a read of a dead address", func(int) error {
		_, err := c.GetUser(context.Background(), id)
		if e := (*opentact.APIError)(nil); !errors.As(err, &e) || !errors.Is(err, opentact.ErrUnreachable) || e.Attempts != 0 || !strings.Contains(e.Cause, "refused") {
			return fmt.Errorf("err = %v, want the first read's refusal without an attempt", err)
		}
		return nil
	})
	if later := dials.Load() - first; later != 0 {
		t.Fatalf("after the first read, 99 reads made %d connection attempts, want none", later)
	}
	// A write still tries (until its deadline).
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.CreateUser(ctx, aliceRequest()); !errors.Is(err, opentact.ErrUnreachable) || dials.Load() == first {
		t.Fatalf("a write after the reads learnt: %v, %d attempts", err, dials.Load()-first)
	}
}

// An address that drops packets: the first reads (ten at once) each wait
// for one connection attempt that never completes, and every read after
// them learns from them: 40 reads end after about one attempt's time, not
// four rounds of it.
func TestReadsOfABlackholeLearnFromTheFirst(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9", "tok", func(c *opentact.Config) {
		c.RequestTimeout = 300 * time.Millisecond
		c.NotSentWindow = 200 * time.Millisecond
	})
	dials := opentact.Blackhole(c)
	sem := make(chan struct{}, 10)
	allSucceed(t, 40, "a read of a blackhole", func(int) error {
		sem <- struct{}{}
		defer func() { <-sem }()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.GetUser(ctx, "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"); !errors.Is(err, opentact.ErrUnreachable) {
			return fmt.Errorf("err = %v, want unreachable", err)
		}
		return nil
	})
	if n := dials.Load(); n > 20 {
		t.Fatalf("40 reads of a blackhole made %d connection attempts, want those of the first round only", n)
	}
}

// outageClient is a client of an emulator served on a listener that can
// refuse connections, with a not-sent window of 300 ms.
func outageClient(t *testing.T) (*emulator.Server, *emulator.OutageListener, *opentact.Client) {
	t.Helper()
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return emu, ln, newClient(t, "http://"+ln.Addr().String(), emu.Token())
}

// An outage past the not-sent window (three windows long) is ridden out by
// every call that has a deadline, once the API has answered: a read, a
// create, a change and a delete each go through when it ends, the create
// with one POST. Writes ride it out even in a client that has never had an
// answer (Terraform applies in a new process); a read there gives up after
// the window, and the read after it learns from it.
func TestOutagePastTheWindowIsRiddenOut(t *testing.T) {
	emu, ln, c := outageClient(t)
	alice := createAlice(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ln.Refuse(900 * time.Millisecond)
	bob := aliceRequest()
	bob.Login = "bob00001"
	var patch opentact.UserPatch
	patch.Set(opentact.FieldFirstName, "Alicia")
	calls := []func() error{
		func() error { _, err := c.GetUser(ctx, alice.UUID); return err },
		func() error { _, err := c.ListUsers(ctx, berlin); return err },
		func() error { _, err := c.CreateUser(ctx, bob); return err },
		func() error { _, err := c.ModifyUser(ctx, alice.UUID, patch); return err },
	}
	allSucceed(t, len(calls), "a call across the outage", func(i int) error { return calls[i]() })
	if n := emu.CountRequests("POST", ""); n != 2 {
		t.Errorf("%d POSTs reached the API, want alice's and bob's", n)
	}
	ln.Refuse(900 * time.Millisecond)
	if err := c.DeleteUser(ctx, alice.UUID, berlin); err != nil {
		t.Fatalf("a delete across the outage: %v", err)
	}

	// A client that has never had an answer: the read gives up after its
	// window, the create waits the outage out.
	_, ln2, fresh := outageClient(t)
	ln2.Refuse(2 * time.Second)
	dials := opentact.CountDials(fresh)
	if _, err := fresh.ListUsers(ctx, berlin); !errors.Is(err, opentact.ErrUnreachable) {
		t.Fatalf("a read of a client that never had an answer, during the outage: %v, want unreachable", err)
	}
	spent := dials.Load()
	if _, err := fresh.GetUser(ctx, alice.UUID); !errors.Is(err, opentact.ErrUnreachable) || dials.Load() != spent {
		t.Fatalf("the next read: %v after %d attempts, want unreachable, learnt from the first", err, dials.Load()-spent)
	}
	if _, err := fresh.CreateUser(ctx, aliceRequest()); err != nil {
		t.Fatalf("a create of a client that never had an answer, across the outage: %v", err)
	}
}

// A password a call sent never comes back in an error: cut out when long
// enough, and otherwise the API's message is withheld.
func TestErrorsNeverHoldAShortPassword(t *testing.T) {
	for _, password := range []string{"p", "pw1", "ab3de"} {
		raw := rawServer(t, 400, `{"success":false,"message":"password `+password+` is too weak","status":0}`)
		c := newClient(t, raw, "tok")
		req := aliceRequest()
		req.Password = password
		_, err := c.CreateUser(context.Background(), req)
		e := apiError(t, err)
		if !e.Withheld || e.Message != "" || strings.Contains(err.Error(), "too weak") {
			t.Errorf("password %q: err = %+v, want the message withheld", password, e)
		}
	}
}

// The same holds where a create's outcome is unknown: the API's message of
// the attempt that may have made the user, and of the lookup that settles
// it, are scrubbed as the create's own.
func TestUnknownOutcomeNeverHoldsAShortPassword(t *testing.T) {
	for _, password := range []string{"p", "pw1", "ab3de", "longer-secret-1"} {
		for _, status := range []int{500, 503} {
			raw := rawServer(t, status, `{"success":false,"message":"password `+password+` is too weak","status":0}`)
			c := newClient(t, raw, "tok")
			req := aliceRequest()
			req.Password = password
			_, err := c.CreateUser(context.Background(), req)
			e := apiError(t, err)
			all := fmt.Sprintf("%v %+v %v", err, *e, e.LookupErr)
			if strings.Contains(all, "too weak") && strings.Contains(all, "password "+password+" ") {
				t.Errorf("password %q, HTTP %d: the error holds it: %s", password, status, all)
			}
			if e.Uncertain == nil || e.Uncertain.Status != status {
				t.Errorf("password %q, HTTP %d: the uncertain attempt is %+v", password, status, e.Uncertain)
			}
		}
	}
}

// Ctrl-C while a read waits for its answer is a cancel, not a broken
// connection.
func TestCancelledReadIsACancel(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	c := newClient(t, hang.URL, "tok")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.GetUser(ctx, "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
	if e := apiError(t, err); !errors.Is(err, opentact.ErrCancelled) || errors.Is(err, opentact.ErrNoAnswer) || e.Timeout != opentact.NoTimeout || e.Attempts != 1 {
		t.Fatalf("err = %+v, want a cancel after one attempt", e)
	}
}

// A refused certificate is not retried: each call dials once, and the calls
// report it without a data race (go test -race).
func TestRefusedCertificateIsNotRetried(t *testing.T) {
	cert, err := emulator.NewCertificate([]string{"127.0.0.1"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(emulator.New(emulator.Options{}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "tok")
	dials := opentact.CountDials(c)
	allSucceed(t, 20, "a call to an untrusted API", func(int) error {
		_, err := c.ListUsers(context.Background(), berlin)
		if e := (*opentact.APIError)(nil); !errors.As(err, &e) || e.Certificate == nil || e.Certificate.Reason != opentact.CertUntrusted || e.Attempts != 1 {
			return fmt.Errorf("err = %v, want the certificate problem after one attempt", err)
		}
		return nil
	})
	if n := dials.Load(); n != 20 {
		t.Errorf("20 calls to an untrusted API dialled %d times, want one each", n)
	}
}

// A call cancelled while it waits its turn at a paced account says so: the
// rate limit, not a bare cancel.
func TestCancelledInThePacerSaysRateLimit(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	// One request every 20 s: the second call waits its turn well past the
	// cancel, however long the first one took.
	c, err := opentact.New(opentact.Config{BaseURL: srv.URL, Token: emu.Token(), Pacer: opentact.NewPacer(0.05)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(context.Background(), berlin); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1200*time.Millisecond, cancel)
	_, err = c.ListUsers(ctx, berlin)
	if e := apiError(t, err); !errors.Is(err, opentact.ErrRateLimit) || e.RateWait < time.Second {
		t.Fatalf("err = %+v, want the rate limit after a second in the pacer", e)
	}
}
