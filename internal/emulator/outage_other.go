//go:build !linux

package emulator

import "net"

// Elsewhere than Linux an outage closes the listener and binds the address
// again after it: a parallel test may take the port in between.

func listenKeepBound(addr string) (*net.TCPListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return asTCP(ln)
}

func stopListening(ln *net.TCPListener) *net.TCPListener {
	_ = ln.Close()
	return ln
}

// listenAgain binds the address again; on failure the closed listener
// stays, and Accept fails.
func listenAgain(ln *net.TCPListener) *net.TCPListener {
	again, err := net.Listen("tcp", ln.Addr().String())
	if err != nil {
		return ln
	}
	tcp, err := asTCP(again)
	if err != nil {
		return ln
	}
	return tcp
}
