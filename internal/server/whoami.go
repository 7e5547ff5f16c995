package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

const whoamiName = "atlas-whoami"

// Whoami is the built-in tool every agent is offered beside the catalogue
// (it makes no Atlas call), for listings such as `atlas-mcp tools`.
func Whoami() (name, title, description string) {
	t := whoamiTool(false)
	return t.Name, t.Annotations.Title, t.Description
}

// whoamiTool is the tool as listed; withOutput advertises its output schema
// (Options.OutputSchemas).
func whoamiTool(withOutput bool) mcp.Tool {
	schema := json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
	t := mcp.NewToolWithRawSchema(whoamiName, "Show your agent, the areas, access, projects and orgs granted to you, denied tools, limits and confirmation rules.", schema)
	if withOutput {
		t.RawOutputSchema = json.RawMessage(`{"type":"object","properties":{"agent":{"type":"object"}}}`)
	}
	t.Annotations = mcp.ToolAnnotation{
		Title:           "Who am I",
		ReadOnlyHint:    mcp.ToBoolPtr(true),
		DestructiveHint: mcp.ToBoolPtr(false),
		IdempotentHint:  mcp.ToBoolPtr(true),
		OpenWorldHint:   mcp.ToBoolPtr(false),
	}
	return t
}

// whoami answers from the policy alone; like every call it is audited.
func (s *Server) whoami(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	start := s.now()
	session, host := sessionInfo(ctx)
	agent := s.agentFor(ctx)
	rec := &audit.Record{PolicyHash: s.policyFor(ctx).Hash(), Session: session, Host: host, Tool: whoamiName, Access: "read", Decision: audit.Decision{Allow: agent != nil, Rule: "builtin.whoami"}, Confirmation: "not_needed", Principal: principal(ctx)}
	var res *mcp.CallToolResult
	if agent == nil {
		res = errorResult("Refused: no agent identity for this connection. The policy has no default agent for stdio; set default: true on one agent.")
		rec.Outcome = audit.Outcome{ErrorCode: "NO_AGENT"}
	} else {
		rec.Agent = agent.Name
		sum := agent.Summary()
		b, _ := json.MarshalIndent(sum, "", "  ")
		text := fmt.Sprintf("You are agent %q. Your grants, limits and confirmation rules:\n%s", agent.Name, b)
		if s.policyFor(ctx).ReadOnly() {
			text += "\nThe server runs read-only: no write tool is available."
		}
		structured := map[string]any{"agent": sum, "readOnly": s.policyFor(ctx).ReadOnly(), "disableDestructive": s.policyFor(ctx).DisableDestructive()}
		if pr := principal(ctx); pr != nil {
			text += fmt.Sprintf("\nYour access token (issuer %s, subject %s) was mapped to this agent by the policy rule %s.", pr.Issuer, pr.Subject, pr.Match)
			structured["identity"] = pr
		}
		res = &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(text)}, StructuredContent: structured}
		rec.Outcome = audit.Outcome{OK: true}
	}
	rec.DurationMs = ms(s.now().Sub(start))
	if err := s.opts.Audit.Append(context.WithoutCancel(ctx), rec); err != nil {
		return errorResult("The audit log could not be written (" + err.Error() + "), so this answer is withheld."), nil
	}
	return res, nil
}
