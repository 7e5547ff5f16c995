package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// callState travels through the pipeline's stages; each stage reads what the
// earlier ones set and may end the call with a result.
type callState struct {
	tool  *tools.Tool
	req   mcp.CallToolRequest
	start time.Time

	agent   *policy.Agent
	session string
	host    audit.Host
	raw     json.RawMessage
	call    *tools.Call
	// plan is the one object of the call from planning on: what the policy
	// judges, the person approves, the log records and the client sends.
	plan     *tools.Plan
	planHash string
	decision policy.Decision
	// confirmation is the audit's confirmation outcome.
	confirmation string
	recorder     *atlasclient.Recorder

	result  *mcp.CallToolResult
	outcome audit.Outcome
	// noRecord is set on the first leg of a multi round-trip confirmation: the
	// call is not over yet, and the leg that finishes it writes the record.
	noRecord bool
	// intentSeq is the intent record of a write (0: none); auditSeq the
	// call's last record.
	intentSeq, auditSeq uint64
	// approval is the out-of-band approval request of the call (approval.go).
	approval *approvals.Request
}

// stage is one named place of the pipeline. It returns true to stop the call
// (cs.result is then the answer).
type stage struct {
	name string
	run  func(ctx context.Context, cs *callState) bool
}

// stages is the pipeline of DESIGN.md: identify → validate → scope → plan →
// decide → confirm → call. Answer and audit run after whichever stage stopped
// the call.
func (s *Server) stages() []stage {
	return []stage{
		{"identify", s.identify},
		{"validate", s.validate},
		{"scope", s.scope},
		{"plan", s.planCall},
		{"decide", s.decide},
		{"confirm", s.confirm},
		{"intent", s.intent},
		{"call", s.callAtlas},
	}
}

func (s *Server) handler(t *tools.Tool) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		ctx, stop := s.callContext(ctx)
		defer stop()
		cs := &callState{tool: t, req: req, start: s.now(), confirmation: "not_needed"}
		cs.session, cs.host = sessionInfo(ctx)
		s.auditExpired(ctx, false)
		// The call's records are appended with this ctx: a batched fsync
		// waits for them, and only for them, instead of its whole window.
		ctx, endAudit := s.opts.Audit.Begin(ctx)
		defer endAudit()
		// Every Atlas request of the call goes in its record, including the
		// reads a confirmation makes to name its target.
		cs.recorder = atlasclient.NewRecorder()
		ctx = atlasclient.WithRecorder(ctx, cs.recorder)
		for _, st := range s.stages() {
			if st.run(ctx, cs) {
				break
			}
		}
		if cs.result == nil {
			// Every stage passed without an answer: a bug in the pipeline.
			s.log.Error("pipeline produced no result", zap.String("tool", t.Name))
			cs.result = errorResult("internal error: the call produced no answer")
			cs.outcome = audit.Outcome{OK: false, ErrorCode: "INTERNAL"}
		}
		noteShutdown(ctx, cs)
		if cs.noRecord {
			return cs.result, nil
		}
		if err := s.writeAudit(ctx, cs); err != nil {
			return s.auditFailure(cs, err), nil
		}
		return withAuditSeq(cs.result, cs), nil
	}
}

