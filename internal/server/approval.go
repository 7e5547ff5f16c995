package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// approvalElicitID names the URL-mode elicitation that opens the console.
const approvalElicitID = "approval"

// approvalPlanHash is the identity an out-of-band approval is bound to: the
// plan's hash. A resumed call plans anew (re-reading its target) and runs
// only if its plan hashes the same.
func approvalPlanHash(cs *callState) string { return cs.planHash }

// approvalRendering is what the approver reads: the plan's rendering with
// projects named, who asks, and why the policy asks.
func (s *Server) approvalRendering(ctx context.Context, cs *callState) approvals.Rendering {
	r := s.renderWithNames(ctx, cs.plan.Render)
	var lines []string
	for _, c := range r.Changes {
		if c.Before == "" {
			lines = append(lines, fmt.Sprintf("%s: %s", c.Field, c.After))
		} else {
			lines = append(lines, fmt.Sprintf("%s: %s → %s", c.Field, c.Before, c.After))
		}
	}
	lines = append(lines, r.Lines...)
	if r.Irreversible != "" {
		lines = append(lines, "This cannot be undone: "+r.Irreversible+".")
	}
	// Why the policy asks is shown beside the rendering (the request's Why),
	// by the console, the CLI and notifications alike.
	lines = append(lines, fmt.Sprintf("Agent %s calls %s (plan %s, %d request(s) to Atlas).", agentName(cs.agent), cs.tool.Name, shortHash(cs.planHash), len(cs.plan.Requests)))
	return approvals.Rendering{Title: r.Title, Lines: lines}
}

func approvalResource(cs *callState) string {
	f := cs.plan.Facts
	switch {
	case f.ClusterName != "":
		return fmt.Sprintf("cluster %q", f.ClusterName)
	case len(f.AccessEntries) > 0:
		var e []string
		for _, a := range f.AccessEntries {
			e = append(e, a.CIDR)
		}
		return "access list " + strings.Join(e, ", ")
	}
	return ""
}

