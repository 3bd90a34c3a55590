package opentact

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// Hooks for the package's external tests.

// WithoutPacing gives c a pacer of its own that never waits, for tests whose
// injected 429s are about something else than pacing.
func WithoutPacing(c *Client) {
	c.pacer = newPacer(realClock{}, 0)
	c.pacer.off = true
}

// CountDials counts the connections c tries to open from now on: the
// attempts that a dead address refuses leave no trace on any server.
func CountDials(c *Client) *atomic.Int64 {
	var n atomic.Int64
	t := c.http.Transport.(*http.Transport)
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return dial(ctx, network, addr)
	}
	return &n
}
