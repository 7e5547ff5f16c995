package atlasclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is a non-2xx answer from Atlas (or App Services, or a token
// endpoint), reduced to what a caller and an agent can act on. It never holds a
// credential: Path is the escaped request path without host or query, and the
// body's text is Atlas's own.
type APIError struct {
	Status     int
	ErrorCode  string
	Detail     string
	Reason     string
	Parameters []any
	// Retryable says whether sending the same request again later can help:
	// true for 429 and 5xx (but not for a POST/PATCH that got a 5xx, which may
	// have been carried out), and for 409, where it helps only after the
	// resource has reached a stable state (see Hint).
	Retryable bool
	// RetryAfter is how long Atlas asked to wait (429/503), when known.
	RetryAfter time.Duration
	// Hint tells an agent what to do, after the seed's status table.
	Hint         string
	Method, Path string
	// Version is the dated version sent in Accept ("" for App Services).
	Version string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "atlas %s %s: %d", e.Method, e.Path, e.Status)
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// TransportError is a request that got no HTTP answer (connection refused,
// reset, timeout) after all the attempts the method allows.
type TransportError struct {
	Method, Path string
	Attempts     int
	Err          error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("atlas %s %s: no response after %d attempt(s): %v", e.Method, e.Path, e.Attempts, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// RateLimitWaitError is returned, before anything is sent, when the client's own
// token bucket would make the caller wait past its context deadline. Wait is
// how long it would have taken; an agent can retry after it.
type RateLimitWaitError struct {
	RateSet, Scope string
	Wait           time.Duration
	Deadline       time.Time
}

func (e *RateLimitWaitError) Error() string {
	return fmt.Sprintf("atlasclient: rate set %q (scope %s) has no capacity for %s, past the call's deadline; retry after that",
		e.RateSet, e.Scope, e.Wait.Round(time.Millisecond))
}

// Unwrap makes errors.Is(err, context.DeadlineExceeded) hold: the call could
// not be made within its deadline.
func (e *RateLimitWaitError) Unwrap() error { return context.DeadlineExceeded }

// errorBody covers both wire shapes: Atlas {detail,error:int,errorCode,
// parameters,reason} and App Services {error:string,error_code}.
type errorBody struct {
	Detail         string          `json:"detail"`
	Error          json.RawMessage `json:"error"`
	ErrorCode      string          `json:"errorCode"`
	ErrorCodeSnake string          `json:"error_code"`
	Parameters     []any           `json:"parameters"`
	Reason         string          `json:"reason"`
	// OAuth token endpoint (RFC 6749 §5.2).
	ErrorDescription string `json:"error_description"`
}

// newAPIError maps a non-2xx response whose body has been read (capped).
func newAPIError(method, path string, op Operation, resp *http.Response, body []byte, now time.Time) *APIError {
	e := &APIError{
		Status:  resp.StatusCode,
		Method:  method,
		Path:    path,
		Version: op.Version,
	}
	var eb errorBody
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &eb) == nil {
		e.ErrorCode = eb.ErrorCode
		e.Detail = eb.Detail
		e.Reason = eb.Reason
		e.Parameters = eb.Parameters
		if e.ErrorCode == "" && eb.ErrorCodeSnake != "" {
			e.ErrorCode = eb.ErrorCodeSnake
		}
		var msg string
		if json.Unmarshal(eb.Error, &msg) == nil && msg != "" {
			// App Services and OAuth put the message (or code) in "error".
			if e.ErrorCode == "" {
				e.ErrorCode = msg
				msg = eb.ErrorDescription
			}
			if e.Detail == "" {
				e.Detail = msg
			}
		}
	}
	if e.ErrorCode == "" {
		e.ErrorCode = genericCode(resp.StatusCode)
	}
	if e.Reason == "" {
		e.Reason = http.StatusText(resp.StatusCode)
	}
	e.RetryAfter = retryAfter(resp.Header, now)
	if e.RetryAfter == 0 && e.ErrorCode == "RATE_LIMITED_TOKEN_BUCKET" {
		e.RetryAfter = retryAfterFromParameters(e.Parameters)
	}
	e.Retryable, e.Hint = advise(e, op)
	return e
}

// genericCode names a status when the body did not (empty, HTML from a proxy,
// truncated): callers branch on ErrorCode and always find one.
func genericCode(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case status >= 500:
		return "UNEXPECTED_ERROR"
	default:
		t := strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		if t == "" {
			return "HTTP_" + strconv.Itoa(status)
		}
		return t
	}
}

// advise decides Retryable and the Hint from the seed's status table.
func advise(e *APIError, op Operation) (bool, string) {
	idempotent := e.Method == http.MethodGet || e.Method == http.MethodDelete
	switch s := e.Status; {
	case s == http.StatusBadRequest:
		h := "fix the request and resend; it is not retryable as is"
		if e.Detail != "" {
			h = "fix the request (" + e.Detail + ") and resend; it is not retryable as is"
		}
		return false, h
	case s == http.StatusUnauthorized:
		return false, "authentication failed: check the credentials (MONGODB_ATLAS_CLIENT_ID/MONGODB_ATLAS_CLIENT_SECRET or MONGODB_ATLAS_PUBLIC_API_KEY/MONGODB_ATLAS_PRIVATE_API_KEY); a service account token lasts one hour and the client already requested a fresh one"
	case s == http.StatusForbidden:
		perm := op.Permission
		if perm == "" {
			perm = "the role this operation needs"
		}
		if len(op.Roles) > 0 {
			// The reference and the seed's table do not always name the
			// same role (TestPermissionDisagreementsAreKnown): say both.
			perm += " (Atlas's API reference lists " + strings.Join(op.Roles, " or ") + ")"
		}
		return false, "grant the credential " + perm + ", or add the calling IP address to the credential's API access list"
	case s == http.StatusNotFound:
		return false, "verify the project ID (groupId) and the resource name, and that the credential has access to that project"
	case s == http.StatusNotAcceptable:
		if e.Version == "" {
			return false, "the server did not accept Accept: application/json"
		}
		return false, "the client sent Accept: " + versionMediaType(e.Version) + ", which this resource does not offer; the operations table needs a valid dated version"
	case s == http.StatusConflict:
		// Retryable in the sense that the same request can succeed once the
		// resource has settled; the client does not retry 409 itself.
		return true, "the resource is not in a state that allows this; wait for it to reach a stable state (for a cluster, stateName IDLE) or reconcile the conflict, then retry"
	case s == http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			return true, "rate limited by Atlas: wait " + e.RetryAfter.String() + " then retry"
		}
		return true, "rate limited by Atlas: back off, then retry"
	case s >= 500:
		if !idempotent {
			return false, "Atlas failed (" + strconv.Itoa(s) + ") and may or may not have carried out this " + e.Method + "; check the resource's state before sending it again"
		}
		return true, "Atlas failed (" + strconv.Itoa(s) + "); retry later with backoff, and contact MongoDB support if it persists"
	default:
		return false, ""
	}
}

// retryAfter reads Retry-After as delta-seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryAfterFromParameters reads the wait out of RATE_LIMITED_TOKEN_BUCKET's
// parameters ["api/atlas/v2/orgs", 55, 10, 5, 60] when the header is absent
// (the seed says headers are not guaranteed).
func retryAfterFromParameters(p []any) time.Duration {
	if len(p) < 2 {
		return 0
	}
	if f, ok := p[1].(float64); ok && f > 0 && f < 24*3600 {
		return time.Duration(f * float64(time.Second))
	}
	return 0
}
