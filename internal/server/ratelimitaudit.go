package server

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// refusals keeps the audit log a record of every call, rate-limited ones
// included, without letting an agent that floods the server flood the log:
// the first refusal of an episode is recorded at once, the ones after it are
// counted, and one more record says how many there were (and of which
// tools) when the episode ends — at the agent's next accepted call, or when
// the server stops. So the log grows by two records per episode, not by one
// per refused call, and every refused call is accounted for.
type refusals struct {
	mu sync.Mutex
	m  map[string]*refusalEpisode // by agent
}

type refusalEpisode struct {
	firstSeq uint64
	since    time.Time
	rule     string
	more     int            // refused after the first one
	tools    map[string]int // of those
}

// refused records or counts a call the agent's rate limit refused.
func (s *Server) refused(ctx context.Context, agent, tool string, conf policy.RateLimit, wait time.Duration) {
	s.refusals.mu.Lock()
	if s.refusals.m == nil {
		s.refusals.m = map[string]*refusalEpisode{}
	}
	if ep, ok := s.refusals.m[agent]; ok {
		ep.more++
		ep.tools[tool]++
		s.refusals.mu.Unlock()
		return
	}
	ep := &refusalEpisode{since: s.now(), rule: conf.Rule, tools: map[string]int{}}
	s.refusals.m[agent] = ep
	s.refusals.mu.Unlock()

	session, host := sessionInfo(ctx)
	rec := &audit.Record{
		Agent: agent, Session: session, Host: host, Tool: tool, PolicyHash: s.policyFor(ctx).Hash(),
		Decision:     audit.Decision{Allow: false, Rule: conf.Rule, Reason: fmt.Sprintf("rate limit: %d calls a minute, bursts of %d; retry in %s", conf.PerMinute, conf.Burst, wait.Round(time.Second))},
		Confirmation: audit.ConfirmRateLimited,
		Outcome:      audit.Outcome{ErrorCode: "RATE_LIMITED", Message: "refused before anything else ran; further refusals until the agent's next accepted call are counted in one record"},
		Principal:    principal(ctx),
	}
	if err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec); err != nil {
		s.log.Error("audit write of a rate-limited call failed", zap.String("agent", agent), zap.Error(err))
	}
	s.refusals.mu.Lock()
	ep.firstSeq = rec.Seq
	s.refusals.mu.Unlock()
}

// accepted ends the agent's refusal episode, if one is open, with the record
// of the calls refused after its first.
func (s *Server) accepted(ctx context.Context, agent string) {
	s.refusals.mu.Lock()
	ep, ok := s.refusals.m[agent]
	if ok {
		delete(s.refusals.m, agent)
	}
	s.refusals.mu.Unlock()
	if ok {
		s.closeEpisode(ctx, agent, ep)
	}
}

// flushRefusals closes every open episode (the server is stopping).
func (s *Server) flushRefusals(ctx context.Context) {
	s.refusals.mu.Lock()
	open := s.refusals.m
	s.refusals.m = nil
	s.refusals.mu.Unlock()
	agents := make([]string, 0, len(open))
	for a := range open {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	for _, a := range agents {
		s.closeEpisode(ctx, a, open[a])
	}
}

func (s *Server) closeEpisode(ctx context.Context, agent string, ep *refusalEpisode) {
	if ep.more == 0 {
		return
	}
	names := make([]string, 0, len(ep.tools))
	for t := range ep.tools {
		names = append(names, t)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, t := range names {
		parts = append(parts, fmt.Sprintf("%s ×%d", t, ep.tools[t]))
	}
	rec := &audit.Record{
		Agent: agent, Tool: names[0], PolicyHash: s.policyFor(ctx).Hash(),
		Decision:     audit.Decision{Allow: false, Rule: ep.rule, Reason: "rate limit"},
		Confirmation: audit.ConfirmRateLimited,
		Outcome: audit.Outcome{ErrorCode: "RATE_LIMITED", Message: fmt.Sprintf("%d more calls refused by the rate limit after record %d, from %s to %s: %s",
			ep.more, ep.firstSeq, ep.since.UTC().Format(time.RFC3339), s.now().UTC().Format(time.RFC3339), strings.Join(parts, ", "))},
	}
	if err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec); err != nil {
		s.log.Error("audit write of rate-limited calls failed", zap.String("agent", agent), zap.Error(err))
	}
}
