package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/policy"
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
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
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
		return fmt.Errorf("%s has no default agent: pass --agent NAME (one of %s), or set default: true on the agent that stdio and the CLI should act as", p.Source(), strings.Join(agentNames(p), ", "))
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
	if cfg.Sandbox {
		// As calls against the sandbox do: the demo org and project are the defaults.
		env.DefaultProjectID = cmp.Or(env.DefaultProjectID, atlassim.DemoProjectID)
		env.DefaultOrgID = cmp.Or(env.DefaultOrgID, atlassim.DemoOrgID)
	}
	call, err := t.Decode(raw, env)
	if err != nil {
		return fmt.Errorf("the arguments would be refused before any policy decision: %w", err)
	}
	pc := server.PolicyCall(t, call)
	fmt.Fprintln(stdout, withPolicyOrigin(p.Explain(agent, pc), cfg))
	if !p.Decide(agent, pc).Allow {
		return exitError{code: 1}
	}
	return nil
}

// withPolicyOrigin completes the explanation's first line ("policy: FILE")
// with the absolute file and what chose it, or says how to choose one when
// the built-in default was used.
func withPolicyOrigin(explained string, cfg *config) string {
	first, rest, _ := strings.Cut(explained, "\n")
	if cfg.PolicyPath == "" {
		first += " (no --policy or ATLAS_MCP_POLICY given)"
	} else {
		abs, err := filepath.Abs(cfg.PolicyPath)
		if err != nil {
			abs = cfg.PolicyPath
		}
		first = "policy:   " + abs + " (from " + cfg.PolicyFrom + ")"
	}
	return first + "\n" + rest
}

func agentNames(p *policy.Policy) []string {
	var out []string
	for _, a := range p.Agents() {
		out = append(out, a.Name)
	}
	return out
}
