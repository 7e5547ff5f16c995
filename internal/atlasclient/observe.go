package atlasclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// Body caps: an error body is only diagnostics, a success body is data but must
// not be allowed to exhaust memory (the largest list page Atlas serves is 500
// items).
const (
	maxErrorBody   = 64 << 10
	maxSuccessBody = 32 << 20
)

// BodyTooLargeError is returned when a 2xx body exceeds the client's cap.
type BodyTooLargeError struct {
	Method, Path string
	Limit        int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("atlas %s %s: response body larger than %d bytes", e.Method, e.Path, e.Limit)
}

// observeTransport is where a logical request ends: every attempt, auth
// round trip and wait has happened below it. It reads the body (capped), turns
// the outcome into the caller's result or error, and reports one Event to the
// hook and to every Recorder in the request's context.
type observeTransport struct {
	s    *settings
	next http.RoundTripper
}

func (t *observeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateOf(req)
	if st == nil {
		return t.next.RoundTrip(req)
	}
	start := t.s.Now()
	resp, err := t.next.RoundTrip(req)
	res := st.resolved
	if err == nil {
		limit := int64(maxSuccessBody)
		if resp.StatusCode/100 != 2 {
			limit = maxErrorBody
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		_ = resp.Body.Close()
		switch {
		case rerr != nil:
			err = rerr
		case int64(len(body)) > limit && resp.StatusCode/100 == 2:
			err = &BodyTooLargeError{Method: res.Method, Path: res.Path, Limit: limit}
		default:
			if int64(len(body)) > limit {
				body = body[:limit] // error detail only; keep what fits
			}
			st.body = body
			if resp.StatusCode/100 != 2 {
				st.apiErr = newAPIError(res.Method, res.Path, st.op, resp, body, t.s.Now())
				st.mu.Lock()
				hint := st.waitHint
				st.mu.Unlock()
				if st.apiErr.RetryAfter == 0 && hint > 0 && st.apiErr.Retryable {
					st.apiErr.RetryAfter = hint
					st.apiErr.Retryable, st.apiErr.Hint = advise(st.apiErr, st.op)
				}
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(st.body))
	}
	attempts, status := st.counts()
	if err != nil {
		err = t.finalError(req.Context(), st, attempts, err)
		st.err = err
	}
	ev := Event{
		API:      res.API,
		Method:   res.Method,
		Path:     res.Path,
		Status:   status,
		Duration: t.s.Now().Sub(start),
		Attempts: attempts,
		Err:      err,
	}
	if st.apiErr != nil {
		ev.Err = st.apiErr
	}
	ev.Operation, ev.RateSet = st.op.Template, res.RateSet
	ev.Retries, ev.Throttled, ev.BucketWait = st.retryCounts()
	if status == http.StatusTooManyRequests {
		ev.Throttled++ // the last answer, which was not retried
	}
	st.duration = ev.Duration
	if ce := t.s.Logger.Check(zap.DebugLevel, "atlas request"); ce != nil {
		ce.Write(zap.String("api", string(ev.API)), zap.String("method", ev.Method), zap.String("path", ev.Path),
			zap.Int("status", ev.Status), zap.Int("attempts", ev.Attempts), zap.Duration("duration", ev.Duration),
			zap.NamedError("error", ev.Err))
	}
	if t.s.Hook != nil {
		t.s.Hook(ev)
	}
	for _, r := range recordersOf(req.Context()) {
		r.add(ev)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// finalError decides what a failed call returns. The caller's context wins: a
// call that was cancelled or ran out of time says so, whatever the last
// attempt's symptom was.
func (t *observeTransport) finalError(ctx context.Context, st *callState, attempts int, err error) error {
	res := st.resolved
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("atlas %s %s: %w", res.Method, res.Path, cerr)
	}
	var (
		ae  *APIError
		te  *TransportError
		rle *RateLimitWaitError
		btl *BodyTooLargeError
	)
	switch {
	case errors.As(err, &ae), errors.As(err, &te), errors.As(err, &rle), errors.As(err, &btl):
		return err
	case errors.Is(err, ErrNoAppServicesCredentials):
		return fmt.Errorf("atlas %s %s: %w", res.Method, res.Path, err)
	}
	return &TransportError{Method: res.Method, Path: res.Path, Attempts: attempts, Err: err}
}

// Recorder collects the Events of the requests made under a context, so that
// one tool call's audit record can list every Atlas request it caused.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

func (r *Recorder) add(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// Events returns a copy of the events recorded so far, in completion order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

type recorderKey struct{}

// WithRecorder returns a context under which every request's Event is also
// appended to r. Recorders nest: an outer one still sees the requests made
// under an inner one.
func WithRecorder(ctx context.Context, r *Recorder) context.Context {
	outer := recordersOf(ctx)
	all := make([]*Recorder, 0, len(outer)+1)
	all = append(all, outer...)
	all = append(all, r)
	return context.WithValue(ctx, recorderKey{}, all)
}

func recordersOf(ctx context.Context) []*Recorder {
	rs, _ := ctx.Value(recorderKey{}).([]*Recorder)
	return rs
}