// approvalPlanJSON is the redacted plan kept with the request.
func (s *Server) approvalPlanJSON(cs *callState) []byte {
	p, err := s.redactedPlan(cs.plan)
	if err != nil {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	return b
}

// withoutResumeFields drops what a resumed call adds to the same arguments.
func withoutResumeFields(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	delete(m, "approvalId")
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

// approve is the out-of-band branch of confirm: it handles a call that
// resumes with an approvalId, and a call the policy sends to the approval
// console. handled is false when the ordinary confirmation applies.
func (s *Server) approve(ctx context.Context, cs *callState) (stop, handled bool) {
	id := cs.call.ApprovalID
	if st := cs.req.Params.RequestState; id == "" && strings.HasPrefix(st, "apr_") {
		id = st // the answer leg of the URL-mode elicitation
	}
	if id != "" {
		return s.resumeApproval(ctx, cs, id), true
	}
	if !s.needsConsole(ctx, cs) {
		return false, false
	}
	return s.requestApproval(ctx, cs), true
}

// needsConsole: the rule says only the console, more than one person must
// approve (an elicitation reaches one), or the host cannot show a form and
// the policy sends such calls to the console.
func (s *Server) needsConsole(ctx context.Context, cs *callState) bool {
	d := cs.decision
	if d.ApprovalVia == "console" || d.Approvals > 1 {
		return true
	}
	return s.opts.Policy.WithoutElicitation() == policy.ConfirmApproval && !hostCanElicitForm(ctx)
}

func (s *Server) requestApproval(ctx context.Context, cs *callState) bool {
	svc := s.opts.Approvals
	if svc == nil {
		cs.confirmation = "unavailable"
		cs.result = errorResult(fmt.Sprintf("Refused: %s needs approval in the approval console (%s), but this server has no approval store. Nothing was sent to Atlas. Ask the operator to set --approvals-store (or ATLAS_MCP_APPROVALS_STORE).", cs.tool.Name, orText(cs.decision.ConfirmWhy, "policy")))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_UNAVAILABLE"}
		return true
	}
	var on audit.Principal
	if p := principal(ctx); p != nil {
		on = *p
	}
	req, err := svc.Submit(ctx, approvals.NewRequest{
		AgentIssuer: on.Issuer, AgentSubject: on.Subject, AgentActor: on.Actor,
		PlanHash:  approvalPlanHash(cs),
		Plan:      s.approvalPlanJSON(cs),
		Rendering: s.approvalRendering(ctx, cs),
		Agent:     agentName(cs.agent),
		Tool:      cs.tool.Name,
		Area:      string(cs.tool.Area),
		ProjectID: cs.call.Facts.ProjectID,
		Resource:  approvalResource(cs),
		Rule:      cs.decision.ConfirmRule,
		Why:       cs.decision.ConfirmWhy,
		Required:  max(1, cs.decision.Approvals),
		TTL:       s.opts.Policy.ApprovalTTL(),
	})
	if err != nil {
		s.log.Error("approval request not stored", zap.Error(err))
		cs.confirmation = "unavailable"
		cs.result = errorResult("Refused: the approval store cannot be written (" + err.Error() + "). Nothing was sent to Atlas. Tell the operator.")
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_UNAVAILABLE"}
		return true
	}
	cs.approval = req
	if s.opts.Policy.ApprovalWait() > 0 {
		if r := s.waitDecision(ctx, cs, req.ID); r != nil && r.Status != approvals.StatusPending {
			return s.resumeApproval(ctx, cs, req.ID)
		}
	}
	cs.confirmation = "approval_requested"
	if url := svc.URL(req.ID); url != "" && hostCanElicitURL(ctx) {
		// The host can open a page for its person: ask it to open this
		// request in the console. Its answer comes back as another leg,
		// which resumes with the request ID as state.
		cs.result = mcpserver.NewInputRequestBuilder(req.ID).Elicit(approvalElicitID, mcp.ElicitationParams{
			Mode:          mcp.ElicitationModeURL,
			Message:       fmt.Sprintf("A person must approve %s in the atlas-mcp approval console: %s", req.Rendering.Title, url),
			ElicitationID: req.ID,
			URL:           url,
		}).ToolResult()
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_PENDING"}
		return true
	}
	s.pendingAnswer(cs, req)
	return true
}

// waitDecision blocks up to confirm.approvalWait for the decision, telling
// the host how it stands through progress notifications.
func (s *Server) waitDecision(ctx context.Context, cs *callState, id string) *approvals.Request {
	svc := s.opts.Approvals
	wctx, cancel := context.WithTimeout(ctx, s.opts.Policy.ApprovalWait())
	defer cancel()
	tok := progressToken(cs.req)
	n := 0.0
	r, _ := svc.Wait(wctx, id, func(r *approvals.Request) {
		n++
		msg := fmt.Sprintf("waiting for approval %s (%d of %d approvals), approve at %s", r.ID, r.Approvals(), r.Required, orText(svc.URL(r.ID), "atlas-mcp approvals approve "+r.ID))
		if tok == nil {
			return
		}
		params := map[string]any{"progressToken": tok, "progress": n, "message": msg}
		if err := s.mcp.SendNotificationToClient(ctx, "notifications/progress", params); err != nil {
			s.log.Debug("progress notification not sent", zap.Error(err))
		}
	})
	return r
}

// resumeApproval redeems an approval for this call: only an approved request
// of this agent and tool whose plan hash equals this call's, and only once.
func (s *Server) resumeApproval(ctx context.Context, cs *callState, id string) bool {
	svc := s.opts.Approvals
	if svc == nil {
		cs.confirmation = "approval_invalid"
		cs.result = errorResult("Refused: this server has no approval store, so approvalId cannot be checked. Nothing was sent to Atlas. Call again without approvalId.")
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_INVALID"}
		return true
	}
	r, err := svc.Redeem(ctx, id, approvalPlanHash(cs), agentName(cs.agent), cs.tool.Name)
	if errors.Is(err, approvals.ErrPending) && s.opts.Policy.ApprovalWait() > 0 {
		if w := s.waitDecision(ctx, cs, id); w != nil && w.Status != approvals.StatusPending {
			r, err = svc.Redeem(ctx, id, approvalPlanHash(cs), agentName(cs.agent), cs.tool.Name)
		}
	}
	if r != nil && r.Agent == agentName(cs.agent) {
		cs.approval = r
	}
	switch {
	case err == nil:
		cs.confirmation = "approved"
		return false
	case errors.Is(err, approvals.ErrPending):
		cs.confirmation = "approval_requested"
		s.pendingAnswer(cs, r)
	case errors.Is(err, approvals.ErrDenied):
		d, _ := r.DeniedBy()
		cs.confirmation = "approval_denied"
		cs.result = errorResult(fmt.Sprintf("Not executed: %s denied approval %s: %s. Nothing was sent to Atlas. Do not retry unless the reason is addressed.", d.Approver, id, d.Reason))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_DENIED", Message: d.Reason}
	case errors.Is(err, approvals.ErrExpired):
		cs.confirmation = "approval_expired"
		cs.result = errorResult(fmt.Sprintf("Refused: approval %s expired without a decision. Nothing was sent to Atlas. Call %s again without approvalId to ask anew.", id, cs.tool.Name))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_EXPIRED"}
	case errors.Is(err, approvals.ErrPlanMismatch):
		cs.confirmation = "approval_invalid"
		cs.result = errorResult(fmt.Sprintf("Refused: approval %s was given for a different call; these arguments make a different plan from the one the person approved. Nothing was sent to Atlas. Call again without approvalId to ask for this one.", id))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_PLAN_MISMATCH"}
	case errors.Is(err, approvals.ErrUsed):
		cs.confirmation = "approval_invalid"
		cs.result = errorResult(fmt.Sprintf("Refused: approval %s was already used; an approval runs one call once. Nothing was sent to Atlas.", id))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_USED"}
	case errors.Is(err, approvals.ErrNotFound):
		cs.confirmation = "approval_invalid"
		cs.result = errorResult(fmt.Sprintf("Refused: %q is not an approval of this agent for %s. Nothing was sent to Atlas. Never invent an approvalId; call again without it to ask for approval.", id, cs.tool.Name))
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_INVALID"}
	default:
		s.log.Error("approval not redeemed", zap.Error(err))
		cs.confirmation = "approval_invalid"
		cs.result = errorResult("Refused: the approval store cannot be read (" + err.Error() + "). Nothing was sent to Atlas. Tell the operator.")
		cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_UNAVAILABLE"}
	}
	return true
}

// pendingAnswer tells the agent what waits, where a person approves it, and
// exactly how to resume.
func (s *Server) pendingAnswer(cs *callState, r *approvals.Request) {
	svc := s.opts.Approvals
	var args map[string]any
	_ = json.Unmarshal(withoutResumeFields(cs.raw), &args)
	if args == nil {
		args = map[string]any{}
	}
	var withheld []string
	if cs.plan != nil {
		withheld = withholdSecrets(args, cs.plan.SecretValues())
	}
	args["approvalId"] = r.ID
	url := svc.URL(r.ID)
	where := "the approval console (/approvals)"
	if url != "" {
		where = url
	}
	left := time.Until(r.ExpiresAt).Round(time.Second)
	cs.result = errorResult(fmt.Sprintf("Not executed yet: %s needs approval by %s (%s). Request %s is pending: a person approves it at %s or with `atlas-mcp approvals approve %s`. Tell the person; do not approve it yourself (agents cannot). Once approved, call %s again with exactly the same arguments plus \"approvalId\": %q.%s It expires in %s.",
		cs.tool.Name, approverWord(r.Required), orText(cs.decision.ConfirmWhy, "policy"), r.ID, where, r.ID, cs.tool.Name, r.ID, withheldText(withheld), left))
	cs.result.StructuredContent = map[string]any{
		"status":            "pending",
		"approvalId":        r.ID,
		"approvalUrl":       url,
		"requiredApprovals": r.Required,
		"approvals":         r.Approvals(),
		"expiresAt":         r.ExpiresAt.UTC().Format(time.RFC3339),
		"resume":            map[string]any{"tool": cs.tool.Name, "arguments": args},
		"message":           r.Rendering.Title,
	}
	cs.outcome = audit.Outcome{ErrorCode: "APPROVAL_PENDING"}
}

// withheldSecret stands in, in the resume arguments of a pending answer, for
// a secret the agent sent (a password, a notification's API key).
const withheldSecret = "<withheld: send the value you sent the first time>"

// withholdSecrets replaces, in place, every string in v equal to one of the
// plan's secret values, and says where. The agent sent them itself, but a
// pending answer is shown and logged by hosts, and it waits minutes or hours:
// the secret is not repeated in it. The approval is bound to the plan hash,
// which commits to the secret values, so resuming with the placeholder
// instead of the value is refused as a different call, not sent.
func withholdSecrets(v any, secrets []string) []string {
	if len(secrets) == 0 {
		return nil
	}
	is := make(map[string]bool, len(secrets))
	for _, s := range secrets {
		is[s] = true
	}
	var where []string
	var walk func(v any, path string) any
	walk = func(v any, path string) any {
		switch x := v.(type) {
		case string:
			if is[x] {
				where = append(where, path)
				return withheldSecret
			}
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e, joinPath(path, k))
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
		return v
	}
	walk(v, "")
	sort.Strings(where)
	return where
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func withheldText(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return fmt.Sprintf(" The secret values you sent (%s) are not repeated here: send them again as you did.", strings.Join(where, ", "))
}

func approverWord(n int) string {
	if n <= 1 {
		return "a person"
	}
	return fmt.Sprintf("%d different people", n)
}

// auditApproval is the approval as the audit record shows it.
func auditApproval(r *approvals.Request) *audit.Approval {
	if r == nil {
		return nil
	}
	a := &audit.Approval{ID: r.ID, Status: string(r.Status), PlanHash: r.PlanHash, Required: r.Required, ExpiresAt: r.ExpiresAt.UTC().Format(time.RFC3339)}
	for _, d := range r.Decisions {
		dec := "deny"
		if d.Approve {
			dec = "approve"
		}
		a.Decisions = append(a.Decisions, audit.ApprovalDecision{Approver: d.Approver, Rule: d.Rule, Issuer: d.Issuer, Subject: d.Subject, Decision: dec, Reason: d.Reason, Time: d.At.UTC().Format(time.RFC3339Nano)})
	}
	return a
}

// auditDecision records an approver's decision made in this server's console
// when it is made, not only when the agent resumes (it may never). The CLI
// and `approvals serve` record theirs the same way (DecisionRecord).
func (s *Server) auditDecision(ctx context.Context, r *approvals.Request, approver string) {
	if err := s.opts.Audit.Append(context.WithoutCancel(ctx), DecisionRecord(r, approver)); err != nil {
		s.log.Error("audit write of an approval decision failed", zap.Error(err))
	}
}

// DecisionRecord is the audit record of the last decision on r, by approver:
// one shape wherever the decision was made (this server's console, `atlas-mcp
// approvals approve|deny`, `approvals serve`).
func DecisionRecord(r *approvals.Request, approver string) *audit.Record {
	last := r.Decisions[len(r.Decisions)-1]
	// A token decision keeps its rule as before ("approvers.alice"); a person
	// who signed in with the identity provider is named with the match rule
	// that made them this approver.
	who, rule := approver, "approvers."+approver
	if last.Subject != "" {
		who += " (" + last.Subject + ")"
		rule = orText(last.Rule, rule)
	}
	return &audit.Record{
		Agent:        r.Agent,
		Tool:         r.Tool,
		Area:         r.Area,
		Decision:     audit.Decision{Allow: last.Approve, Rule: rule, Reason: last.Reason},
		Confirmation: "approval_decision",
		Outcome:      audit.Outcome{OK: true, Message: fmt.Sprintf("%s %s by %s", r.ID, map[bool]string{true: "approved", false: "denied"}[last.Approve], who)},
		Approval:     auditApproval(r),
	}
}

// approvalSweep is how often the server expires requests past due, so their
// expiry is announced and recorded even if nobody looks at them.
const approvalSweep = 15 * time.Second

// initApprovals records expiries this process notices and starts the sweeper.
func (s *Server) initApprovals() {
	svc := s.opts.Approvals
	if svc == nil {
		return
	}
	svc.SetOnEvent(s.approvalEvent)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(approvalSweep)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := svc.Sweep(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("approval sweep failed", zap.Error(err))
				}
			}
		}
	}()
	s.stopSweep = func() { cancel(); <-done }
}

