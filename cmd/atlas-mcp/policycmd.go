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
func policyCommand(ctx context.Context, cfg *config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "explain" {
		return fmt.Errorf("usage: atlas-mcp policy explain [--agent NAME | --token TOKEN] TOOL ['JSON-ARGS']")
	}
	fs := flag.NewFlagSet("policy explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	agentName := fs.String("agent", "", "agent name (default: the policy's default agent)")
	token := fs.String("token", "", "explain for the agent this bearer token maps to (a static token or an OAuth access token; \"-\" reads stdin)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || len(rest) > 2 {
		return fmt.Errorf("usage: atlas-mcp policy explain [--agent NAME | --token TOKEN] TOOL ['JSON-ARGS']")
	}
	if *agentName != "" && *token != "" {
		return fmt.Errorf("give --agent or --token, not both")
	}
	p, err := loadPolicy(cfg)
	if err != nil {
		return err
	}
	agent := p.DefaultAgent()
	if *token != "" {
		tp, id, err := identifyToken(ctx, cfg, *token, stdin, stderr)
		if err != nil {
			return err
		}
		// identifyToken loaded the policy afresh; explain with that one, whose
		// agents the identity belongs to.
		p, agent = tp, id.Agent
		fmt.Fprint(stdout, describeIdentity(p, id, false))
	} else if *agentName != "" {
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
	pc := server.PolicyCall(t, call)
	fmt.Fprintln(stdout, p.Explain(agent, pc))
	if !p.Decide(agent, pc).Allow {
		return exitError{code: 1}
	}
	return nil
}
