package atlasclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Client is the one way this program talks to Atlas. It is safe for concurrent
// use; create one per process (its token cache and buckets are only useful
// shared).
type Client struct {
	s    *settings
	http *http.Client
}

// New validates cfg and builds the client. Every request goes through one
// *http.Client whose transport is this chain, outermost first:
//
//  1. User-Agent: stamped once, before anything can copy the request.
//  2. observe: the logical request starts and ends here, so it sees the total
//     duration, every attempt and the final status, reads the body (capped),
//     and emits exactly one Event to Hook and the context's Recorders.
//  3. auth: bearer token (service account, or App Services session) or Digest.
//     It sits above the retries so a 401 is answered by re-authenticating
//     (which the retry layer must not do), and below observe so the extra
//     round trip counts as an attempt of the same call.
//  4. limiter and retry: one bucket token per attempt, including Digest's
//     challenge round trip and a post-401 retry, because Atlas counts every
//     request it receives.
//  5. the tuned base transport.
//
// Token, login and session requests go from the auth layer straight to
// User-Agent → base transport: they are not API calls and must not spend (or
// wait on) the API's rate buckets.
func New(cfg Config) (*Client, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	authHTTP := &http.Client{
		Transport:     &userAgentTransport{ua: s.UserAgent, next: s.BaseTransport},
		CheckRedirect: noRedirect,
	}
	limited := &retryTransport{s: s, buckets: newBuckets(s.limits, s.MaxBuckets), next: s.BaseTransport}
	auth := &authTransport{}
	if s.useSA {
		auth.admin = &bearerTransport{
			cache: &tokenCache{fetch: serviceAccountFetch(s, authHTTP), now: s.Now},
			next:  limited,
		}
	} else {
		auth.admin = newDigestTransport(s, limited)
	}
	if s.appService {
		sess := &appSession{s: s, hc: authHTTP}
		auth.appServices = &bearerTransport{
			cache: &tokenCache{fetch: sess.fetch, now: s.Now},
			next:  limited,
		}
	}
	chain := &userAgentTransport{ua: s.UserAgent, next: &observeTransport{s: s, next: auth}}
	return &Client{
		s: s,
		// Redirects are not followed: Atlas does not redirect API calls, and
		// following one would send credentials (Digest, bearer) to wherever it
		// points and emit a second Event. A 3xx becomes an *APIError.
		http: &http.Client{Transport: chain, CheckRedirect: noRedirect},
	}, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// HasAppServicesCredentials reports whether App Services operations can be
// called (they need the API key pair).
func (c *Client) HasAppServicesCredentials() bool { return c.s.appService }

// CloseIdleConnections closes idle connections of the base transport.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Do sends req and, on a 2xx, decodes the JSON body into out (when out is not
// nil and the body is not empty). A non-2xx answer is an *APIError; no answer
// is a *TransportError; a call whose context ended returns an error wrapping
// ctx.Err(); a call the client's own bucket could not serve before the deadline
// is a *RateLimitWaitError.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	op, res, err := c.resolve(req)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if res.Body != nil {
		b, err := encodeBody(res.Body)
		if err != nil {
			return nil, fmt.Errorf("atlasclient: encoding body of %s %s: %w", res.Method, res.Path, err)
		}
		// bytes.Reader lets NewRequest set GetBody: Digest's challenge round
		// trip, the 401 retry and 429 retries all resend the body.
		body = bytes.NewReader(b)
	}
	u := c.urlOf(res)
	st := &callState{op: op, resolved: res}
	hreq, err := http.NewRequestWithContext(withState(ctx, st), res.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("atlasclient: building %s %s: %w", res.Method, res.Path, err)
	}
	hreq.Header.Set("Accept", res.Accept)
	if body != nil {
		hreq.Header.Set("Content-Type", res.Accept)
	}
	resp, err := c.http.Do(hreq)
	if resp != nil {
		_ = resp.Body.Close() // already read by the observe layer
	}
	switch {
	case st.err != nil:
		return nil, st.err
	case st.apiErr != nil:
		return nil, st.apiErr
	case err != nil:
		// Only reachable if the chain failed outside observe's knowledge.
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("atlas %s %s: %w", res.Method, res.Path, cerr)
		}
		return nil, &TransportError{Method: res.Method, Path: res.Path, Err: unwrapURLError(err)}
	}
	attempts, _ := st.counts()
	r := &Response{
		Status:     resp.StatusCode,
		Header:     resp.Header,
		Body:       st.body,
		Attempts:   attempts,
		Duration:   st.duration,
		RequestURL: u,
	}
	if out != nil && len(bytes.TrimSpace(st.body)) > 0 {
		if err := json.Unmarshal(st.body, out); err != nil {
			return r, fmt.Errorf("atlasclient: decoding answer of %s %s: %w", res.Method, res.Path, err)
		}
	}
	return r, nil
}

// encodeBody JSON-encodes v. A []byte is taken as JSON already encoded (as
// json.RawMessage is): json.Marshal would send it as a base64 string, which is
// never what an Atlas endpoint wants.
func encodeBody(v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		if !json.Valid(b) {
			return nil, errors.New("[]byte body is not valid JSON")
		}
		return b, nil
	}
	return json.Marshal(v)
}

func (c *Client) urlOf(res *Resolved) string {
	root := c.s.base.String()
	if res.API == AppServices {
		root = c.s.appBase.String()
	}
	u := root + res.Path
	if res.Query != "" {
		u += "?" + res.Query
	}
	return u
}

// IsRetryable reports whether err says the same request may succeed later.
func IsRetryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable
	}
	var rle *RateLimitWaitError
	return errors.As(err, &rle)
}
