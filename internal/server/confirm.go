package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// confirmID is the key of the confirmation in elicitation requests and answers.
const confirmID = "confirm"

// confirm asks a person before a call the policy marks for confirmation, and
// binds the yes to the plan: what the person is shown is the plan's rendering,
// and the yes is kept under the plan's hash, so a call whose plan differs in
// any byte — other arguments, another spelling, a resource re-created under
// the same name — is not covered by it.
//   - hosts that declare elicitation get a form (through mcp-go's multi
//     round-trip input requests, which serve 2026-07-28 hosts directly and older
//     hosts through its bridge); only an explicit accept proceeds, and for the
//     gravest calls the person types the resource's name;
//   - other hosts get what the policy says: refuse (default), or a one-time
//     token bound to the plan that a second call must carry.
//
// The leg that carries the answer has planned anew (re-reading the target), so
// its hash is compared with the one the person saw: that is the re-read at
// send time the gravest calls need.
func (s *Server) confirm(ctx context.Context, cs *callState) bool {
	if !cs.decision.Confirm {
		return false
	}
	if stop, handled := s.approve(ctx, cs); handled {
		return stop
	}
	hash := cs.planHash
	params := cs.req.Params
	if params.RequestState != "" || len(params.InputResponses) > 0 {
		return s.confirmAnswered(ctx, cs, hash)
	}
	if cs.call.ConfirmationToken != "" {
		p, ok := s.takeConfirmation(ctx, cs.call.ConfirmationToken)
		if !ok || p.kind != kindToken || p.agent != agentName(cs.agent) || p.tool != cs.tool.Name || p.planHash != hash {
			cs.confirmation = "declined"
			cs.result = errorResult("Refused: the confirmationToken is unknown, expired, already used, or was issued for another plan (other arguments, another tool, or the target changed since). Call again without it to get a new one, and have a person approve it. Nothing was sent to Atlas.")
			cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_INVALID"}
			return true
		}
		cs.confirmation = "token_accepted"
		return false
	}

	message := s.personText(ctx, cs)
	r := cs.plan.Render
	p := &pending{agent: agentName(cs.agent), tool: cs.tool.Name, planHash: hash, typeToConfirm: r.TypeToConfirm, cs: cs}
	if hostCanElicit(ctx) {
		p.kind = kindElicit
		state := s.addConfirmation(ctx, p, s.elicitTTL())
		cs.result = mcpserver.NewInputRequestBuilder(state).Elicit(confirmID, elicitation(message, r.TypeToConfirm)).ToolResult()
		cs.noRecord = true
		return true
	}
	if s.policyFor(ctx).WithoutElicitation() == "token" {
		p.kind = kindToken
		token := s.addConfirmation(ctx, p, s.policyFor(ctx).TokenTTL())
		cs.confirmation = "token_issued"
		cs.result = errorResult(fmt.Sprintf("Not executed yet: this call needs a person's confirmation, and this host cannot ask for it directly.\n%s\nShow this to the person. Only if they approve, call %s again with exactly the same arguments plus \"confirmationToken\": %q. The token works once, for this plan only (plan %s), and expires in %s.",
			message, cs.tool.Name, token, shortHash(hash), s.policyFor(ctx).TokenTTL().Round(time.Second)))
		cs.result.StructuredContent = map[string]any{"confirmationRequired": true, "confirmationToken": token, "message": message, "planHash": hash}
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_REQUIRED"}
		return true
	}
	cs.confirmation = "unavailable"
	cs.result = errorResult(fmt.Sprintf("Refused: %s needs a person's confirmation (%s), and this host does not support MCP elicitation, so nobody can be asked. Nothing was sent to Atlas. To get it approved: ask the operator to add approvers: and confirm.withoutElicitation: approval to the policy; the call then waits for a person's yes in the approval console (/approvals) or from atlas-mcp approvals approve. Or use a host that supports elicitation.", cs.tool.Name, orText(cs.decision.ConfirmWhy, "policy")))
	cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_UNAVAILABLE"}
	return true
}

// personText is what a person reads before saying yes: the plan's rendering,
// who asks, why the policy asks, and the plan's identity.
func (s *Server) personText(ctx context.Context, cs *callState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Agent %s asks to run %s.\n", agentName(cs.agent), cs.tool.Name)
	b.WriteString(s.renderWithNames(ctx, cs.plan.Render).Text())
	if cs.decision.ConfirmWhy != "" {
		b.WriteString("\nWhy you are asked: " + cs.decision.ConfirmWhy + ".")
	}
	fmt.Fprintf(&b, "\nPlan %s: %d request(s) to Atlas.", shortHash(cs.planHash), len(cs.plan.Requests))
	return b.String()
}

