package provider

import (
	"context"
	"testing"
	"time"
)

// A create or rename that meets a login still taken waits for the change
// that gives it up, if this process planned one; not for a swap, and not
// for ever.
func TestHandovers(t *testing.T) {
	alice1 := loginKey{"c", "alice001"}
	alice2 := loginKey{"c", "alice002"}
	var h handovers
	h.plan(alice1, "x", alice2)
	if !h.releasedBy(alice1, "x") || h.releasedBy(alice1, "y") || h.releasedBy(alice2, "x") {
		t.Fatal("releasedBy does not say who gives what up")
	}
	if takes, ok := h.takenBy("x"); !ok || takes != alice2 {
		t.Fatalf("takenBy(x) = %v, %v", takes, ok)
	}

	got := make(chan bool)
	go func() { got <- h.await(context.Background(), alice1, loginKey{}) }()
	select {
	case <-got:
		t.Fatal("await returned before the change finished")
	case <-time.After(50 * time.Millisecond):
	}
	h.finish(alice1, "x", true)
	if !<-got {
		t.Fatal("await after the change went through: false, want true (try again)")
	}

	// The change failed: no point trying again.
	h.plan(alice2, "y", loginKey{"c", "alice003"})
	h.finish(alice2, "y", false)
	if h.await(context.Background(), alice2, loginKey{}) {
		t.Fatal("await after a failed change: true")
	}

	// A swap: y would wait for x, which waits for y.
	h.plan(loginKey{"c", "bob00001"}, "x", loginKey{"c", "bob00002"})
	if h.await(context.Background(), loginKey{"c", "bob00001"}, loginKey{"c", "bob00002"}) {
		t.Fatal("await in a swap: true")
	}

	// Nothing planned: it waits handoverGrace for a plan, and one that
	// comes in time is waited for.
	late := loginKey{"c", "late0001"}
	go func() {
		time.Sleep(100 * time.Millisecond)
		h.plan(late, "z", loginKey{"c", "late0002"})
		time.Sleep(50 * time.Millisecond)
		h.finish(late, "z", true)
	}()
	if !h.await(context.Background(), late, loginKey{}) {
		t.Fatal("a plan recorded within the grace was not waited for")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if h.await(ctx, loginKey{"c", "none0001"}, loginKey{}) || time.Since(start) > time.Second {
		t.Fatal("await without a plan must give up at its context's end")
	}
}
