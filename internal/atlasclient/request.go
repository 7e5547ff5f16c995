package atlasclient

import (
	"net/http"
	"net/url"
	"time"
)

// API names which Atlas HTTP API an operation belongs to. The two differ in base
// path, authentication and versioning, but share one client so that rate limits,
// retries, hooks and errors are handled once.
type API string

const (
	// AdminV2 is the Atlas Administration API v2 ({base}/api/atlas/v2), versioned
	// per resource by date in the Accept header.
	AdminV2 API = "admin-v2"
	// AppServices is the App Services Admin API v3.0, authenticated by a session
	// token obtained with an API key pair, unversioned (plain application/json).
	AppServices API = "appservices-v3"
)

// Request is one call to Atlas, described by the operation's path template as it
// appears in the OpenAPI document and the values of its placeholders. The client,
// not the caller, builds the URL: every placeholder value is checked and
// url.PathEscape'd, so no argument can change the route.
type Request struct {
	// Op names the operation (tools name nothing else); Method and Template
	// may name it instead, and must agree with Op when both are given.
	Op       OpID
	Method   string            // http.MethodGet, ...
	Template string            // e.g. "/groups/{groupId}/clusters/{clusterName}"
	Params   map[string]string // placeholder name → raw (unescaped) value
	Query    url.Values        // optional query string
	Body     any               // optional; JSON-encoded ([]byte and json.RawMessage are sent as they are)
}

// Resolved is a Request after the client has looked up its operation: exactly what
// would go on the wire. dryRun answers show this.
type Resolved struct {
	API     API
	Method  string
	Path    string // escaped path including the API prefix, e.g. /api/atlas/v2/groups/…/clusters
	Query   string // encoded query, without '?'
	Accept  string // e.g. application/vnd.atlas.2024-10-23+json
	RateSet string // the token-bucket endpoint set
	Scope   string // the bucket scope key (project or org ID, or "global")
	Body    any
}

// Response is a successful (2xx) answer.
type Response struct {
	Status     int
	Header     http.Header
	Body       []byte
	Attempts   int
	Duration   time.Duration
	RequestURL string // without credentials
}

// Event describes one logical request (all its attempts) for hooks: audit, logs,
// metrics. Path is the escaped path without query string.
type Event struct {
	API      API
	Method   string
	Path     string
	Status   int // last HTTP status seen; 0 when no response arrived
	Duration time.Duration
	// Attempts counts the requests sent to Atlas for this call, including a
	// Digest challenge round trip and the retry after a 401; 0 when nothing
	// was sent (the client's bucket could not serve it in time, or the
	// context ended first).
	Attempts int
	Err      error // nil on 2xx
	// For metrics, which must not be labelled by IDs: the operation's path
	// template (e.g. /api/atlas/v2/groups/{groupId}/clusters) and rate set,
	// how many attempts were retries, how many answers were 429, and how long
	// the call waited on the client's token bucket.
	Operation  string
	RateSet    string
	Retries    int
	Throttled  int
	BucketWait time.Duration
}
