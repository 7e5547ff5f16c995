package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"
)

// httpGuard is what every HTTP request passes before mcp-go sees it: origin,
// bearer token, body size and time, and the session it names.
type httpGuard struct {
	s          *Server
	o          HTTPOptions
	table      *sessionTable
	streamable http.Handler
}

// admit checks the Origin and maps the bearer token to an agent of the
// current policy (a static token, or an OAuth access token through the
// identity.Authenticator); it answers the refusal itself. The returned
// request carries the identity, for the audit's principal.
func (g *httpGuard) admit(w http.ResponseWriter, r *http.Request) (string, *http.Request, bool) {
	if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, g.o.AllowedOrigins) {
		http.Error(w, "Forbidden: origin "+origin+" is not allowed (use --allowed-origin)", http.StatusForbidden)
		return "", r, false
	}
	id, r, ok := g.s.admitIdentity(w, r, g.o.Authenticator)
	if !ok {
		return "", r, false
	}
	return id.Agent.Name, r, true
}

// readBody reads a POST body within the size limit and the server's read
// deadline, then lifts the deadline: the deadline is for receiving the
// request, and a long tool call or an open stream must not be cut by it.
func (g *httpGuard) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	rc := http.NewResponseController(w)
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }() // ErrNotSupported under a test recorder: nothing to lift
	if r.Method != http.MethodPost || r.Body == nil {
		return nil, true
	}
	limit := g.o.MaxBodyBytes
	tooLarge := func() {
		w.Header().Set("Connection", "close")
		http.Error(w, fmt.Sprintf("Request Entity Too Large: the body is over %d bytes, the server's limit (--max-body-bytes). Send a smaller request; no tool call needs this much.", limit), http.StatusRequestEntityTooLarge)
	}
	if r.ContentLength > limit {
		tooLarge()
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		tooLarge()
		return nil, false
	case errors.As(err, &ne) && ne.Timeout():
		w.Header().Set("Connection", "close")
		http.Error(w, "Request Timeout: the request body did not arrive in time (--read-timeout)", http.StatusRequestTimeout)
		return nil, false
	case err != nil:
		http.Error(w, "Bad Request: reading the body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, true
}

// sessionIDOK bounds what a client may send as a session ID.
func sessionIDOK(w http.ResponseWriter, id, what string) bool {
	if len(id) <= maxSessionIDLen {
		return true
	}
	http.Error(w, fmt.Sprintf("Bad Request: %s is longer than %d characters; use the ID the server issued", what, maxSessionIDLen), http.StatusBadRequest)
	return false
}

func unknownSession(w http.ResponseWriter, where string) {
	http.Error(w, "Not Found: unknown or ended MCP session; "+where, http.StatusNotFound)
}

func (g *httpGuard) foreignSession(w http.ResponseWriter, agent string) {
	g.s.log.Warn("session used with another agent's token", zap.String("agent", agent))
	http.Error(w, "Forbidden: this MCP session belongs to another agent", http.StatusForbidden)
}

// refuseNewSession answers an initialize or SSE open the table refused.
func (g *httpGuard) refuseNewSession(w http.ResponseWriter, agent string, err error) {
	if errors.Is(err, errShuttingDown) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "Service Unavailable: this server is shutting down and opens no new sessions; connect again (to another replica)", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(g.table.ttl.Seconds())))
	http.Error(w, fmt.Sprintf("Too Many Requests: agent %q already has %d open sessions, the limit; end one with DELETE /mcp (or close an SSE stream), or wait until idle ones expire after %s", agent, g.table.perAgent, g.table.ttl), http.StatusTooManyRequests)
}

