package opentact

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// Blackhole makes every dial of c hang until its context ends, as one to an
// address that drops packets does, and counts the dials.
func Blackhole(c *Client) *atomic.Int64 {
	var n atomic.Int64
	t := c.http.Transport.(*http.Transport)
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	return &n
}
