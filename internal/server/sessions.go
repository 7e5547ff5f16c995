package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Session kinds: a streamable HTTP session (/mcp) and an SSE stream (/sse +
// /message) are separate name spaces, so the ID of one never opens the other.
const (
	kindStreamable = "mcp"
	kindSSE        = "sse"
)

// maxSessionIDLen bounds the Mcp-Session-Id header and the sessionId query.
// Every ID this server issues is far shorter; anything longer is refused
// before it is looked up, let alone stored.
const maxSessionIDLen = 128

// Defaults for SessionLimits.
const (
	DefaultSessionIdleTTL   = 30 * time.Minute
	DefaultSessionsPerAgent = 32
)

var (
	errTooManySessions = errors.New("too many open sessions")
	errShuttingDown    = errors.New("shutting down")
)

// sessionTable is the server's record of the sessions it issued. Only the
// server creates entries (on initialize or when an SSE stream opens), so what
// a client sends can never make the table grow: an unknown ID is answered
// 404 and forgotten. Entries end on DELETE, when an SSE stream closes, and
// after an idle TTL; each agent holds at most perAgent of them.
type sessionTable struct {
	ttl      time.Duration
	perAgent int
	now      func() time.Time

	mu       sync.Mutex
	byID     map[string]*sessionEntry
	perOwner map[string]int
	closed   bool // draining: no new sessions
}

type sessionEntry struct {
	agent    string
	kind     string
	lastUsed time.Time
	streams  int // open GET/SSE streams: a session with one is not idle
}

func newSessionTable(ttl time.Duration, perAgent int, now func() time.Time) *sessionTable {
	if ttl <= 0 {
		ttl = DefaultSessionIdleTTL
	}
	if perAgent <= 0 {
		perAgent = DefaultSessionsPerAgent
	}
	return &sessionTable{ttl: ttl, perAgent: perAgent, now: now, byID: map[string]*sessionEntry{}, perOwner: map[string]int{}}
}

// issue creates a session for agent, or says why not. An agent at its cap
// first loses its sessions that are past the TTL but not yet swept; their
// IDs are returned (as sweep does) so their transport state can be freed.
func (t *sessionTable) issue(agent, kind string) (id string, expired []string, err error) {
	id = newSessionID()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", nil, errShuttingDown
	}
	if t.perOwner[agent] >= t.perAgent {
		expired = t.sweepLocked(agent)
		if t.perOwner[agent] >= t.perAgent {
			return "", expired, errTooManySessions
		}
	}
	e := &sessionEntry{agent: agent, kind: kind, lastUsed: t.now()}
	if kind == kindSSE {
		e.streams = 1 // an SSE session is its stream: it lives as long as the stream is open
	}
	t.byID[id] = e
	t.perOwner[agent]++
	return id, expired, nil
}

// lookupResult is what a client's session ID turned out to be.
type lookupResult int

const (
	sessionUnknown lookupResult = iota // never issued, ended, expired, or of the other kind
	sessionForeign                     // another agent's
	sessionOK
)

// use looks a session up for agent and, when it is theirs, marks it used.
func (t *sessionTable) use(id, agent, kind string) lookupResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byID[id]
	now := t.now()
	switch {
	case e == nil || e.kind != kind:
		return sessionUnknown
	case e.streams == 0 && now.Sub(e.lastUsed) > t.ttl:
		return sessionUnknown // expired; the sweeper removes it and frees its transport state
	case e.agent != agent:
		return sessionForeign
	}
	e.lastUsed = now
	return sessionOK
}

// stream counts an open stream on a session (delta +1 when it opens, -1 when it closes).
func (t *sessionTable) stream(id string, delta int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.byID[id]; e != nil {
		e.streams += delta
		e.lastUsed = t.now()
	}
}

// end forgets a session; it reports whether there was one.
func (t *sessionTable) end(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byID[id]
	if e == nil {
		return false
	}
	t.removeLocked(id, e)
	return true
}

func (t *sessionTable) removeLocked(id string, e *sessionEntry) {
	delete(t.byID, id)
	if t.perOwner[e.agent]--; t.perOwner[e.agent] <= 0 {
		delete(t.perOwner, e.agent)
	}
}

// sweep removes idle sessions (of one agent, or of all when agent is "") and
// returns the IDs of the streamable ones, whose transport state must go too.
func (t *sessionTable) sweep(agent string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sweepLocked(agent)
}

func (t *sessionTable) sweepLocked(agent string) []string {
	now := t.now()
	var out []string
	for id, e := range t.byID {
		if (agent == "" || e.agent == agent) && e.streams == 0 && now.Sub(e.lastUsed) > t.ttl {
			t.removeLocked(id, e)
			if e.kind == kindStreamable {
				out = append(out, id)
			}
		}
	}
	return out
}

// close refuses new sessions from now on; existing ones keep working.
func (t *sessionTable) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

// newSessionID is 128 random bits: unguessable, so knowing that an ID exists
// tells an attacker nothing they could use.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return hex.EncodeToString(b[:])
}

// sessionGrant carries the ID the HTTP layer issued for an initialize request
// to mcp-go's session ID manager, which asks for it without a request.
type sessionGrant struct {
	id   string
	used bool
}

type grantKey struct{}

// sessionResolver plugs the table into mcp-go's streamable transport. It is
// resolved per request, so each manager knows the agent the request
// authenticated as.
type sessionResolver struct{ t *sessionTable }

func (r sessionResolver) ResolveSessionIdManager(req *http.Request) mcpserver.SessionIdManager {
	m := &sessionManager{t: r.t}
	if req != nil {
		m.agent, _ = agentNameFrom(req.Context())
		m.grant, _ = req.Context().Value(grantKey{}).(*sessionGrant)
	}
	return m
}

type sessionManager struct {
	t     *sessionTable
	agent string
	grant *sessionGrant
}

// Generate hands mcp-go the ID the HTTP layer already issued (and counted
// against the agent's cap) for this initialize request.
func (m *sessionManager) Generate() string {
	if m.grant != nil && !m.grant.used {
		m.grant.used = true
		return m.grant.id
	}
	// Not reached: the HTTP layer grants an ID to every initialize it lets
	// through. Never hand out an untracked ID.
	id, _, err := m.t.issue(m.agent, kindStreamable)
	if err != nil {
		return "refused-" + newSessionID() // unknown to the table: every use is a 404
	}
	return id
}

func (m *sessionManager) Validate(id string) (bool, error) {
	if m.t.use(id, m.agent, kindStreamable) != sessionOK {
		return false, fmt.Errorf("unknown session")
	}
	return false, nil
}

func (m *sessionManager) Terminate(id string) (bool, error) {
	m.t.end(id)
	return false, nil
}

// sseSessionID issues the ID of a new SSE stream, bound to the agent that
// opened it; the HTTP layer has already checked the cap and put the grant in
// the context.
func sseSessionID(ctx context.Context, _ *http.Request) (string, error) {
	g, _ := ctx.Value(grantKey{}).(*sessionGrant)
	if g == nil || g.used {
		return "", fmt.Errorf("no session granted")
	}
	g.used = true
	return g.id, nil
}
