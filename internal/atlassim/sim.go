package atlassim

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasspec"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sim is an in-memory MongoDB Atlas: the Admin API v2, the service-account
// token endpoints and the App Services Admin API v3.0, over real HTTP. It is
// safe for concurrent use; one mutex guards all state, and time passes lazily
// (nothing runs in the background, so a Sim needs no Close).
type Sim struct {
	opts Options
	now  func() time.Time

	v2Routes []*route
	asRoutes []*route

	mu sync.Mutex
	st state

	tokens      map[string]*oauthToken
	nonces      map[string]*digestNonce
	nonceSwept  time.Time
	asAccess    map[string]*asSession
	asRefresh   map[string]*asSession
	buckets     map[string]*bucket
	faults      []*Fault
	log         requestLog
	tokenCount  int
	asLogins    int
	asRefreshes int
	jwtKey      []byte
	// spec checks every request body against the Atlas request schema of the
	// version served, so the simulator rejects what Atlas's validation rejects
	// (unknown and readOnly fields, wrong types, patterns such as compressed
	// IPv6) instead of accepting a request the real API would refuse.
	spec *atlasspec.Spec
}

// New builds a simulator. Without Seed it holds only the demo organization
// ("demo-org", DemoOrgID), so projects can still be created; with Seed it holds
// the demo data described in seed.go.
func New(opts Options) *Sim {
	o := opts.normalized()
	s := &Sim{
		opts:      o,
		now:       o.Now,
		tokens:    map[string]*oauthToken{},
		nonces:    map[string]*digestNonce{},
		asAccess:  map[string]*asSession{},
		asRefresh: map[string]*asSession{},
		buckets:   map[string]*bucket{},
		jwtKey:    randomBytes(32),
		spec:      atlasspec.New(),
		log:       requestLog{max: maxLoggedRequests},
	}
	s.v2Routes = v2Routes()
	s.asRoutes = appServicesRoutes()
	s.seed()
	return s
}

// LoggedRequest is one request the simulator received, so tests can assert
// that a call never reached "Atlas". Auth is the scheme presented: "bearer",
// "digest", "appservices" (a Bearer on the App Services API), "basic" or
// "none". Status 0 means the connection was dropped or the client went away.
type LoggedRequest struct {
	Method, Path, RawQuery, Accept, Auth string
	Status                               int
	Time                                 time.Time
	// Body is the request body as received (nil when there was none), so
	// tests can compare the bytes on the wire with what was planned.
	Body []byte
}

// Requests returns a copy of the request log (oldest first; the newest
// 100,000 are kept).
func (s *Sim) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.snapshot()
}

// ResetRequests empties the request log.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.reset()
}

// TokenRequests counts POST /api/oauth/token answered 200.
func (s *Sim) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCount
}

// AppServicesLogins counts successful App Services logins.
func (s *Sim) AppServicesLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asLogins
}

// AppServicesRefreshes counts successful /auth/session refreshes.
func (s *Sim) AppServicesRefreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asRefreshes
}

// call is one request on its way through the pipeline.
type call struct {
	r       *http.Request
	now     time.Time
	segs    []string
	params  map[string]string
	query   url.Values
	body    []byte
	route   *route
	version string
	who     *principal
	proj    *project
	org     *org
}

// reply is what a handler decided; it is written after the lock is released.
type reply struct {
	status int
	body   any
	header http.Header
	err    *apiError
	asErr  *asError
	ctype  string
}

func ok(status int, body any) reply { return reply{status: status, body: body} }
func fail(e *apiError) reply        { return reply{err: e} }
func asFail(status int, code, msg string) reply {
	return reply{asErr: &asError{status: status, code: code, msg: msg}}
}

const (
	prefixV2 = "/api/atlas/v2"
	prefixAS = "/api/admin/v3.0"
)

