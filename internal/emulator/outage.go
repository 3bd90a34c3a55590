package emulator

import (
	"errors"
	"net"
	"sync"
	"time"
)

// OutageListener is a TCP listener that can stop listening for a while:
// connections open when the outage starts are reset, new ones are refused
// (as a restarting gateway's or a draining load balancer's are), and the
// same address serves again after it. The port stays bound to the listener
// the whole time (on Linux; see outage_linux.go), so a test running in
// parallel cannot take it in between. Serve an http.Server on it.
type OutageListener struct {
	ln   *net.TCPListener
	addr string

	mu     sync.Mutex
	conns  map[*trackedConn]struct{} // accepted and not closed
	until  time.Time                 // the current outage's end; zero when serving
	timer  *time.Timer
	back   chan struct{} // closed when the current outage ends
	closed bool
}

// ListenWithOutages listens on addr ("127.0.0.1:0" takes a free port from
// the kernel).
func ListenWithOutages(addr string) (*OutageListener, error) {
	ln, err := listenKeepBound(addr)
	if err != nil {
		return nil, err
	}
	back := make(chan struct{})
	close(back)
	return &OutageListener{ln: ln, addr: ln.Addr().String(), conns: map[*trackedConn]struct{}{}, back: back}, nil
}

// ListenRefusing is an address that refuses connections for as long as the
// listener is open: a dead address whose port stays bound, so that no
// other server can take it meanwhile. Close it when done.
func ListenRefusing() (*OutageListener, error) {
	ln, err := ListenWithOutages("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ln.Refuse(24 * time.Hour)
	return ln, nil
}

// Refuse starts an outage now that lasts d: the open connections are reset
// and new ones refused until d has passed. During an outage, Refuse extends
// it when d ends later.
func (l *OutageListener) Refuse(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	end := time.Now().Add(d)
	if !l.until.IsZero() {
		if end.After(l.until) {
			l.until = end
			l.timer.Reset(d)
		}
		return
	}
	// Stop listening first, so that nothing connects between the resets
	// and the refusal.
	l.ln = stopListening(l.ln)
	for c := range l.conns {
		c.reset()
	}
	l.until, l.back = end, make(chan struct{})
	l.timer = time.AfterFunc(d, l.end)
}

// end listens again, unless the outage was extended meanwhile.
func (l *OutageListener) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.until.IsZero() {
		return
	}
	if wait := time.Until(l.until); wait > 0 {
		l.timer.Reset(wait)
		return
	}
	if !l.closed {
		l.ln = listenAgain(l.ln)
	}
	l.until = time.Time{}
	close(l.back)
}

// Down reports whether an outage is under way.
func (l *OutageListener) Down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.until.IsZero()
}

// Back is closed when the current outage ends (at once when there is
// none).
func (l *OutageListener) Back() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.back
}

// Accept waits out an outage instead of failing, so the server goes on.
func (l *OutageListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		ln, back, closed := l.ln, l.back, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		<-back
		conn, err := ln.AcceptTCP()
		if err != nil {
			l.mu.Lock()
			retry := !l.closed && (!l.until.IsZero() || l.ln != ln)
			l.mu.Unlock()
			if retry {
				continue // the outage stopped this Accept; wait it out
			}
			return nil, err
		}
		l.mu.Lock()
		if !l.until.IsZero() || l.closed {
			// Accepted as the outage began: it is reset like the others.
			l.mu.Unlock()
			_ = conn.SetLinger(0)
			_ = conn.Close()
			continue
		}
		c := &trackedConn{TCPConn: conn, l: l}
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		return c, nil
	}
}

// Close stops listening for good.
func (l *OutageListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	if !l.until.IsZero() {
		l.until = time.Time{}
		close(l.back)
	}
	return l.ln.Close()
}

// Addr is the listener's address, the same across outages.
func (l *OutageListener) Addr() net.Addr {
	addr, _ := net.ResolveTCPAddr("tcp", l.addr)
	return addr
}

// trackedConn is an accepted connection, which an outage resets.
type trackedConn struct {
	*net.TCPConn
	l *OutageListener
}

// reset closes the connection with a TCP reset, as a gateway that goes
// away does. The caller holds l.mu.
func (c *trackedConn) reset() {
	delete(c.l.conns, c)
	_ = c.SetLinger(0)
	_ = c.TCPConn.Close()
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.TCPConn.Close()
}

// asTCP is ln as the TCP listener it is.
func asTCP(ln net.Listener) (*net.TCPListener, error) {
	tcp, ok := ln.(*net.TCPListener)
	if !ok {
		_ = ln.Close()
		return nil, errors.New("emulator: not a TCP listener")
	}
	return tcp, nil
}
