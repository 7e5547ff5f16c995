package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// policyCommand: `policy explain --agent A TOOL 'JSON'` prints the decision, the
// deciding rule and the reason, for people writing policies. It sends nothing.
func policyCommand(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "explain" {
		return fmt.Errorf("usage: atlas-mcp policy explain [--agent NAME] TOOL ['JSON-ARGS']")
	}
	fs := flag.NewFlagSet("policy explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agentName := fs.String("agent", "", "agent name (default: the policy's default agent)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || len(rest) > 2 {
		return fmt.Errorf("usage: atlas-mcp policy explain [--agent NAME] TOOL ['JSON-ARGS']")
	}
	p, err := loadPolicy(cfg)
	if err != nil {
		return err
	}
	agent := p.DefaultAgent()
	if *agentName != "" {
		if agent = p.Agent(*agentName); agent == nil {
			return fmt.Errorf("--agent %q: no such agent in the policy", *agentName)
		}
	}
	if agent == nil {
		return fmt.Errorf("the policy has no default agent: pass --agent")
	}
	t := tools.Find(tools.ForCloud(cfg.cloud()), rest[0])
	if t == nil {
		return fmt.Errorf("unknown tool %q (see atlas-mcp tools)", rest[0])
	}
	raw := json.RawMessage("{}")
	if len(rest) == 2 {
		raw = json.RawMessage(rest[1])
	}
	env := &tools.Env{Cloud: cfg.cloud(), DefaultProjectID: cfg.ProjectID, DefaultOrgID: cfg.OrgID}
	call, err := t.Decode(raw, env)
	if err != nil {
		return fmt.Errorf("the arguments would be refused before any policy decision: %w", err)
	}
	// explain makes no Atlas call, so it cannot build a plan that starts from
	// Atlas's state: it judges the call's scope; a real call is judged on its plan.
	pc := server.PolicyCall(t, call.Facts)
	fmt.Fprintln(stdout, p.Explain(agent, pc))
	if t.Access == tools.Write {
		fmt.Fprintln(stdout, "Note: this judges the arguments' scope only. A real call is judged on its plan: every tier, region, entry, role and project in the exact requests it would send (see dryRun).")
	}
	if !p.Decide(agent, pc).Allow {
		return exitError{code: 1}
	}
	return nil
}