// identify: stdio calls belong to the policy's default agent; HTTP calls to the
// agent of the bearer token, checked before any MCP message was processed.
func (s *Server) identify(ctx context.Context, cs *callState) bool {
	cs.agent = s.agentFor(ctx)
	if cs.agent == nil {
		cs.decision = policy.Decision{Allow: false, Rule: "identify", Reason: "no agent is configured for this connection"}
		cs.result = errorResult("Refused: no agent identity for this connection. The policy has no default agent for stdio; set default: true on one agent.")
		cs.outcome = audit.Outcome{ErrorCode: "NO_AGENT"}
		return true
	}
	if need := requiredScope(ctx, s.policyFor(ctx), cs.tool); need != "" {
		cs.decision = policy.Decision{Allow: false, Rule: "identity.oauth.scopes", Reason: "the access token lacks the scope " + need}
		cs.result = errorResult("Refused: " + cs.tool.Name + " needs the scope " + need + " in your access token; ask your identity provider for a token with it.")
		cs.outcome = audit.Outcome{ErrorCode: "INSUFFICIENT_SCOPE"}
		return true
	}
	// Refuse writes early when the record of them cannot be kept.
	if err := s.auditHealthy(); err != nil && (cs.tool.Access == tools.Write || s.opts.AuditFailReads == "closed") {
		cs.result = errorResult("Refused: the audit log cannot be written (" + err.Error() + "), and calls are not run without a record. Ask the operator to fix the audit log.")
		cs.outcome = audit.Outcome{ErrorCode: "AUDIT_UNAVAILABLE"}
		cs.decision = policy.Decision{Allow: false, Rule: "audit.fail-closed", Reason: "audit log unavailable"}
		return true
	}
	return false
}

// validate: decode into the tool's Go input type, fill defaults, check every
// field. Bad input never reaches Atlas. A tool hidden from the agent is refused
// first, whatever its arguments: the agent learns it may not call it at all.
func (s *Server) validate(ctx context.Context, cs *callState) bool {
	if !s.policyFor(ctx).Visible(cs.agent, ToolInfo(cs.tool)) {
		cs.decision = s.policyFor(ctx).Decide(cs.agent, policy.Call{Tool: ToolInfo(cs.tool)})
		if cs.decision.Allow { // Visible and Decide agree by contract; never run a hidden tool.
			cs.decision = policy.Decision{Rule: "visibility", Reason: "this tool is not offered to agent " + agentName(cs.agent)}
		}
		cs.result = errorResult(refusalText(cs.decision))
		cs.outcome = audit.Outcome{ErrorCode: "POLICY_DENIED", Message: cs.decision.Reason}
		return true
	}
	raw, err := jsonArgs(cs.req)
	if err != nil {
		cs.result = errorResult("Invalid arguments: " + err.Error())
		cs.outcome = audit.Outcome{ErrorCode: "INVALID_ARGUMENT", Message: err.Error()}
		return true
	}
	cs.raw = raw
	call, err := cs.tool.Decode(raw, s.opts.Env)
	if err != nil {
		cs.result, cs.outcome = s.errorAnswer(err)
		cs.decision = policy.Decision{Allow: false, Rule: "validate", Reason: "invalid arguments"}
		return true
	}
	cs.call = call
	return false
}

// scope: before planning reads anything, the agent must be allowed to act
// where the input says it acts (its project or organization). This decision is
// only a gate; the one that counts is made on the plan.
func (s *Server) scope(ctx context.Context, cs *callState) bool {
	if cs.tool.Access != tools.Write {
		return false
	}
	d := s.policyFor(ctx).Decide(cs.agent, PolicyCall(cs.tool, cs.call.Facts))
	if !d.Allow {
		cs.decision = d
		cs.result = errorResult(refusalText(d))
		cs.outcome = audit.Outcome{ErrorCode: "POLICY_DENIED", Message: d.Reason}
		return true
	}
	return false
}

// planCall builds the plan: the exact requests the call will send, the facts
// taken from them, and the rendering a person approves. Its hash is the
// call's identity from here on.
func (s *Server) planCall(ctx context.Context, cs *callState) bool {
	p, err := cs.call.Plan(ctx, agentName(cs.agent))
	if err != nil {
		cs.result, cs.outcome = s.errorAnswer(err)
		cs.decision = policy.Decision{Allow: false, Rule: "plan", Reason: "the call could not be planned"}
		return true
	}
	cs.plan = p
	if !p.ReadOnly {
		h, err := p.Hash()
		if err != nil {
			cs.result, cs.outcome = s.errorAnswer(err)
			return true
		}
		cs.planHash = h
	}
	return false
}

