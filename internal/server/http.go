package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

type agentKey struct{}

func withAgent(ctx context.Context, a *policy.Agent) context.Context {
	return context.WithValue(ctx, agentKey{}, a)
}

// agentFor names the agent of a request: the one the HTTP layer authenticated,
// or, on stdio (one local user), the policy's default agent.
func (s *Server) agentFor(ctx context.Context) *policy.Agent {
	if a, ok := ctx.Value(agentKey{}).(*policy.Agent); ok {
		return a
	}
	if s.httpMode.Load() {
		return nil
	}
	return s.opts.Policy.DefaultAgent()
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
}

// HTTPHandler serves streamable HTTP at /mcp, SSE at /sse (+ /message) for older
// hosts, and /healthz and /readyz. Every MCP request must carry the bearer token
// of a policy agent: no token, no session (401) before any MCP message is read.
func (s *Server) HTTPHandler(o HTTPOptions) (http.Handler, func(context.Context) error) {
	s.httpMode.Store(true)
	ctxFunc := func(ctx context.Context, r *http.Request) context.Context {
		if a, ok := r.Context().Value(agentKey{}).(*policy.Agent); ok {
			return withAgent(ctx, a)
		}
		return ctx
	}
	streamable := mcpserver.NewStreamableHTTPServer(s.mcp,
		mcpserver.WithEndpointPath("/mcp"),
		mcpserver.WithHTTPContextFunc(ctxFunc),
		mcpserver.WithStateLess(o.Stateless),
	)
	sse := mcpserver.NewSSEServer(s.mcp,
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithSSEContextFunc(ctxFunc),
	)
	b := &sessionBinder{owners: map[string]string{}}
	guard := func(h http.Handler) http.Handler { return s.authenticate(o, b, h) }

	mux := http.NewServeMux()
	mux.Handle("/mcp", guard(streamable))
	mux.Handle("/sse", guard(sse.SSEHandler()))
	mux.Handle("/message", guard(sse.MessageHandler()))
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
	shutdown := func(ctx context.Context) error {
		s.draining.Store(true)
		err1 := streamable.Shutdown(ctx)
		err2 := sse.Shutdown(ctx)
		if err1 != nil {
			return err1
		}
		return err2
	}
	return mux, shutdown
}

// authenticate maps the bearer token to an agent, checks the Origin, and keeps
// each MCP session with the agent that opened it.
func (s *Server) authenticate(o HTTPOptions, b *sessionBinder, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, o.AllowedOrigins) {
			http.Error(w, "Forbidden: origin "+origin+" is not allowed (use --allowed-origin)", http.StatusForbidden)
			return
		}
		token, ok := bearer(r.Header.Get("Authorization"))
		var agent *policy.Agent
		if ok {
			agent = s.opts.Policy.AgentByToken(token)
		}
		if agent == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="atlas-mcp"`)
			http.Error(w, "Unauthorized: send Authorization: Bearer <token> of an agent in the policy file", http.StatusUnauthorized)
			return
		}
		sid := r.Header.Get("Mcp-Session-Id")
		if sid == "" {
			sid = r.URL.Query().Get("sessionId") // SSE's message endpoint
		}
		if sid != "" && !b.claim(sid, agent.Name) {
			s.log.Warn("session used with another agent's token", zap.String("agent", agent.Name))
			http.Error(w, "Forbidden: this MCP session belongs to another agent", http.StatusForbidden)
			return
		}
		r = r.WithContext(withAgent(r.Context(), agent))
		next.ServeHTTP(&bindingWriter{ResponseWriter: w, bind: func(id string) { b.claim(id, agent.Name) }}, r)
	})
}

func bearer(h string) (string, bool) {
	const p = "bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
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

// sessionBinder remembers which agent opened each session.
type sessionBinder struct {
	mu     sync.Mutex
	owners map[string]string
}

// claim binds a session to an agent on first use and reports whether the agent owns it.
func (b *sessionBinder) claim(id, agent string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	owner, ok := b.owners[id]
	if !ok {
		b.owners[id] = agent
		return true
	}
	return owner == agent
}

// bindingWriter learns the session ID the transport assigns in its response.
type bindingWriter struct {
	http.ResponseWriter
	bind  func(string)
	bound atomic.Bool
}

func (w *bindingWriter) WriteHeader(code int) {
	if id := w.Header().Get("Mcp-Session-Id"); id != "" && w.bound.CompareAndSwap(false, true) {
		w.bind(id)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *bindingWriter) Write(p []byte) (int, error) {
	if id := w.Header().Get("Mcp-Session-Id"); id != "" && w.bound.CompareAndSwap(false, true) {
		w.bind(id)
	}
	return w.ResponseWriter.Write(p)
}

func (w *bindingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *bindingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
