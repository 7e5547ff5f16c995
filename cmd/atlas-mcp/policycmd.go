package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasspec"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/policy"
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
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
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
	// explain makes no Atlas call: its client refuses to send anything. A
	// plan that needs no read (a create) is built and judged exactly as a
	// call would be; one that starts from Atlas's state (an update, a
	// delete) is judged on its scope, and the output says so.
	offline, err := atlasclient.New(atlasclient.Config{BaseURL: "http://offline.invalid", Credentials: atlasclient.Credentials{ClientID: "explain", ClientSecret: "explain"}, BaseTransport: refuseTransport{}, MaxAttempts: 1})
	if err != nil {
		return err
	}
	env := &tools.Env{Client: offline, Cloud: cfg.cloud(), DefaultProjectID: cfg.ProjectID, DefaultOrgID: cfg.OrgID, Bodies: atlasspec.New()}
	if cfg.Sandbox {
		// As calls against the sandbox do: the demo org and project are the defaults.
		env.DefaultProjectID = cmp.Or(env.DefaultProjectID, atlassim.DemoProjectID)
		env.DefaultOrgID = cmp.Or(env.DefaultOrgID, atlassim.DemoOrgID)
	}
	call, err := t.Decode(raw, env)
	if err != nil {
		return fmt.Errorf("the arguments would be refused before any policy decision: %w", err)
	}
	facts, planned := call.Facts, false
	if t.Access == tools.Write {
		if plan, err := call.Plan(context.Background(), agent.Name); err == nil {
			facts, planned = plan.Facts, true
		} else if !errors.As(err, new(offlineError)) {
			return fmt.Errorf("the call could not be planned: %w", err)
		}
	}
	pc := server.PolicyCall(t, facts)
	fmt.Fprintln(stdout, withPolicyOrigin(p.Explain(agent, pc), cfg))
	if t.Access == tools.Write && !planned {
		fmt.Fprintln(stdout, "Note: this call's plan starts from what it reads in Atlas, which explain does not contact, so this judges the arguments' scope only. A real call is judged on its plan: every tier, region, entry, role and project in the exact requests it would send (see dryRun).")
	}
	if planned && call.JudgedOnStanding() {
		fmt.Fprintln(stdout, "Note: a real call allowed on its plan is judged again with what Atlas holds (for an access list, the entries it has already: new ones may not complete the whole internet with them), which explain does not read.")
	}
	if !p.Decide(agent, pc).Allow {
		return exitError{code: 1}
	}
	return nil
}

// refuseTransport is the offline client's network: it sends nothing.
type refuseTransport struct{}

// offlineError is what the offline client answers every request with.
type offlineError struct{}

func (offlineError) Error() string { return "policy explain makes no Atlas call" }

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, offlineError{} }

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
