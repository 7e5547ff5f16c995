package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

func errorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(text)}, IsError: true}
}

// withAuditSeq adds to a write's structured answer the sequence numbers of
// its audit records, so a change ticket can cite them (and `audit prove`
// can show they were logged). The tool's own structure is kept: it is
// re-encoded as an object with two more members.
func withAuditSeq(res *mcp.CallToolResult, cs *callState) *mcp.CallToolResult {
	if cs.intentSeq == 0 || res == nil || res.IsError || res.StructuredContent == nil {
		return res
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return res
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m == nil {
		return res
	}
	m["auditSeq"], m["auditIntentSeq"] = cs.auditSeq, cs.intentSeq
	out := *res
	out.StructuredContent = m
	return &out
}

func (s *Server) successAnswer(r *tools.Result) *mcp.CallToolResult {
	var b strings.Builder
	if s.opts.Sandbox {
		b.WriteString("[sandbox: simulated Atlas] ")
	}
	if r.Notice != "" {
		b.WriteString("Notice: " + r.Notice + "\n")
	}
	b.WriteString(r.Summary)
	if r.Data != "" {
		b.WriteString("\n")
		b.WriteString(fence(r.Data))
	}
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(b.String())}, StructuredContent: r.Structured}
}

// errorAnswer splits errors by who can act: what the agent or user can fix
// becomes an isError result with actionable text; an unexpected error is
// logged and reported without internals.
func (s *Server) errorAnswer(err error) (*mcp.CallToolResult, audit.Outcome) {
	var (
		ve   *tools.ValidationError
		ge   *tools.GovRuleError
		se   *tools.StateError
		we   *tools.WaitError
		api  *atlasclient.APIError
		text string
		out  audit.Outcome
	)
	switch {
	case errors.As(err, &ve):
		text = "Invalid argument: " + ve.Error() + ". Nothing was sent to Atlas."
		out = audit.Outcome{ErrorCode: "INVALID_ARGUMENT", Message: ve.Field}
	case errors.As(err, &ge):
		text = "Refused before sending: " + ge.Error() + "."
		out = audit.Outcome{ErrorCode: "GOV_RULE", Message: ge.Rule}
	case errors.As(err, &we):
		text = "Stopped waiting: " + we.Error()
		out = audit.Outcome{ErrorCode: audit.CodeWaitStopped, Message: we.LastState}
	case errors.As(err, &api):
		text = apiErrorText(api)
		// A tool that wrapped the error said what it was reading for.
		if why, ok := strings.CutSuffix(err.Error(), ": "+api.Error()); ok && why != "" {
			text = "While " + why + ": " + text
		}
		out = audit.Outcome{Status: api.Status, ErrorCode: api.ErrorCode, Message: truncate(api.Detail, 200)}
	case errors.As(err, &se):
		text = "Not done: " + se.Error() + "."
		out = audit.Outcome{ErrorCode: "STATE_CONFLICT", Message: se.Error()}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		text = "The call was cancelled or ran out of time before Atlas answered (" + err.Error() + "). A write may or may not have been applied: check with the matching list or get tool before retrying."
		out = audit.Outcome{ErrorCode: audit.CodeCancelled, Message: err.Error()}
	default:
		s.log.Warn("tool call failed", zap.Error(err))
		text = "The call failed: " + err.Error() + ". If this persists, check connectivity to Atlas (MONGODB_ATLAS_BASE_URL) and the server's log."
		out = audit.Outcome{ErrorCode: "CALL_FAILED", Message: truncate(err.Error(), 200)}
	}
	return errorResult(text), out
}

func apiErrorText(e *atlasclient.APIError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Atlas answered %d %s for %s %s.", e.Status, e.ErrorCode, e.Method, e.Path)
	if e.Hint != "" {
		b.WriteString(" What to do: " + e.Hint)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " Retry after %s.", e.RetryAfter)
	}
	if e.Detail != "" {
		b.WriteString("\n" + fence("detail: "+e.Detail))
	}
	return b.String()
}

