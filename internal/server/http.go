package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// agentKey carries the name of the agent the HTTP layer authenticated. The
// name, not the *policy.Agent: a call resolves it in the policy it runs
// under, so a reload between authentication and the call cannot mix the
// agent of one policy with the rules of another.
type agentKey struct{}

func withAgent(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, agentKey{}, name)
}

func agentNameFrom(ctx context.Context) (string, bool) {
	n, ok := ctx.Value(agentKey{}).(string)
	return n, ok
}

// agentFor names the agent of a request: the one the HTTP layer authenticated,
// or, on stdio (one local user), the policy's default agent. nil when the
// policy (perhaps since a reload) has no such agent.
func (s *Server) agentFor(ctx context.Context) *policy.Agent {
	pol := s.policyFor(ctx)
	if name, ok := agentNameFrom(ctx); ok {
		return pol.Agent(name)
	}
	if s.httpMode.Load() {
		return nil
	}
	return pol.DefaultAgent()
}

// HTTPOptions configures the HTTP transports.
type HTTPOptions struct {
	// Stateless serves streamable HTTP without sessions, for replicas behind a
	// load balancer.
	Stateless bool
	// AllowedOrigins are browser origins allowed besides loopback ones.
	AllowedOrigins []string
	// Ready reports readiness for /readyz (nil: always ready).
	Ready func() error
	// MaxBodyBytes bounds a request body (default DefaultMaxBodyBytes); a
	// larger one is answered 413 before it is parsed.
	MaxBodyBytes int64
	// SessionIdleTTL ends a session nobody used for this long (default
	// DefaultSessionIdleTTL); SessionsPerAgent caps the sessions (streamable
	// and SSE) one agent may hold open (default DefaultSessionsPerAgent).
	SessionIdleTTL   time.Duration
	SessionsPerAgent int
	// DrainDelay is how long, after shutdown starts, the server keeps serving
	// with /readyz at 503 before it closes streams, so a load balancer stops
	// sending before the port goes away.
	DrainDelay time.Duration
	// Metrics, when set, is served at /metrics to any agent with a token.
	Metrics http.Handler
	// Authenticator says who each request is; nil means the policy's static
	// tokens and identity.oauth, as identity.New builds them.
	Authenticator identity.Authenticator
}

// HTTPHandler serves streamable HTTP at /mcp, SSE at /sse (+ /message) for older
// hosts, and /healthz and /readyz. Every MCP request must carry the bearer token
// of a policy agent: no token, no session (401) before any MCP message is read.
//
// The returned shutdown drains: /readyz turns 503 and new sessions are refused
// at once, the server keeps serving for DrainDelay and until running tool
// calls have finished (or ctx ends), then open streams are closed. The caller
// then shuts its http.Server down.
func (s *Server) HTTPHandler(o HTTPOptions) (http.Handler, func(context.Context) error) {
	s.httpMode.Store(true)
	if o.Authenticator == nil {
		o.Authenticator = identity.New(s.currentPolicy, identity.Options{Logger: s.log})
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	table := newSessionTable(o.SessionIdleTTL, o.SessionsPerAgent, s.now)
	s.sessions.Store(table)
	ctxFunc := func(ctx context.Context, r *http.Request) context.Context {
		if name, ok := agentNameFrom(r.Context()); ok {
			ctx = withAgent(ctx, name)
		}
		if id, ok := r.Context().Value(identityKey{}).(*identity.Identity); ok {
			ctx = context.WithValue(ctx, identityKey{}, id)
		}
		return ctx
	}
	sopts := []mcpserver.StreamableHTTPOption{
		mcpserver.WithEndpointPath("/mcp"),
		mcpserver.WithHTTPContextFunc(ctxFunc),
	}
	if o.Stateless {
		sopts = append(sopts, mcpserver.WithStateLess(true))
	} else {
		sopts = append(sopts, mcpserver.WithSessionIdManagerResolver(sessionResolver{t: table}))
	}
	streamable := mcpserver.NewStreamableHTTPServer(s.mcp, sopts...)
	sse := mcpserver.NewSSEServer(s.mcp,
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithSSEContextFunc(ctxFunc),
		mcpserver.WithSessionIDGenerator(sseSessionID),
	)
	g := &httpGuard{s: s, o: o, table: table, streamable: streamable}

	mux := http.NewServeMux()
	o.Authenticator.Routes(mux)
	mux.Handle("/mcp", g.mcp(streamable))
	mux.Handle("/sse", g.sse(sse.SSEHandler()))
	mux.Handle("/message", g.message(sse.MessageHandler()))
	if o.Metrics != nil {
		mux.Handle("/metrics", g.authOnly(o.Metrics))
	}
	s.mountApprovals(mux)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if s.draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		if err := s.auditHealthy(); err != nil {
			http.Error(w, "audit log unavailable", http.StatusServiceUnavailable)
			return
		}
		if o.Ready != nil {
			if err := o.Ready(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})

	stopSweep := g.startSweeper()
	shutdown := func(ctx context.Context) error {
		s.draining.Store(true)
		table.close()
		sleepCtx(ctx, o.DrainDelay)
		s.waitCalls(ctx)
		stopSweep()
		sse.CloseSessions()
		return streamable.Shutdown(ctx)
	}
	return mux, shutdown
}

// waitCalls returns once no tool call is running, or when ctx ends.
func (s *Server) waitCalls(ctx context.Context) {
	for s.inflight.Load() > 0 {
		if !sleepCtx(ctx, 10*time.Millisecond) {
			return
		}
	}
}

// sleepCtx sleeps for d or until ctx ends; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// originAllowed implements the MCP transport's Origin check: browsers may only
// reach the server from loopback origins unless an origin is allowed by name.
func originAllowed(origin string, allowed []string) bool {
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(origin, "/")) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}
