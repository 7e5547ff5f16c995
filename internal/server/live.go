package server

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// live is everything that changes when the policy is reloaded. It is swapped
// as one pointer, and each tool call takes one snapshot at its start, so a
// call is decided, limited and recorded under one policy from end to end.
type live struct {
	policy *policy.Policy
	byName map[string]*tools.Tool // the registered (offered) tools
	limits *agentLimits
}

type liveKey struct{}

// currentPolicy is the policy new requests are judged by.
func (s *Server) currentPolicy() *policy.Policy { return s.live.Load().policy }

// policyFor is the policy of the call in ctx (its snapshot), or the current one.
func (s *Server) policyFor(ctx context.Context) *policy.Policy { return s.liveFor(ctx).policy }

func (s *Server) liveFor(ctx context.Context) *live {
	if l, ok := ctx.Value(liveKey{}).(*live); ok {
		return l
	}
	return s.live.Load()
}

// PolicyHash is the hash of the policy in force.
func (s *Server) PolicyHash() string { return s.currentPolicy().Hash() }

// newLive builds the state for p: the tools it offers, and per-agent rate
// limiters (carried over from prev where an agent's limit did not change, so
// a reload does not hand every agent a fresh burst).
func (s *Server) newLive(p *policy.Policy, prev *live) (*live, []mcpserver.ServerTool, error) {
	l := &live{policy: p, byName: map[string]*tools.Tool{}}
	var reg []mcpserver.ServerTool
	for _, t := range Offered(s.opts.Tools, p) {
		mt, err := mcpTool(t, s.outputs[t.Name])
		if err != nil {
			return nil, nil, err
		}
		l.byName[t.Name] = t
		reg = append(reg, mcpserver.ServerTool{Tool: mt, Handler: s.handler(t)})
	}
	reg = append(reg, mcpserver.ServerTool{Tool: whoamiTool(s.outputs != nil), Handler: s.whoami})
	var old *agentLimits
	if prev != nil {
		old = prev.limits
	}
	l.limits = newAgentLimits(p, old, s.now)
	return l, reg, nil
}

// SwapPolicy puts p in force for every call that starts from now on; calls
// already running finish under the policy they started with. The tool list
// is re-registered, which tells every connected host
// (notifications/tools/list_changed) to fetch its list again: what an agent
// may see may have changed even where the registered set did not.
func (s *Server) SwapPolicy(p *policy.Policy) error {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	l, reg, err := s.newLive(p, s.live.Load())
	if err != nil {
		return err
	}
	s.live.Store(l)
	s.mcp.SetTools(reg...)
	s.metrics.policyLoaded(true)
	s.log.Info("policy in force", zap.String("source", p.Source()), zap.String("policyHash", p.Hash()), zap.Int("tools", len(l.byName)))
	return nil
}

// PolicyRejected tells the operator and every connected host that a new
// policy file was refused and the old one is still in force.
func (s *Server) PolicyRejected(source string, err error) {
	s.metrics.policyLoaded(false)
	msg := fmt.Sprintf("atlas-mcp: the new policy %s was not loaded, and policy %s stays in force: %v", source, s.PolicyHash(), err)
	s.log.Error("policy reload refused", zap.String("source", source), zap.String("policyHash", s.PolicyHash()), zap.Error(err))
	s.mcp.SendNotificationToAllClients(string(mcp.MethodNotificationMessage), map[string]any{
		"level":  mcp.LoggingLevelError,
		"logger": "atlas-mcp",
		"data":   msg,
	})
}