func refusalText(d policy.Decision) string {
	where := d.Rule
	if d.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", d.Rule, d.Line)
	}
	return fmt.Sprintf("Refused by policy rule %s: %s Nothing was sent to Atlas.", where, ensureStop(d.Reason))
}

func ensureStop(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// dryRunAnswer shows the plan: the exact requests a write would send (secrets
// masked), what a person would be shown, and what the real call would meet,
// as confirm would decide it: a person asked, a token to approve, or a
// refusal on a host that cannot ask.
func (s *Server) dryRunAnswer(ctx context.Context, cs *callState) (*mcp.CallToolResult, audit.Outcome) {
	redacted, err := s.redactedPlan(cs.plan)
	if err != nil {
		return s.errorAnswer(err)
	}
	pretty, _ := json.MarshalIndent(redacted, "", "  ")
	text := fmt.Sprintf("Dry run of %s: policy allows it (rule %s)", cs.tool.Name, cs.decision.Rule)
	next := "it would run at once"
	if cs.decision.Confirm {
		switch {
		case hostCanElicit(ctx):
			next = "when it runs, a person will be asked to confirm it (" + cs.decision.ConfirmWhy + ")"
		case s.policyFor(ctx).WithoutElicitation() == "token":
			next = "it would need a person's approval: this host cannot ask, so the call would return a one-time confirmationToken instead of running, for a person to approve (" + cs.decision.ConfirmWhy + ")"
		default:
			text = fmt.Sprintf("Dry run of %s: it would be refused. The policy allows it (rule %s) only with a person's confirmation", cs.tool.Name, cs.decision.Rule)
			next = "(" + orText(cs.decision.ConfirmWhy, "policy") + "), and this host does not support MCP elicitation, so nobody can be asked (confirm.withoutElicitation: refuse)"
		}
	}
	text += "; " + next + ". Nothing was sent. A person would see:\n" + cs.plan.Render.Text() + "\n\nIt would send (plan " + cs.planHash + "):\n" + string(pretty)
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: map[string]any{"dryRun": true, "plan": redacted, "planHash": cs.planHash, "rendering": cs.plan.Render},
	}, audit.Outcome{OK: true, Message: "dry run"}
}

// redactedPlan is the plan as it may be shown and recorded: secret body
// members masked by the tool, configured credentials masked by value.
func (s *Server) redactedPlan(p *tools.Plan) (any, error) {
	raw, err := json.Marshal(p.Redacted())
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(audit.RedactJSON(raw, s.opts.Secrets), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// renderWithNames names every project of a rendering by name and ID, so a
// person is never asked to recognise a 24-hex ID alone. A project that cannot
// be read keeps its ID.
func (s *Server) renderWithNames(ctx context.Context, r tools.Rendering) tools.Rendering {
	for _, id := range projectIDsIn(r) {
		name, err := tools.ProjectName(ctx, s.opts.Env, id)
		if err != nil || name == "" {
			continue
		}
		named := "project " + name + " (" + id + ")"
		r.Title = strings.ReplaceAll(r.Title, "project "+id, named)
		lines := make([]string, len(r.Lines))
		for i, l := range r.Lines {
			lines[i] = strings.ReplaceAll(l, "project "+id, named)
		}
		r.Lines = lines
	}
	return r
}

func projectIDsIn(r tools.Rendering) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range append([]string{r.Title}, r.Lines...) {
		for i := 0; ; {
			j := strings.Index(t[i:], "project ")
			if j < 0 {
				break
			}
			start := i + j + len("project ")
			if start+24 <= len(t) && isHex24(t[start:start+24]) && !seen[t[start:start+24]] {
				seen[t[start:start+24]] = true
				out = append(out, t[start:start+24])
			}
			i = start
		}
	}
	return out
}

func isHex24(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
