package opentact_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

func coalescing(c *opentact.Config) { c.CoalesceReads = true }

func seed(t *testing.T, emu *emulator.Server, connection string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := emu.SeedUser(connection, fmt.Sprintf("user%05d", i), map[string]string{"first_name": "F"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// readAll reads every user concurrently, as Terraform's refresh does.
func readAll(t *testing.T, c *opentact.Client, ids []string, connection string) {
	t.Helper()
	sem := make(chan struct{}, 10)
	allSucceed(t, len(ids), "a read", func(i int) error {
		sem <- struct{}{}
		defer func() { <-sem }()
		u, err := c.ReadUser(context.Background(), ids[i], connection)
		if err == nil && u.UUID != ids[i] {
			err = fmt.Errorf("read %s, got %s", ids[i], u.UUID)
		}
		return err
	})
}

func TestCoalescedReadsUseOneListCall(t *testing.T) {
	emu, c := newPair(t, coalescing)
	ids := seed(t, emu, berlin, 200)
	emu.ResetRequests()
	readAll(t, c, ids, berlin)
	lists := emu.CountRequests("GET", "/rest/sip/connection/"+berlin+"/users")
	gets := emu.CountRequests("GET", userPrefix+"/")
	if lists != 1 || gets > opentact.CoalesceThreshold-1 {
		t.Fatalf("200 reads took %d list calls and %d GETs; want 1 list and at most %d GETs", lists, gets, opentact.CoalesceThreshold-1)
	}
}

func TestFewReadsDoNotPullTheList(t *testing.T) {
	emu, c := newPair(t, coalescing)
	ids := seed(t, emu, berlin, 50)
	emu.ResetRequests()
	readAll(t, c, ids[:opentact.CoalesceThreshold-1], berlin)
	if lists := emu.CountRequests("GET", "/rest/sip/connection/"+berlin+"/users"); lists != 0 {
		t.Fatalf("%d reads pulled the whole list", opentact.CoalesceThreshold-1)
	}
}

func TestCoalescingOffReadsOneByOne(t *testing.T) {
	emu, c := newPair(t)
	ids := seed(t, emu, berlin, 20)
	emu.ResetRequests()
	readAll(t, c, ids, berlin)
	if lists, gets := emu.CountRequests("GET", "/rest/sip/connection/"+berlin), emu.CountRequests("GET", userPrefix+"/"); lists != 0 || gets != 20 {
		t.Fatalf("lists=%d gets=%d, want 0 and 20", lists, gets)
	}
}

func TestCoalescedReadsStayCorrect(t *testing.T) {
	lisbon := emulator.SeedConnections[1].UUID
	emu, c := newPair(t, coalescing)
	ids := seed(t, emu, berlin, 10)
	readAll(t, c, ids, berlin) // the snapshot is loaded now

	// Moved, deleted, edited behind the client's back after the snapshot:
	// a snapshot of this process is trusted, so writes by this client are
	// what must invalidate it.
	moved, gone := ids[1], ids[2]
	if err := emu.ChangeUser(moved, map[string]*string{"sip_connection_uuid": &lisbon}); err != nil {
		t.Fatal(err)
	}
	if err := emu.DeleteUser(gone); err != nil {
		t.Fatal(err)
	}
	var patch opentact.UserPatch
	patch.Set(opentact.FieldFirstName, "Changed")
	if _, err := c.ModifyUser(context.Background(), ids[0], patch); err != nil {
		t.Fatal(err)
	}
	emu.ResetRequests()
	ctx := context.Background()

	u, err := c.ReadUser(ctx, ids[0], berlin)
	if err != nil || u.Fields[opentact.FieldFirstName] != "Changed" {
		t.Fatalf("a read after this client's write returned %+v, %v", u, err)
	}
	u, err = c.ReadUser(ctx, moved, berlin)
	if err != nil || u.SIPConnection.UUID != lisbon {
		t.Fatalf("moved user read as %+v, %v", u, err)
	}
	if _, err := c.ReadUser(ctx, gone, berlin); err == nil {
		t.Fatalf("a deleted user was read")
	}
	if gets := emu.CountRequests("GET", userPrefix+"/"+moved); gets != 1 {
		t.Errorf("the user missing from the list was confirmed with %d GETs, want 1", gets)
	}
}

func TestFailedListFallsBackToGets(t *testing.T) {
	emu, c := newPair(t, coalescing, func(c *opentact.Config) { c.MaxRetries = 0 })
	ids := seed(t, emu, berlin, 20)
	emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: "/rest/sip/connection/" + berlin + "/users", Status: 500, Times: 100})
	emu.ResetRequests()
	readAll(t, c, ids, berlin)
	if gets := emu.CountRequests("GET", userPrefix+"/"); gets != 20 {
		t.Fatalf("after a failed list, %d of 20 users were read with a GET", gets)
	}
}

// Each reader waiting for another's list call can leave when its own
// context ends (its timeout, or Ctrl-C), while the list call goes on.
func TestListWaiterLeavesOnItsOwnCancel(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/users") {
			<-release
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := newClient(t, srv.URL, emu.Token(), coalescing)
	ids := seed(t, emu, berlin, 5)
	for _, id := range ids[:opentact.CoalesceThreshold-1] {
		if _, err := c.ReadUser(context.Background(), id, berlin); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _, _ = c.ReadUser(context.Background(), ids[2], berlin) }() // starts the list call, which hangs
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ReadUser(ctx, ids[3], berlin)
	if waited := time.Since(start); waited > 2*time.Second || !errors.Is(err, opentact.ErrCancelled) {
		t.Fatalf("ReadUser = %v after %s; want ErrCancelled at its own deadline", err, waited)
	}
}

// A failed list call is remembered for the process: later reads of the
// connection go straight to GETs instead of repeating it.
func TestFailedListIsNotRepeated(t *testing.T) {
	emu, c := newPair(t, coalescing)
	ids := seed(t, emu, berlin, 12)
	emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: "/rest/sip/connection/" + berlin + "/users", Status: 503, Times: 100})
	emu.ResetRequests()
	for _, id := range ids {
		if _, err := c.ReadUser(context.Background(), id, berlin); err != nil {
			t.Fatal(err)
		}
	}
	// The list only saves calls: its 503 is not retried (max_retries is 3
	// here), and it is not tried again.
	if lists := emu.CountRequests("GET", "/rest/sip/connection/"+berlin+"/users"); lists != 1 {
		t.Fatalf("12 reads made %d list calls, want 1", lists)
	}
	if gets := emu.CountRequests("GET", userPrefix+"/"); gets != 12 {
		t.Fatalf("%d GETs, want 12", gets)
	}
}

// A list answer over the size cap is refused with a message that says so,
// and coalesced reads fall back to GETs.
func TestOversizedListAnswer(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/users") {
			emu.ServeHTTP(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"payload":[`))
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for written := 0; written <= opentact.MaxAnswerBytes; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`]}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, emu.Token(), coalescing)
	_, err := c.ListUsers(context.Background(), berlin)
	if !errors.Is(err, opentact.ErrBadAnswer) || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Fatalf("err = %v, want it to say the answer is too large", err)
	}
	ids := seed(t, emu, berlin, opentact.CoalesceThreshold+1)
	for _, id := range ids {
		if u, err := c.ReadUser(context.Background(), id, berlin); err != nil || u.UUID != id {
			t.Fatalf("ReadUser = %v, %v", u, err)
		}
	}
}
