package atlasclient

import (
	"context"
	"sync"
	"time"
)

// fetchTimeout bounds one token request. The request runs detached from the
// caller that started it (many callers may be waiting on it), so it needs a
// bound of its own.
const fetchTimeout = 30 * time.Second

// tokenCache holds one bearer token and makes sure that at most one request for
// a new one is in flight, however many calls need it at once.
//
// oauth2.ReuseTokenSource gives the first property but not a way to drop a token
// Atlas has rejected (it trusts its own expiry clock), and a token can die
// early: revoked, rotated, or the server's clock disagrees. invalidate(tok) only
// drops tok if it is still the current token, so a burst of concurrent 401s for
// the same stale token costs one refresh, not one per caller.
type tokenCache struct {
	fetch func(ctx context.Context) (tok string, expiry time.Time, err error)
	now   func() time.Time

	mu       sync.Mutex
	tok      string
	issued   time.Time
	expiry   time.Time // zero: valid until invalidated
	inflight *tokenFlight
}

type tokenFlight struct {
	done chan struct{}
	tok  string
	err  error
}

// get returns a valid token, waiting for (or starting) a fetch if needed. The
// fetch runs in its own goroutine with a context detached from the caller's
// cancellation, so one impatient caller cannot fail everyone else's wait.
func (c *tokenCache) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.tok != "" && c.freshLocked() {
		t := c.tok
		c.mu.Unlock()
		return t, nil
	}
	f := c.inflight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		c.inflight = f
		go c.run(context.WithoutCancel(ctx), f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *tokenCache) run(ctx context.Context, f *tokenFlight) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	issued := c.now()
	tok, exp, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil {
		c.tok, c.issued, c.expiry = tok, issued, exp
	}
	f.tok, f.err = tok, err
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
}

// freshLocked treats a token as stale shortly before it expires: a tenth of its
// lifetime, at most a minute, so a request never leaves with a token that dies
// on the way.
func (c *tokenCache) freshLocked() bool {
	if c.expiry.IsZero() {
		return true
	}
	skew := c.expiry.Sub(c.issued) / 10
	if skew > time.Minute {
		skew = time.Minute
	}
	return c.now().Before(c.expiry.Add(-skew))
}

// invalidate drops tok if it is still the current token.
func (c *tokenCache) invalidate(tok string) {
	c.mu.Lock()
	if c.tok == tok {
		c.tok = ""
	}
	c.mu.Unlock()
}
