package opentact_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// Many goroutines against a token-bucket limit, as Terraform's
// -parallelism makes them: every call succeeds, the first burst is the bulk
// of the 429s, and one pacer serves them all (pacer_test.go has the
// pacer's own tests, on a fake clock).
func TestRateLimitedCallsAllSucceed(t *testing.T) {
	for _, headers := range []bool{false, true} {
		t.Run(fmt.Sprintf("headers=%v", headers), func(t *testing.T) {
			emu := emulator.New(emulator.Options{})
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			seeder := newClient(t, srv.URL, emu.Token())
			u := createAlice(t, seeder)
			emu.SetRateLimit(emulator.RateLimit{PerSecond: 100, Burst: 10, Headers: headers})
			emu.ResetRequests()

			// Paced: a client as the provider makes it, on a host of its own.
			c, err := opentact.New(opentact.Config{BaseURL: srv.URL, Token: emu.Token(), MaxRetries: 4})
			if err != nil {
				t.Fatal(err)
			}
			const workers, calls = 30, 210
			allSucceed(t, workers, "a call", func(int) error {
				for i := 0; i < calls/workers; i++ {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					_, err := c.GetUser(ctx, u.UUID)
					cancel()
					if err != nil {
						return err
					}
				}
				return nil
			})
			throttled, total := emu.CountStatus(429), len(emu.Requests())
			// At most the first burst (workers - bucket) plus a few.
			if limit := workers + total/10; throttled > limit {
				t.Errorf("%d of %d requests were answered 429, want at most %d", throttled, total, limit)
			}
			t.Logf("%d calls, %d requests, %d answered 429", calls, total, throttled)
		})
	}
}

// request_timeout bounds a request from when it leaves, not its wait for
// the rate limit: calls held for a Retry-After longer than request_timeout
// still go through.
func TestPacingWaitIsNotARequestTimeout(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	u := createAlice(t, newClient(t, srv.URL, emu.Token()))
	emu.InjectFault(emulator.Fault{Method: "GET", Status: 429, RetryAfter: "1"})
	c, err := opentact.New(opentact.Config{BaseURL: srv.URL, Token: emu.Token(), RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	allSucceed(t, 5, "a call held by the rate limit", func(i int) error {
		if i > 0 {
			time.Sleep(100 * time.Millisecond) // after the 429: held by the pacer
		}
		_, err := c.GetUser(context.Background(), u.UUID)
		return err
	})
}

// allSucceed runs work(0) to work(n-1) at once and fails the test on the
// first error any of them returns.
func allSucceed(t *testing.T, n int, what string, work func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- work(i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("%s failed: %v", what, err)
		}
	}
}
