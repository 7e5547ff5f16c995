package atlasclient

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// retryTransport waits on the client's token bucket before every attempt and
// retries what is safe to retry:
//
//   - 429, for every method: Atlas refused the request before doing anything.
//   - 500, 502, 503, 504 and transport errors, for GET and DELETE only: they are
//     idempotent. A POST or PATCH that failed that way may have been carried
//     out (a cluster may be building), so it is never sent twice.
//
// Waits honour Retry-After when Atlas sends it, otherwise exponential backoff
// with jitter. No wait runs past the caller's deadline: when it would, the last
// answer is returned at once, and the caller sees Retry-After in the *APIError.
type retryTransport struct {
	s       *settings
	buckets *buckets
	next    http.RoundTripper
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateOf(req)
	set, scope, path := SetStandard, "global", req.URL.EscapedPath()
	if st != nil {
		set, scope, path = st.resolved.RateSet, st.resolved.Scope, st.resolved.Path
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	replayable := !hasBody || req.GetBody != nil
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodDelete || req.Method == http.MethodHead

	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if hasBody {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		if err := t.waitBucket(ctx, st, set, scope); err != nil {
			closeBody(r)
			return nil, err
		}
		if st != nil {
			st.noteAttempt()
		}
		resp, err := t.next.RoundTrip(r)
		if err == nil && st != nil {
			st.noteStatus(resp.StatusCode)
		}
		if err == nil {
			if c, rem, ok := rateLimitHeaders(resp.Header); ok {
				t.buckets.observe(set, scope, c, rem, t.s.Now())
			}
		}

		if attempt >= t.s.MaxAttempts || ctx.Err() != nil || !replayable {
			return resp, err
		}
		var wait, ra time.Duration
		switch {
		case err != nil:
			if !idempotent {
				return nil, err
			}
			wait = t.backoff(attempt)
		case resp.StatusCode == http.StatusTooManyRequests,
			idempotent && retryableStatus(resp.StatusCode):
			if resp.StatusCode == http.StatusTooManyRequests {
				t.learnBucket(resp, set, scope)
			}
			ra = retryAfter(resp.Header, t.s.Now())
			if ra > t.s.MaxRetryAfter {
				return resp, nil // the caller decides; RetryAfter tells it how long
			}
			wait = t.backoff(attempt)
			if ra > 0 {
				wait = spread(ra)
			}
		default:
			return resp, nil
		}
		if dl, ok := ctx.Deadline(); ok && t.s.Now().Add(wait).After(dl) {
			// The jitter is a courtesy; Retry-After itself is what counts.
			if ra == 0 || t.s.Now().Add(ra).After(dl) {
				if st != nil {
					st.noteWait(wait)
				}
				return resp, err
			}
			wait = ra
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			drain(resp)
		}
		if st != nil {
			st.noteRetry(status)
		}
		t.s.Logger.Debug("atlas request retry",
			zap.String("method", req.Method), zap.String("path", path),
			zap.Int("status", status), zap.Int("attempt", attempt),
			zap.Duration("wait", wait), zap.NamedError("transportError", err))
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is base·2^(attempt-1), capped, with "equal jitter" (half fixed, half
// random) so that a burst of callers that failed together do not come back
// together.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.s.RetryBaseDelay << (attempt - 1)
	if d > t.s.RetryMaxDelay || d <= 0 {
		d = t.s.RetryMaxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// spread waits at least Retry-After, plus up to half of it again: every caller
// that hit the same empty bucket got the same Retry-After, and if they all came
// back at the same instant they would empty it again at once.
func spread(ra time.Duration) time.Duration {
	return ra + rand.N(ra/2+1)
}

// waitBucket takes a token from the client's bucket for (set, scope), waiting
// if there is none yet; if the wait would outlast the caller's deadline it
// returns at once, and gives the token back.
func (t *retryTransport) waitBucket(ctx context.Context, st *callState, set, scope string) error {
	now := t.s.Now()
	wait, cancel := t.buckets.reserve(set, scope, now)
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		cancel()
		return &RateLimitWaitError{RateSet: set, Scope: scope, Wait: wait, Deadline: dl}
	}
	if st != nil {
		st.noteBucketWait(wait)
	}
	if err := sleep(ctx, wait); err != nil {
		cancel()
		return err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// learnBucket reads the bucket Atlas describes in a 429 body (parameters: path,
// wait, capacity, refill, period in seconds, as documented for
// RATE_LIMITED_TOKEN_BUCKET) and sizes the client's bucket to it. The body is
// put back for whoever reads the response next.
func (t *retryTransport) learnBucket(resp *http.Response, set, scope string) {
	if resp.Body == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	var e struct {
		ErrorCode  string `json:"errorCode"`
		Parameters []any  `json:"parameters"`
	}
	if json.Unmarshal(body, &e) != nil || e.ErrorCode != "RATE_LIMITED_TOKEN_BUCKET" || len(e.Parameters) < 5 {
		return
	}
	num := func(v any) int {
		f, _ := v.(float64)
		return int(f)
	}
	l := Limit{Capacity: num(e.Parameters[2]), Refill: num(e.Parameters[3]), Per: time.Duration(num(e.Parameters[4])) * time.Second}
	t.buckets.learn(set, scope, l, t.s.Now())
}
