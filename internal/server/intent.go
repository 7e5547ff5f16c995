package server

import (
	"context"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// intent records, before the first write request leaves, what the call is
// about to send: agent, tool, plan hash, redacted plan, decision and
// confirmation. Append returns only once the record is fsynced, so a write
// that reaches Atlas always has a record, even if the process is killed
// before Atlas answers; `audit verify` then lists the intent as unfinished.
// If the intent cannot be written, nothing is sent.
func (s *Server) intent(ctx context.Context, cs *callState) bool {
	if cs.tool.Access != tools.Write || cs.call == nil || cs.call.DryRun {
		return false // reads and refusals keep their one record
	}
	hash, plan := s.intentPlan(cs)
	rec := s.callRecord(ctx, cs)
	rec.Kind, rec.PlanHash, rec.Plan = audit.KindIntent, hash, audit.Redact(plan, s.opts.Secrets)
	rec.Outcome = audit.Outcome{}
	rec.Requests = nil // reads a confirmation made are listed in the outcome
	err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec)
	s.auditMu.Lock()
	s.auditBroken = err
	s.auditMu.Unlock()
	if err != nil {
		s.log.Error("audit intent not written; the write is not sent", zap.String("tool", cs.tool.Name), zap.Error(err))
		cs.result = errorResult("Refused: the audit record of this write could not be written before sending it (" + err.Error() + "). Nothing was sent to Atlas. Ask the operator to fix the audit log (free disk space, permissions).")
		cs.outcome = audit.Outcome{ErrorCode: audit.CodeAuditUnavailable, Message: "intent not recorded"}
		return true
	}
	cs.intentSeq = rec.Seq
	return false
}

// intentPlan is what the intent records as the call's plan, and its hash:
// the plan's own hash (secrets enter it only as keyed commitments) and the
// plan with its secrets masked.
func (s *Server) intentPlan(cs *callState) (hash string, plan any) {
	p, err := s.redactedPlan(cs.plan)
	if err != nil {
		return cs.planHash, map[string]string{"error": "plan could not be redacted: " + err.Error()}
	}
	return cs.planHash, p
}

// callRecord is what every record of a call says about who asked for what.
func (s *Server) callRecord(ctx context.Context, cs *callState) *audit.Record {
	rec := &audit.Record{
		Agent:        agentName(cs.agent),
		PolicyHash:   s.policyFor(ctx).Hash(),
		Session:      cs.session,
		Host:         cs.host,
		Tool:         cs.tool.Name,
		Area:         string(cs.tool.Area),
		Access:       string(cs.tool.Access),
		Decision:     audit.Decision{Allow: cs.decision.Allow, Rule: cs.decision.Rule, Reason: cs.decision.Reason},
		Confirmation: audit.Confirmation(cs.confirmation),
		Outcome:      cs.outcome,
		DurationMs:   ms(s.now().Sub(cs.start)),
		Principal:    principal(ctx),
		Approval:     auditApproval(cs.approval),
	}
	if cs.call != nil {
		rec.DryRun = cs.call.DryRun
		rec.Args = redactArgs(audit.Redact(cs.call.Input, s.opts.Secrets))
	}
	if cs.plan != nil {
		// The secrets the call carries (a password it sets) are scrubbed
		// from the whole record, wherever they turn up: Atlas's error
		// message, a reason.
		rec.Scrub = cs.plan.SecretValues()
	}
	return rec
}

// linkOutcome makes the closing record of a write name its intent.
func linkOutcome(rec *audit.Record, cs *callState) {
	if cs.intentSeq != 0 {
		rec.Kind, rec.Intent = audit.KindOutcome, cs.intentSeq
	}
}