// decide: the policy's pure decision on the plan's facts. A refusal names the
// rule and says what the agent can do about it.
func (s *Server) decide(ctx context.Context, cs *callState) bool {
	pol := s.policyFor(ctx)
	cs.decision = pol.Decide(cs.agent, PolicyCall(cs.tool, cs.plan.Facts))
	if cs.decision.Allow && !cs.plan.ReadOnly && cs.call.JudgedOnStanding() {
		// Allowed on what it sends; now judged with what Atlas holds.
		if err := cs.call.ReadStanding(ctx, cs.plan); err != nil {
			cs.result, cs.outcome = s.errorAnswer(err)
			cs.decision = policy.Decision{Allow: false, Rule: "plan", Reason: "the state the policy judges the call against could not be read"}
			return true
		}
		cs.decision = pol.Decide(cs.agent, PolicyCall(cs.tool, cs.plan.Facts))
	}
	if !cs.decision.Allow {
		cs.result = errorResult(refusalText(cs.decision))
		cs.outcome = audit.Outcome{ErrorCode: "POLICY_DENIED", Message: cs.decision.Reason}
		return true
	}
	if cs.call.DryRun {
		cs.result, cs.outcome = s.dryRunAnswer(ctx, cs)
		return true
	}
	return false
}

// callAtlas runs the tool, with progress forwarded to the host when it asked
// for it; the handler's recorder collects its Atlas requests for the record.
func (s *Server) callAtlas(ctx context.Context, cs *callState) bool {
	if tok := progressToken(cs.req); tok != nil {
		ctx = tools.WithProgress(ctx, func(progress, total float64, message string) {
			params := map[string]any{"progressToken": tok, "progress": progress, "message": message}
			if total > 0 {
				params["total"] = total
			}
			if err := s.mcp.SendNotificationToClient(ctx, "notifications/progress", params); err != nil {
				s.log.Debug("progress notification not sent", zap.Error(err))
			}
		})
	}
	res, err := cs.call.Execute(ctx, cs.plan)
	for _, e := range cs.recorder.Events() {
		if e.Status == http.StatusTooManyRequests || e.Attempts > 3 {
			s.warnHost(ctx, fmt.Sprintf("Atlas is rate limiting %s %s (%d attempts); calls are slowed to fit its token bucket.", e.Method, e.Path, e.Attempts))
			break
		}
	}
	if err != nil {
		cs.result, cs.outcome = s.errorAnswer(err)
		return true
	}
	cs.result = s.successAnswer(res)
	cs.outcome = audit.Outcome{OK: true}
	return true
}

func progressToken(req mcp.CallToolRequest) any {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return nil
	}
	return req.Params.Meta.ProgressToken
}

// PolicyCall translates a call's facts into the policy's terms. For a write
// the facts are the plan's.
func PolicyCall(t *tools.Tool, f tools.Facts) policy.Call {
	pc := policy.Call{Tool: ToolInfo(t), ProjectID: f.ProjectID, OrgID: f.OrgID, Projects: f.Projects}
	pc.Args = policy.Args{
		ClusterName:   f.ClusterName,
		InstanceSizes: f.InstanceSizes,
		Providers:     f.Providers,
		Regions:       f.Regions,
		TotalNodes:    f.TotalNodes,
		MaxDiskSizeGB: f.MaxDiskSizeGB,
		APIKeyRoles:   f.APIKeyRoles,
	}
	for _, c := range f.Clusters {
		pc.Args.Clusters = append(pc.Args.Clusters, policy.ClusterRef{ProjectID: c.ProjectID, Name: c.Name, Overwritten: c.Overwritten})
	}
	for _, r := range f.DBRoles {
		pc.Args.DBRoles = append(pc.Args.DBRoles, policy.Role{Name: r.Name, Database: r.Database, Collection: r.Collection})
	}
	for _, e := range f.AccessEntries {
		pc.Args.AccessEntries = append(pc.Args.AccessEntries, policy.AccessEntry{CIDR: e.CIDR, Comment: e.Comment, DeleteAfter: e.DeleteAfter})
	}
	for _, e := range f.ExistingAccessEntries {
		pc.Args.ExistingAccessEntries = append(pc.Args.ExistingAccessEntries, policy.AccessEntry{CIDR: e.CIDR, Comment: e.Comment})
	}
	return pc
}