// approvalEvent records a request that expired without a decision: only the
// process whose update expired it is told, so it is recorded once.
func (s *Server) approvalEvent(ctx context.Context, ev approvals.Event, r *approvals.Request) {
	if ev != approvals.EventExpired {
		return
	}
	rec := &audit.Record{
		Agent:        r.Agent,
		Tool:         r.Tool,
		Area:         r.Area,
		Decision:     audit.Decision{Allow: false, Rule: orText(r.Rule, "approval"), Reason: "approval request expired"},
		Confirmation: "approval_expired",
		Outcome:      audit.Outcome{ErrorCode: "APPROVAL_EXPIRED", Message: r.ID + " expired with " + fmt.Sprint(r.Approvals()) + " of " + fmt.Sprint(r.Required) + " approvals"},
		Approval:     auditApproval(r),
	}
	if err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec); err != nil {
		s.log.Error("audit write of an expired approval failed", zap.Error(err))
	}
}

// hostCanElicitForm: a host that declares elicitation without naming modes
// supports forms (the spec's default); one that lists modes must list form.
func hostCanElicitForm(ctx context.Context) bool {
	e := elicitationCap(ctx)
	return e != nil && (e.Form != nil || e.URL == nil)
}

// hostCanElicitURL: the host can open a page (URL-mode elicitation).
func hostCanElicitURL(ctx context.Context) bool {
	e := elicitationCap(ctx)
	return e != nil && e.URL != nil
}