// mcp guards the streamable HTTP endpoint. In stateful mode only IDs this
// server issued are accepted, each with the agent it was issued to; in
// stateless mode a client's session ID means nothing and is dropped, so it is
// never recorded as the caller's session.
func (g *httpGuard) mcp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, r, ok := g.admit(w, r)
		if !ok {
			return
		}
		sid := r.Header.Get(mcpserver.HeaderKeySessionID)
		if !sessionIDOK(w, sid, "Mcp-Session-Id") {
			return
		}
		body, ok := g.readBody(w, r)
		if !ok {
			return
		}
		ctx := withAgent(r.Context(), agent)
		modern := mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion))
		switch {
		case g.o.Stateless:
			r.Header.Del(mcpserver.HeaderKeySessionID)
		case sid != "":
			switch g.table.use(sid, agent, kindStreamable) {
			case sessionUnknown:
				unknownSession(w, "send initialize without Mcp-Session-Id to start a new one")
				return
			case sessionForeign:
				g.foreignSession(w, agent)
				return
			}
			if r.Method == http.MethodGet {
				g.table.stream(sid, +1)
				defer g.table.stream(sid, -1)
			}
		case r.Method == http.MethodPost && isInitialize(body):
			id, expired, err := g.table.issue(agent, kindStreamable)
			g.forgetAll(r.Context(), expired)
			if err != nil {
				g.refuseNewSession(w, agent, err)
				return
			}
			grant := &sessionGrant{id: id}
			ctx = context.WithValue(ctx, grantKey{}, grant)
			// A protocol-2026 request, or one mcp-go refused before it asked
			// for an ID, leaves the grant unused: give the slot back.
			defer func() {
				if !grant.used {
					g.table.end(id)
				}
			}()
		case (r.Method == http.MethodGet || r.Method == http.MethodDelete) && !modern:
			http.Error(w, "Bad Request: Mcp-Session-Id is required; send initialize first", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isInitialize(body []byte) bool {
	var m struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(body, &m) == nil && m.Method == string(mcp.MethodInitialize)
}

// sse guards the SSE stream: its session ID is issued here, bound to the
// agent, counted against the agent's cap, and forgotten when the stream ends.
func (g *httpGuard) sse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, r, ok := g.admit(w, r)
		if !ok {
			return
		}
		if _, ok := g.readBody(w, r); !ok {
			return
		}
		id, expired, err := g.table.issue(agent, kindSSE)
		g.forgetAll(r.Context(), expired)
		if err != nil {
			g.refuseNewSession(w, agent, err)
			return
		}
		defer g.table.end(id)
		ctx := context.WithValue(withAgent(r.Context(), agent), grantKey{}, &sessionGrant{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// message guards SSE's /message endpoint. mcp-go routes a message by its
// sessionId query alone, so that is what is checked against the agent; a
// Mcp-Session-Id header naming another session is refused rather than
// trusted, since the handler would ignore it.
func (g *httpGuard) message(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, r, ok := g.admit(w, r)
		if !ok {
			return
		}
		q := r.URL.Query().Get("sessionId")
		h := r.Header.Get(mcpserver.HeaderKeySessionID)
		if !sessionIDOK(w, q, "sessionId") || !sessionIDOK(w, h, "Mcp-Session-Id") {
			return
		}
		if h != "" && h != q {
			http.Error(w, "Bad Request: the Mcp-Session-Id header and the sessionId query name different sessions; /message is routed by sessionId, so send only that", http.StatusBadRequest)
			return
		}
		if q == "" {
			http.Error(w, "Bad Request: sessionId is required; use the endpoint the /sse stream announced", http.StatusBadRequest)
			return
		}
		if _, ok := g.readBody(w, r); !ok {
			return
		}
		switch g.table.use(q, agent, kindSSE) {
		case sessionUnknown:
			unknownSession(w, "open a new stream at /sse")
			return
		case sessionForeign:
			g.foreignSession(w, agent)
			return
		}
		next.ServeHTTP(w, r.WithContext(withAgent(r.Context(), agent)))
	})
}

// authOnly serves h to any agent with a valid token.
func (g *httpGuard) authOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, r, ok := g.admit(w, r); ok {
			h.ServeHTTP(w, r)
		}
	})
}

// startSweeper ends idle sessions in the background; the returned func stops it.
func (g *httpGuard) startSweeper() func() {
	ctx, cancel := context.WithCancel(context.Background())
	every := min(max(g.table.ttl/4, 10*time.Millisecond), time.Minute)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				g.forgetAll(ctx, g.table.sweep(""))
			}
		}
	}()
	return cancel
}

func (g *httpGuard) forgetAll(ctx context.Context, ids []string) {
	for _, id := range ids {
		g.forget(context.WithoutCancel(ctx), id)
	}
}

// forget releases mcp-go's state of an expired streamable session. mcp-go
// frees it only on DELETE (or in its own sweeper, which would end sessions
// with an open stream), so the server sends itself the DELETE the client
// never sent.
func (g *httpGuard) forget(ctx context.Context, id string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "/mcp", nil)
	if err != nil {
		return
	}
	req.Header.Set(mcpserver.HeaderKeySessionID, id)
	g.streamable.ServeHTTP(discard{h: http.Header{}}, req)
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}
