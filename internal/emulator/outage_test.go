package emulator_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// An outage resets the connections open when it starts and refuses new
// ones while the port stays bound to the listener (nobody else can listen
// on it), and the same address serves again after it.
func TestOutageListenerRefusesThenServes(t *testing.T) {
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: emulator.New(emulator.Options{}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := ln.Addr().String()
	get := func() error {
		resp, err := http.Get("http://" + addr + "/rest/sip/connection/user/x")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	// A connection that is open (and served once) when the outage starts.
	open, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = open.Close() }()
	if _, err := io.WriteString(open, "GET /rest/sip/connection/user/x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the open connection was not served: %v", err)
	}
	_, _ = open.Read(make([]byte, 4096)) // the rest of the answer

	ln.Refuse(time.Minute) // ended by Close below
	if !ln.Down() {
		t.Fatal("Down() is false during the outage")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("during the outage a dial gave %v, want connection refused", err)
	}
	_ = open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := open.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the connection open when the outage started read %v, want a reset", err)
	}
	if runtime.GOOS == "linux" {
		if other, err := net.Listen("tcp", addr); err == nil {
			_ = other.Close()
			t.Fatal("during the outage another listener took the port")
		} else if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("listening on the port during the outage gave %v, want address in use", err)
		}
	}
	_ = ln.Close() // Close ends an outage; a fresh listener tests the way back
	select {
	case <-ln.Back():
	default:
		t.Fatal("Back() is open after Close")
	}
}

// An outage ends on its own after its duration, on the same address, and
// Back() says when.
func TestOutageListenerComesBack(t *testing.T) {
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: emulator.New(emulator.Options{}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := ln.Addr().String()
	start := time.Now()
	ln.Refuse(300 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("during the outage a dial gave %v, want connection refused", err)
	}
	ln.Refuse(100 * time.Millisecond) // ends earlier: does not shorten it
	<-ln.Back()
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("the outage ended after %v, want 300ms", took)
	}
	if ln.Down() {
		t.Fatal("Down() after Back()")
	}
	for i := range 3 { // more than one connection, each served
		resp, err := http.Get("http://" + addr + "/rest/sip/connection/user/x")
		if err != nil {
			t.Fatalf("after the outage, GET %d: %v", i, err)
		}
		_ = resp.Body.Close()
	}
	// A second outage works the same way.
	ln.Refuse(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("during the second outage a dial gave %v, want connection refused", err)
	}
	<-ln.Back()
	resp, err := http.Get("http://" + addr + "/rest/sip/connection/user/x")
	if err != nil {
		t.Fatalf("after the second outage: %v", err)
	}
	_ = resp.Body.Close()
}
