package atlasclient

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// callState travels in the request context through the RoundTripper chain. The
// layers are separate http.RoundTrippers, but one logical call needs facts from
// the outside (the operation: rate set, scope, permission, version) and leaves
// facts for the outside (attempts, last status, the read body), and the context
// is the one thing every layer and every clone of the request shares.
type callState struct {
	op       Operation
	resolved *Resolved

	mu         sync.Mutex
	attempts   int
	lastStatus int
	// waitHint is the wait the retry layer would have made had the deadline
	// or MaxRetryAfter allowed it; it becomes APIError.RetryAfter when Atlas
	// sent no Retry-After.
	waitHint time.Duration
	// Counted for Event (metrics).
	retries, throttled int
	bucketWait         time.Duration

	// Set by the observe layer once the call is over.
	body     []byte
	apiErr   *APIError
	err      error
	duration time.Duration
}

func (s *callState) noteAttempt() {
	s.mu.Lock()
	s.attempts++
	s.mu.Unlock()
}

func (s *callState) noteStatus(code int) {
	s.mu.Lock()
	s.lastStatus = code
	s.mu.Unlock()
}

func (s *callState) noteWait(d time.Duration) {
	s.mu.Lock()
	s.waitHint = d
	s.mu.Unlock()
}

func (s *callState) noteRetry(status int) {
	s.mu.Lock()
	s.retries++
	if status == http.StatusTooManyRequests {
		s.throttled++
	}
	s.mu.Unlock()
}

func (s *callState) noteBucketWait(d time.Duration) {
	s.mu.Lock()
	s.bucketWait += d
	s.mu.Unlock()
}

func (s *callState) retryCounts() (retries, throttled int, waited time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retries, s.throttled, s.bucketWait
}

func (s *callState) counts() (attempts, lastStatus int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts, s.lastStatus
}

type stateKey struct{}

func withState(ctx context.Context, s *callState) context.Context {
	return context.WithValue(ctx, stateKey{}, s)
}

func stateOf(req *http.Request) *callState {
	s, _ := req.Context().Value(stateKey{}).(*callState)
	return s
}