func elicitationCap(ctx context.Context) *mcp.ElicitationCapability {
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		if info.ClientCapabilities == nil {
			return nil
		}
		return info.ClientCapabilities.Elicitation
	}
	if ci, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok {
		return ci.GetClientCapabilities().Elicitation
	}
	return nil
}

// storedConfirmation is a pending confirmation (elicitation state or token)
// as kept in the shared store, so the leg that answers it may reach any
// replica, and a token issued by one `call` process can be redeemed by the
// next.
type storedConfirmation struct {
	Kind          pendingKind `json:"kind"`
	Agent         string      `json:"agent"`
	Tool          string      `json:"tool"`
	PlanHash      string      `json:"planHash"`
	TypeToConfirm string      `json:"typeToConfirm,omitempty"`
}

// addConfirmation keeps a pending confirmation in memory (so an unanswered
// one is still audited at expiry) and, with a store, in the store.
func (s *Server) addConfirmation(ctx context.Context, p *pending, ttl time.Duration) string {
	id := s.pending.add(p, ttl)
	if svc := s.opts.Approvals; svc != nil {
		b, _ := json.Marshal(storedConfirmation{Kind: p.kind, Agent: p.agent, Tool: p.tool, PlanHash: p.planHash, TypeToConfirm: p.typeToConfirm})
		if err := svc.Store().PutState(ctx, "confirm:"+id, b, p.expires); err != nil {
			s.log.Warn("confirmation state not shared; only this process can redeem it", zap.Error(err))
		}
	}
	return id
}

