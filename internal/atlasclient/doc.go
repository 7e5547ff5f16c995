// Package atlasclient is the one HTTP client through which atlas-mcp talks to
// MongoDB Atlas: the Administration API v2 and the App Services Admin API v3.0.
//
// A caller names an operation by method and path template (see Operations) and
// gives the placeholder values; the client builds the URL (escaping every
// value), sends the operation's dated version in Accept, authenticates, waits
// on the token bucket of the operation's rate set and scope, retries what is
// safe to retry, and returns either a decoded 2xx answer or a typed error:
//
//   - *APIError: Atlas answered non-2xx (status, errorCode, detail, whether a
//     later retry can help, and a hint an agent can act on);
//   - *TransportError: no answer after the attempts the method allows;
//   - *RateLimitWaitError: the client's own bucket could not serve the call
//     before its deadline (errors.Is(err, context.DeadlineExceeded) holds);
//   - an error wrapping ctx.Err() when the caller's context ended;
//   - *ParamError / *UnknownOperationError before any I/O.
//
// Every logical request, successful or not (but not one refused before I/O),
// produces exactly one Event, given to Config.Hook and appended to each
// Recorder attached to the context with WithRecorder; the audit log builds its
// per-call list of Atlas requests from it.
//
// Retry policy: 429 is retried for every method (Atlas did not execute the
// request), honouring Retry-After; 500/502/503/504 and transport errors only
// for GET and DELETE, since a POST or PATCH that failed that way may have
// been carried out. No wait runs past the caller's deadline.
//
// Authentication: a service account (OAuth 2.0 client credentials, one token
// request at a time, a 401 costs one refresh however many calls see it) is
// preferred over a Digest API key; App Services calls need the API key pair
// and use its own login/refresh session.
package atlasclient