// ServeHTTP is the handler for everything: /api/oauth/*, /api/atlas/v2/* and
// /api/admin/v3.0/*.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	entry := LoggedRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Accept:   r.Header.Get("Accept"),
		Auth:     authScheme(r),
		Time:     s.now(),
	}
	defer func() {
		entry.Status = rec.status
		s.mu.Lock()
		s.log.add(entry)
		s.mu.Unlock()
	}()

	if f := s.takeFault(r); f != nil {
		if done := s.applyFault(rec, r, f); done {
			return
		}
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		// The client went away mid-body; nothing sensible to answer.
		return
	}
	if len(body) > 0 {
		entry.Body = body
	}

	path := r.URL.EscapedPath()
	var rep reply
	switch {
	case path == "/api/oauth/token":
		rep = s.handleToken(r, body)
	case path == "/api/oauth/revoke":
		rep = s.handleRevoke(r, body)
	case path == prefixV2 || strings.HasPrefix(path, prefixV2+"/"):
		rep = s.serveV2(r, strings.TrimPrefix(path, prefixV2), body)
	case strings.HasPrefix(path, prefixAS+"/"):
		rep = s.serveAppServices(r, strings.TrimPrefix(path, prefixAS), body)
	default:
		rep = fail(newErr(http.StatusNotFound, codeResourceNotFound, "Cannot find resource %s.", r.URL.Path).with(r.URL.Path))
	}
	s.write(rec, r, rep)
}

