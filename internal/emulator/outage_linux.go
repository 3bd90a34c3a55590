package emulator

import (
	"context"
	"net"
	"strconv"
	"syscall"
)

// On Linux the listening socket is never closed during an outage:
// shutdown(SHUT_RD) stops it listening (the kernel resets the connections
// in its accept queue and answers new SYNs with a reset: connection
// refused) while it stays bound, and listen() on the same socket ends the
// outage. Two things keep the port ours meanwhile: the socket is bound to
// an explicit port (a port the kernel picked at bind is given up when the
// socket stops listening), and SO_REUSEADDR is off on it (Linux lets a
// socket with SO_REUSEADDR bind a port whose holders all have it and are
// not listening). The free port comes from the kernel through a probe
// socket that holds it, with SO_REUSEPORT on both, until the listener is
// bound: no other socket can take it in between.

// listenKeepBound listens on addr; port 0 takes a free port.
func listenKeepBound(addr string) (*net.TCPListener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if port == "0" {
		probe, p, err := probePort(host)
		if err != nil {
			return nil, err
		}
		defer func() { _ = syscall.Close(probe) }()
		port = strconv.Itoa(p)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0)
			if serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	return asTCP(ln)
}

// soReusePort is SO_REUSEPORT, which package syscall does not name on
// every Linux architecture.
const soReusePort = 0xf

// probePort binds a socket, not listening, to a free port of host and
// returns it with the port.
func probePort(host string) (int, int, error) {
	ip := net.ParseIP(host)
	if host == "" || host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	ip4 := ip.To4()
	if ip4 == nil {
		return 0, 0, &net.AddrError{Err: "outage listener: IPv4 only", Addr: host}
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, err
	}
	sa := &syscall.SockaddrInet4{}
	copy(sa.Addr[:], ip4)
	if err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err == nil {
		err = syscall.Bind(fd, sa)
	}
	var bound syscall.Sockaddr
	if err == nil {
		bound, err = syscall.Getsockname(fd)
	}
	in4, ok := bound.(*syscall.SockaddrInet4)
	if err != nil || !ok {
		_ = syscall.Close(fd)
		return 0, 0, cmpErr(err, &net.AddrError{Err: "outage listener: not an IPv4 socket", Addr: host})
	}
	return fd, in4.Port, nil
}

// stopListening stops ln listening; it stays bound.
func stopListening(ln *net.TCPListener) *net.TCPListener {
	onFD(ln, func(fd int) { _ = syscall.Shutdown(fd, syscall.SHUT_RD) })
	return ln
}

// listenAgain makes ln listen again on its port.
func listenAgain(ln *net.TCPListener) *net.TCPListener {
	onFD(ln, func(fd int) { _ = syscall.Listen(fd, syscall.SOMAXCONN) })
	return ln
}

func onFD(ln *net.TCPListener, f func(fd int)) {
	raw, err := ln.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) { f(int(fd)) })
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
