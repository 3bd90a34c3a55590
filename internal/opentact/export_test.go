package opentact

// Hooks for the package's external tests.

// WithoutPacing gives c a pacer of its own that never waits, for tests whose
// injected 429s are about something else than pacing.
func WithoutPacing(c *Client) {
	c.pacer = newPacer(realClock{}, 0)
	c.pacer.off = true
}