// serveV2 runs one Admin API v2 request: authenticate, route, negotiate the
// version, take a token from the bucket, check the scope, then the handler.
func (s *Sim) serveV2(r *http.Request, rest string, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := &call{r: r, now: now, body: body, query: r.URL.Query()}

	who, rep, authed := s.authenticateV2(r, now)
	if !authed {
		return rep
	}
	c.who = who

	segs, okPath := splitPath(rest)
	if !okPath {
		return fail(newErr(http.StatusBadRequest, codeValidation, "The request path %s is not validly escaped.", r.URL.EscapedPath()))
	}
	rt, params, wrongMethod := match(s.v2Routes, r.Method, segs)
	if rt == nil {
		if wrongMethod {
			return fail(newErr(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method %s is not allowed on %s.", r.Method, r.URL.Path).with(r.Method))
		}
		return fail(newErr(http.StatusNotFound, codeResourceNotFound, "Cannot find resource %s.", r.URL.Path).with(r.URL.Path))
	}
	c.route, c.params, c.segs = rt, params, segs

	v, verr := resolveVersion(r.Header.Get("Accept"), rt.versions)
	if verr != nil {
		return fail(verr)
	}
	if slices.Contains(rt.legacy, v) {
		return fail(newErr(http.StatusNotAcceptable, codeNotAcceptable,
			"Invalid accept header or version date: %s of this resource has a legacy shape the simulator does not model; it serves %s (accept header %q).",
			v, rt.versions[len(rt.versions)-1], r.Header.Get("Accept")).with(r.Header.Get("Accept")))
	}
	c.version = v
	if e := s.checkBody(rt, v, body); e != nil {
		return fail(e)
	}

	hdr, limited := s.take(rt, params, who, now)
	if limited != nil {
		return fail(limited)
	}

	if e := s.scope(c); e != nil {
		e.header = hdr
		return reply{err: e}
	}
	out := rt.handle(s, c)
	if out.header == nil {
		out.header = http.Header{}
	}
	for k, vs := range hdr {
		out.header[k] = vs
	}
	if out.err != nil && out.err.header == nil {
		out.err.header = hdr
	}
	if out.err == nil && out.ctype == "" {
		out.ctype = mediaType(v)
	}
	return out
}

// scope checks the project or organization in the path: well-formed, existing,
// visible to the credential; and that a read-only credential does not write.
func (s *Sim) scope(c *call) *apiError {
	if gid, has := c.params["groupId"]; has {
		if !isObjectID(gid) {
			return newErr(http.StatusBadRequest, codeInvalidGroupID, "The specified group ID %s is invalid.", gid).with(gid)
		}
		p := s.st.project(gid)
		if p == nil {
			return newErr(http.StatusNotFound, codeGroupNotFound, "No group with ID %s exists.", gid).with(gid)
		}
		if !c.who.canOrg(p.orgID) {
			return forbidden()
		}
		p.settle(c.now)
		c.proj = p
	}
	if oid, has := c.params["orgId"]; has {
		if !isObjectID(oid) {
			return newErr(http.StatusBadRequest, codeInvalidOrgID, "The specified organization ID %s is invalid.", oid).with(oid)
		}
		o := s.st.org(oid)
		if o == nil {
			return newErr(http.StatusNotFound, codeOrgNotFound, "No organization with ID %s exists.", oid).with(oid)
		}
		if !c.who.canOrg(o.id) {
			return forbidden()
		}
		c.org = o
	}
	if c.route.write && c.who.readOnly {
		return forbidden()
	}
	return nil
}

func forbidden() *apiError {
	return newErr(http.StatusForbidden, codeForbidden, "Current user is not authorized to perform this action.")
}

// write sends a reply: JSON bodies, Atlas or App Services error shapes.
func (s *Sim) write(w http.ResponseWriter, r *http.Request, rep reply) {
	h := w.Header()
	for k, vs := range rep.header {
		h[k] = vs
	}
	status := rep.status
	var body any = rep.body
	ctype := rep.ctype
	switch {
	case rep.err != nil:
		for k, vs := range rep.err.header {
			h[k] = vs
		}
		status, body, ctype = rep.err.status, rep.err.body(), "application/json"
	case rep.asErr != nil:
		status, body, ctype = rep.asErr.status, rep.asErr.body(), "application/json"
	}
	if status == 0 {
		status = http.StatusOK
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	if r.URL.Query().Get("envelope") == "true" && rep.err == nil && rep.asErr == nil {
		body = envelope(status, body)
	}
	out, err := appendJSON(make([]byte, 0, 1024), body)
	if err != nil {
		http.Error(w, "encoding answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if r.URL.Query().Get("pretty") == "true" {
		var ind bytes.Buffer
		if err := json.Indent(&ind, out, "", "  "); err == nil {
			out = ind.Bytes()
		}
	}
	out = append(out, '\n')
	if ctype == "" {
		ctype = "application/json"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// envelope wraps an answer as Atlas does for ?envelope=true: lists gain a
// status field; other objects move under content.
func envelope(status int, body any) any {
	if m, isMap := body.(map[string]any); isMap {
		if _, isList := m["results"]; isList {
			out := make(map[string]any, len(m)+1)
			for k, v := range m {
				out[k] = v
			}
			out["status"] = status
			return out
		}
	}
	return map[string]any{"status": status, "content": body}
}

func authScheme(r *http.Request) string {
	a := r.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(a, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		if strings.HasPrefix(r.URL.Path, prefixAS+"/") {
			return "appservices"
		}
		return "bearer"
	case "digest":
		return "digest"
	case "basic":
		return "basic"
	}
	return "none"
}

// recorder remembers the status written, for the request log.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Drop faults).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// checkBody validates a write's body against the request schema of the
// version it is served with. Writes without a request schema (DELETE) and
// bodiless requests pass; the handlers check the rest.
func (s *Sim) checkBody(rt *route, version string, body []byte) *apiError {
	if !s.opts.StrictBodies || len(body) == 0 || !s.spec.HasSchema(rt.method, rt.pattern, version) {
		return nil
	}
	err := s.spec.Validate(rt.method, rt.pattern, version, body)
	if err == nil {
		return nil
	}
	var se *atlasspec.Error
	if !errors.As(err, &se) {
		return newErr(http.StatusBadRequest, codeValidation, "The request body could not be validated: %v.", err)
	}
	e := newErr(http.StatusBadRequest, codeInvalidAttribute, "Invalid attribute %s specified: %s.", se.Path, se.Problem).with(se.Path)
	e.fields = []badField{{Field: se.Path, Description: se.Problem}}
	return e
}
