package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"golang.org/x/time/rate"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// DefaultMaxBodyBytes bounds an HTTP request body. The largest legitimate
// call (a cluster spec with many regions, a long access list) is a few
// kilobytes; 4 MiB leaves room for any of them and none for a memory attack.
const DefaultMaxBodyBytes = 4 << 20

// agentLimits holds one token bucket per agent that has a rateLimit in the
// policy. The set of agents is the policy's, so it cannot grow from outside.
type agentLimits struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*agentLimiter
}

type agentLimiter struct {
	conf policy.RateLimit
	lim  *rate.Limiter
}

func newAgentLimits(p *policy.Policy, prev *agentLimits, now func() time.Time) *agentLimits {
	l := &agentLimits{now: now, m: map[string]*agentLimiter{}}
	for _, a := range p.Agents() {
		conf, ok := a.RateLimit()
		if !ok {
			continue
		}
		if prev != nil {
			if old := prev.get(a.Name); old != nil && old.conf.PerMinute == conf.PerMinute && old.conf.Burst == conf.Burst {
				l.m[a.Name] = &agentLimiter{conf: conf, lim: old.lim}
				continue
			}
		}
		l.m[a.Name] = &agentLimiter{conf: conf, lim: rate.NewLimiter(rate.Limit(float64(conf.PerMinute)/60), conf.Burst)}
	}
	return l
}

func (l *agentLimits) get(agent string) *agentLimiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[agent]
}

// take spends one call of agent's budget, or says how long until one is free.
// A refused call spends nothing, so an agent that keeps retrying too early is
// not pushed further back.
func (l *agentLimits) take(agent string) (policy.RateLimit, time.Duration, bool) {
	al := l.get(agent)
	if al == nil {
		return policy.RateLimit{}, 0, true
	}
	now := l.now()
	r := al.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return al.conf, d, false
	}
	return al.conf, 0, true
}

// callMiddleware wraps every tool call: it fixes the policy snapshot the call
// runs under, applies the agent's call-rate limit before anything else runs,
// and measures the call.
func (s *Server) callMiddleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		l := s.live.Load()
		ctx = context.WithValue(ctx, liveKey{}, l)
		start := time.Now()
		agent := agentName(s.agentFor(ctx))
		if conf, wait, ok := l.limits.take(agent); !ok {
			s.metrics.call(req.Params.Name, agent, "rate_limited", time.Since(start))
			s.refused(ctx, agent, req.Params.Name, conf, wait)
			return rateLimited(agent, conf, wait), nil
		}
		s.accepted(ctx, agent)
		res, err := next(ctx, req)
		outcome := "ok"
		switch {
		case err != nil:
			outcome = "protocol_error"
		case res != nil && res.IsError:
			outcome = "error"
		}
		s.metrics.call(req.Params.Name, agent, outcome, time.Since(start))
		return res, err
	}
}

// rateLimited is the agent's answer: what the limit is, where it is set, and
// when to come back. It is not written to the audit log: the call never
// started, and a flood of them must not cost a disk write each.
func rateLimited(agent string, conf policy.RateLimit, wait time.Duration) *mcp.CallToolResult {
	secs := math.Ceil(wait.Seconds()*10) / 10
	where := conf.Rule
	if conf.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", conf.Rule, conf.Line)
	}
	res := errorResult(fmt.Sprintf("Rate limited: agent %q may make %s under policy rule %s. Nothing was run or sent to Atlas. Retry in %.1fs.", agent, conf, where, secs))
	res.StructuredContent = map[string]any{"rateLimited": true, "retryAfterSeconds": secs, "rule": conf.Rule}
	return res
}

// HTTPTimeouts bound how long a client may take to send a request and how
// long an idle connection is kept. Zero fields take the defaults below.
type HTTPTimeouts struct {
	// ReadHeader is the time to send the request headers (default 10s).
	ReadHeader time.Duration
	// Read is the time to send the whole request, body included (default
	// 30s). The guard lifts it once the body is in, so it never cuts a long
	// tool call or an open stream.
	Read time.Duration
	// Idle is how long a keep-alive connection may wait for its next request
	// (default 120s).
	Idle time.Duration
	// MaxHeaderBytes bounds the request headers (default 64 KiB): a bearer
	// JWT and the MCP headers fit many times over.
	MaxHeaderBytes int
}

// NewHTTPServer is the http.Server for HTTPHandler, with its timeouts set.
// No WriteTimeout: SSE streams and long calls write for as long as they run.
func NewHTTPServer(h http.Handler, t HTTPTimeouts) *http.Server {
	if t.ReadHeader <= 0 {
		t.ReadHeader = 10 * time.Second
	}
	if t.Read <= 0 {
		t.Read = 30 * time.Second
	}
	if t.Idle <= 0 {
		t.Idle = 120 * time.Second
	}
	if t.MaxHeaderBytes <= 0 {
		t.MaxHeaderBytes = 64 << 10
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, IdleTimeout: t.Idle, MaxHeaderBytes: t.MaxHeaderBytes}
}
