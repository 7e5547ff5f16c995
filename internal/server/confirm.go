package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// confirmID is the key of the confirmation in elicitation requests and answers.
const confirmID = "confirm"

// confirm asks a person before a call the policy marks for confirmation:
//   - hosts that declare elicitation get a form (through mcp-go's multi
//     round-trip input requests, which serve 2026-07-28 hosts directly and older
//     hosts through its bridge); only an explicit accept proceeds, and for the
//     gravest calls the person types the resource's name;
//   - other hosts get what the policy says: refuse (default), or a one-time
//     token bound to the exact arguments that a second call must carry.
func (s *Server) confirm(ctx context.Context, cs *callState) bool {
	if !cs.decision.Confirm {
		return false
	}
	if stop, handled := s.approve(ctx, cs); handled {
		return stop
	}
	hash := argsHash(cs.raw)
	params := cs.req.Params
	if params.RequestState != "" || len(params.InputResponses) > 0 {
		return s.confirmAnswered(ctx, cs, hash)
	}
	if cs.call.ConfirmationToken != "" {
		p, ok := s.takeConfirmation(ctx, cs.call.ConfirmationToken)
		if !ok || p.kind != kindToken || p.agent != agentName(cs.agent) || p.tool != cs.tool.Name || p.argsHash != hash {
			cs.confirmation = "declined"
			cs.result = errorResult("Refused: the confirmationToken is unknown, expired, already used, or was issued for other arguments or another tool. Call again without it to get a new one, and have a person approve it.")
			cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_INVALID"}
			return true
		}
		cs.confirmation = "token_accepted"
		return false
	}

	conf, err := cs.call.Confirmation(ctx)
	if err != nil {
		cs.result, cs.outcome = s.errorAnswer(err)
		return true
	}
	p := &pending{agent: agentName(cs.agent), tool: cs.tool.Name, argsHash: hash, typeToConfirm: conf.TypeToConfirm, cs: cs}
	if hostCanElicit(ctx) {
		p.kind = kindElicit
		state := s.addConfirmation(ctx, p, s.elicitTTL())
		cs.result = mcpserver.NewInputRequestBuilder(state).Elicit(confirmID, elicitation(conf)).ToolResult()
		cs.noRecord = true
		return true
	}
	if s.opts.Policy.WithoutElicitation() == "token" {
		p.kind = kindToken
		token := s.addConfirmation(ctx, p, s.opts.Policy.TokenTTL())
		cs.confirmation = "token_issued"
		cs.result = errorResult(fmt.Sprintf("Not executed yet: this call needs a person's confirmation, and this host cannot ask for it directly.\n%s\nShow this to the person. Only if they approve, call %s again with exactly the same arguments plus \"confirmationToken\": %q. The token works once, for these arguments only, and expires in %s.",
			conf.Message, cs.tool.Name, token, s.opts.Policy.TokenTTL().Round(time.Second)))
		cs.result.StructuredContent = map[string]any{"confirmationRequired": true, "confirmationToken": token, "message": conf.Message}
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_REQUIRED"}
		return true
	}
	cs.confirmation = "unavailable"
	cs.result = errorResult(fmt.Sprintf("Refused: %s needs a person's confirmation (%s), and this host does not support MCP elicitation, so nobody can be asked. Nothing was sent to Atlas. To get it approved: ask the operator to add approvers: and confirm.withoutElicitation: approval to the policy; the call then waits for a person's yes in the approval console (/approvals) or from atlas-mcp approvals approve. Or use a host that supports elicitation.", cs.tool.Name, orText(cs.decision.ConfirmWhy, "policy")))
	cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_UNAVAILABLE"}
	return true
}

// confirmAnswered handles the leg that carries the person's answer.
func (s *Server) confirmAnswered(ctx context.Context, cs *callState, hash string) bool {
	p, ok := s.takeConfirmation(ctx, cs.req.Params.RequestState)
	if !ok || p.kind != kindElicit || p.agent != agentName(cs.agent) || p.tool != cs.tool.Name || p.argsHash != hash {
		cs.confirmation = "declined"
		cs.result = errorResult("Refused: the confirmation answer does not match a pending confirmation for this tool and these arguments (expired or replayed). Call the tool again to be asked anew.")
		cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_INVALID"}
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
	if p.typeToConfirm != "" {
		// Re-read the target: the name the person typed must still be the name
		// of the resource this call will act on.
		conf, err := cs.call.Confirmation(ctx)
		if err != nil {
			cs.result, cs.outcome = s.errorAnswer(err)
			return true
		}
		if conf.TypeToConfirm != p.typeToConfirm {
			cs.confirmation = "declined"
			cs.result = errorResult(fmt.Sprintf("Not executed: the target changed after confirmation (%q is now %q). Call again to be asked anew.", p.typeToConfirm, conf.TypeToConfirm))
			cs.outcome = audit.Outcome{ErrorCode: "CONFIRMATION_STALE"}
			return true
		}
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

func elicitation(conf tools.Confirmation) mcp.ElicitationParams {
	if conf.TypeToConfirm != "" {
		return mcp.ElicitationParams{
			Message: conf.Message + fmt.Sprintf("\n\nTo proceed, type %q.", conf.TypeToConfirm),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					confirmID: map[string]any{"type": "string", "title": "Type " + conf.TypeToConfirm + " to confirm", "description": "The exact name of the resource to be deleted."},
				},
				"required": []string{confirmID},
			},
		}
	}
	return mcp.ElicitationParams{
		Message: conf.Message,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				confirmID: map[string]any{"type": "boolean", "title": "Proceed", "description": "Tick to allow this call.", "default": false},
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

// argsHash binds a confirmation to the exact arguments, without the token itself.
func argsHash(raw json.RawMessage) string {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		sum := sha256.Sum256(raw)
		return hex.EncodeToString(sum[:])
	}
	delete(m, "confirmationToken")
	b, _ := json.Marshal(m) // map keys are sorted: a canonical form
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *Server) elicitTTL() time.Duration {
	if ttl := s.opts.Policy.TokenTTL(); ttl > 10*time.Minute {
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
	argsHash      string
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