// writeAudit builds and appends the call's one record; it returns only after
// the record is durable, so no agent sees the effect of an unrecorded call.
func (s *Server) writeAudit(ctx context.Context, cs *callState) error {
	rec := s.callRecord(ctx, cs)
	if cs.call == nil && len(cs.raw) > 0 {
		var v any
		if json.Unmarshal(tools.RedactJSON(audit.RedactJSON(cs.raw, s.opts.Secrets)), &v) == nil {
			rec.Args = v
		}
	}
	if cs.recorder != nil {
		for _, e := range cs.recorder.Events() {
			rec.Requests = append(rec.Requests, audit.Request{Method: e.Method, Path: e.Path, Status: e.Status, DurationMs: ms(e.Duration), Attempts: e.Attempts})
		}
	}
	linkOutcome(rec, cs)
	// The record must be written even if the host has gone away.
	err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec)
	cs.auditSeq = rec.Seq
	s.auditMu.Lock()
	s.auditBroken = err
	s.auditMu.Unlock()
	if err != nil {
		s.log.Error("audit write failed", zap.String("tool", cs.tool.Name), zap.Error(err))
		s.warnHost(ctx, "atlas-mcp cannot write its audit log; calls are refused until it can: "+err.Error())
	}
	return err
}

// warnHost tells the person at the host about a problem they should see (MCP
// logging notification, level warning). The host decides whether to show it.
func (s *Server) warnHost(ctx context.Context, msg string) {
	n := mcp.NewLoggingMessageNotification(mcp.LoggingLevelWarning, "atlas-mcp", msg)
	if err := s.mcp.SendLogMessageToClient(ctx, n); err != nil {
		s.log.Debug("log notification not sent", zap.Error(err))
	}
}

func (s *Server) auditHealthy() error {
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	return s.auditBroken
}

// auditFailure replaces the answer when the record could not be written. For a
// call that changed Atlas the agent must know it happened all the same.
func (s *Server) auditFailure(cs *callState, err error) *mcp.CallToolResult {
	note := "The audit log could not be written (" + err.Error() + ")."
	switch {
	case !cs.outcome.OK:
		// Nothing happened in Atlas; the refusal or error still holds.
		res := *cs.result
		res.Content = append(append([]mcp.Content(nil), res.Content...), mcp.NewTextContent(note))
		return &res
	case cs.tool.Access == tools.Write && cs.call != nil && !cs.call.DryRun:
		return errorResult("WARNING: the call was carried out in Atlas, but its audit record could not be written (" + err.Error() + "). Further calls are refused until the audit log works again. Tell the operator.")
	case s.opts.AuditFailReads == "open":
		return cs.result
	default:
		return errorResult(note + " The answer is withheld, because calls are not answered without a record (--audit-fail-reads closed).")
	}
}

func agentName(a *policy.Agent) string {
	if a == nil {
		return ""
	}
	return a.Name
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sessionInfo returns the MCP session ID and the host's name and version.
func sessionInfo(ctx context.Context) (string, audit.Host) {
	var host audit.Host
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.ClientInfo != nil {
		host = audit.Host{Name: info.ClientInfo.Name, Version: info.ClientInfo.Version}
	}
	sess := mcpserver.ClientSessionFromContext(ctx)
	if sess == nil {
		return "", host
	}
	if host.Name == "" {
		if ci, ok := sess.(mcpserver.SessionWithClientInfo); ok {
			i := ci.GetClientInfo()
			host = audit.Host{Name: i.Name, Version: i.Version}
		}
	}
	return sess.SessionID(), host
}

// redactArgs masks, in arguments already redacted by type, every secret a
// free-form member holds (an escape-hatch body has no Go type to tag).
func redactArgs(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(tools.RedactJSON(raw), &out) != nil {
		return v
	}
	return out
}