// takeConfirmation redeems a confirmation once: with a store, the store's
// atomic take decides, whichever process or replica asks.
func (s *Server) takeConfirmation(ctx context.Context, id string) (*pending, bool) {
	local, ok := s.pending.take(id)
	svc := s.opts.Approvals
	if svc == nil {
		return local, ok
	}
	b, found, err := svc.Store().TakeState(ctx, "confirm:"+id, s.now())
	if err != nil || !found {
		if err != nil {
			s.log.Warn("confirmation state unreadable", zap.Error(err))
		}
		return local, ok && err != nil // a store error falls back to what this process knows
	}
	var sc storedConfirmation
	if json.Unmarshal(b, &sc) != nil {
		return nil, false
	}
	p := &pending{kind: sc.Kind, agent: sc.Agent, tool: sc.Tool, planHash: sc.PlanHash, typeToConfirm: sc.TypeToConfirm}
	if ok {
		p.cs = local.cs
	}
	return p, true
}

// mountApprovals serves the approval console beside /mcp.
func (s *Server) mountApprovals(mux *http.ServeMux) {
	if s.opts.Approvals == nil {
		return
	}
	c := approvals.NewConsole(s.opts.Approvals, s.opts.Policy, "/approvals")
	// Approvers are the reloaded policy's, not the startup one's: removing
	// an approver or rotating a token takes effect on the next request.
	c.PolicyFrom(func() *policy.Policy { return s.live.Load().policy })
	c.OnDecision(s.auditDecision)
	if s.opts.ConsoleSSO != nil {
		if err := c.UseSSO(s.opts.ConsoleSSO); err != nil {
			s.log.Error("approval console: sign-in with the identity provider is off", zap.Error(err))
		}
	}
	mux.Handle("/approvals", c)
	mux.Handle("/approvals/", c)
}