func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// confirmAnswered handles the leg that carries the person's answer.
func (s *Server) confirmAnswered(ctx context.Context, cs *callState, hash string) bool {
	p, ok := s.takeConfirmation(ctx, cs.req.Params.RequestState)
	if !ok || p.kind != kindElicit || p.agent != agentName(cs.agent) || p.tool != cs.tool.Name {
		cs.confirmation = "declined"
		cs.result = errorResult("Refused: the confirmation answer does not match a pending confirmation for this tool (expired or replayed). Call the tool again to be asked anew. Nothing was sent to Atlas.")
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_INVALID"}
		return true
	}
	if p.planHash != hash {
		cs.confirmation = "declined"
		cs.result = errorResult(fmt.Sprintf("Not executed: the plan changed after the person saw it (plan %s was shown, this call now plans %s: other arguments, or the target changed in Atlas). Call again to be asked anew. Nothing was sent to Atlas.", shortHash(p.planHash), shortHash(hash)))
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_STALE"}
		return true
	}
	answer := mcpserver.ElicitationResponse(cs.req.Params.InputResponses, confirmID)
	if answer == nil || answer.Action != mcp.ElicitationResponseActionAccept {
		action := "no answer"
		if answer != nil {
			action = string(answer.Action)
		}
		cs.confirmation = "declined"
		cs.result = errorResult(fmt.Sprintf("Not executed: the person did not confirm (%s). Nothing was sent to Atlas.", action))
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_DECLINED", Message: action}
		return true
	}
	if !confirmedContent(answer.Content, p.typeToConfirm) {
		cs.confirmation = "declined"
		what := "did not tick the confirmation"
		if p.typeToConfirm != "" {
			what = fmt.Sprintf("did not type %q exactly", p.typeToConfirm)
		}
		cs.result = errorResult("Not executed: the person " + what + ". Nothing was sent to Atlas.")
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_DECLINED", Message: what}
		return true
	}
	cs.confirmation = "accepted"
	return false
}

func confirmedContent(content any, typeToConfirm string) bool {
	m, ok := content.(map[string]any)
	if !ok {
		if b, err := json.Marshal(content); err == nil {
			_ = json.Unmarshal(b, &m)
		}
	}
	v := m[confirmID]
	if typeToConfirm != "" {
		s, _ := v.(string)
		return strings.TrimSpace(s) == typeToConfirm
	}
	b, _ := v.(bool)
	return b
}

func elicitation(message, typeToConfirm string) mcp.ElicitationParams {
	if typeToConfirm != "" {
		return mcp.ElicitationParams{
			Message: message + fmt.Sprintf("\n\nTo proceed, type %q.", typeToConfirm),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					confirmID: map[string]any{"type": "string", "title": "Type " + typeToConfirm + " to confirm", "description": "The exact name of the resource shown above."},
				},
				"required": []string{confirmID},
			},
		}
	}
	return mcp.ElicitationParams{
		Message: message,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				confirmID: map[string]any{"type": "boolean", "title": "Proceed", "description": "Tick to allow exactly the plan shown.", "default": false},
			},
			"required": []string{confirmID},
		},
	}
}

// hostCanElicit reports whether the host declared the elicitation capability:
// per request from 2026-07-28, else at initialize.
func hostCanElicit(ctx context.Context) bool {
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.ClientCapabilities != nil && info.ClientCapabilities.Elicitation != nil
	}
	if ci, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok {
		return ci.GetClientCapabilities().Elicitation != nil
	}
	return false
}

func (s *Server) elicitTTL() time.Duration {
	if ttl := s.currentPolicy().TokenTTL(); ttl > 10*time.Minute {
		return ttl
	}
	return 10 * time.Minute
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type pendingKind int

const (
	kindElicit pendingKind = iota + 1
	kindToken
)

// pending is a confirmation asked for and not yet answered.
type pending struct {
	kind          pendingKind
	agent, tool   string
	planHash      string
	typeToConfirm string
	expires       time.Time
	// cs is the first leg's state, kept so an unanswered confirmation still
	// gets its audit record when it expires.
	cs *callState
}

// pendingStore holds confirmations by one-time ID. IDs are random and single use.
type pendingStore struct {
	mu    sync.Mutex
	items map[string]*pending
	ttl   time.Duration
	now   func() time.Time
}

func newPendingStore(ttl time.Duration, now func() time.Time) *pendingStore {
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	return &pendingStore{items: map[string]*pending{}, ttl: ttl, now: now}
}

func (ps *pendingStore) add(p *pending, ttl time.Duration) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	id := "cfm_" + hex.EncodeToString(b[:])
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.expires = ps.now().Add(ttl)
	ps.items[id] = p
	return id
}

// take removes and returns a live entry; expired entries are not returned.
func (ps *pendingStore) take(id string) (*pending, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, ok := ps.items[id]
	if !ok {
		return nil, false
	}
	if ps.now().After(p.expires) {
		return nil, false // left for expired() so it is audited
	}
	delete(ps.items, id)
	return p, true
}

// expired removes and returns entries past their expiry (or all, when all is set).
func (ps *pendingStore) expired(all bool) []*pending {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []*pending
	now := ps.now()
	for id, p := range ps.items {
		if all || now.After(p.expires) {
			out = append(out, p)
			delete(ps.items, id)
		}
	}
	return out
}

// auditExpired writes the record of every confirmation that was asked for and
// never answered, so no call is missing from the audit log.
func (s *Server) auditExpired(ctx context.Context, all bool) {
	for _, p := range s.pending.expired(all) {
		if p.kind != kindElicit {
			continue // the call that issued a token already has its record
		}
		cs := p.cs
		cs.noRecord = false
		cs.recorder = nil
		cs.confirmation = "timeout"
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_TIMEOUT", Message: "no answer before expiry"}
		_ = s.writeAudit(ctx, cs)
	}
}
