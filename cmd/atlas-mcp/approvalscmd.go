package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

const approvalsUsage = `usage:
  atlas-mcp [flags] approvals list [--all] [--json]
  atlas-mcp [flags] approvals show ID [--json]
  atlas-mcp [flags] approvals approve ID [--reason TEXT]
  atlas-mcp [flags] approvals deny ID --reason TEXT
  atlas-mcp [flags] approvals serve --listen ADDR

list, show, approve and deny act as the approver whose token is in
ATLAS_MCP_APPROVER_TOKEN (an approver of the policy, never an agent).
The store is --approvals-store / ATLAS_MCP_APPROVALS_STORE (default: approvals.db
next to the audit log); the policy (--policy) names the approvers.`

// approvalsCommand is `atlas-mcp approvals …`: people at a terminal deciding
// approval requests, or the console served alone over the same store.
func approvalsCommand(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", approvalsUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("approvals "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	all := fs.Bool("all", false, "list decided and expired requests too")
	reason := fs.String("reason", "", "why (required to deny)")
	listen := fs.String("listen", "127.0.0.1:8081", "address of the console (serve)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	p, err := loadPolicy(withUnsetTokens(cfg))
	if err != nil {
		return err
	}
	if len(p.Approvers()) == 0 {
		return fmt.Errorf("the policy names no approvers; add an approvers: section (see the README, Approvals) and pass it with --policy")
	}
	listenAddr := ""
	if sub == "serve" {
		listenAddr = *listen
	}
	log, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		return err
	}
	svc, closeFn, err := openApprovalService(ctx, cfg, approvalsStoreURL(cfg, defaultAuditPath(cfg)), consoleURL(cfg, listenAddr), log)
	if err != nil {
		return err
	}
	defer closeFn()

	// A decision is recorded where it is made, in the audit log the server
	// writes (the same flag, variable or default): a request approved here
	// may never be resumed, and its decision must not live only in the
	// store. The log is opened before anything is decided, so a decision
	// cannot be taken that could not be recorded.
	var decisions *audit.Log
	if sub == "serve" || sub == "approve" || sub == "deny" {
		if decisions, err = openAudit(cfg, log, stdout, stderr, audit.Observer{}); err != nil {
			return fmt.Errorf("approval decisions are recorded in the audit log, which cannot be opened: %w", err)
		}
		defer decisions.Close()
	}
	record := func(ctx context.Context, r *approvals.Request, approver string) {
		if err := decisions.Append(context.WithoutCancel(ctx), server.DecisionRecord(r, approver)); err != nil {
			fmt.Fprintf(stderr, "atlas-mcp: the decision on %s was made but its audit record could not be written: %v\n", r.ID, err)
		}
	}

	if sub == "serve" {
		console := approvals.NewConsole(svc, p, "/approvals")
		console.OnDecision(record)
		sso, err := consoleSSO(ctx, cfg, p, svc.Store(), log)
		if err != nil {
			return err
		}
		if sso != nil {
			if err := console.UseSSO(sso); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "atlas-mcp: approvers may sign in with %s\n", sso.Issuer())
		}
		return console.Serve(ctx, *listen, func(addr string) {
			fmt.Fprintf(stderr, "atlas-mcp: serving the approval console at http://%s/approvals\n", addr)
		})
	}
	approver, err := cliApprover(cfg, p)
	if err != nil {
		return err
	}
	need := func(n int) error {
		if len(pos) != n {
			return fmt.Errorf("%s", approvalsUsage)
		}
		return nil
	}
	switch sub {
	case "list":
		if err := need(0); err != nil {
			return err
		}
		var st []approvals.Status
		if !*all {
			st = []approvals.Status{approvals.StatusPending}
		}
		list, err := svc.List(ctx, 200, st...)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "No approval requests are waiting.")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tAPPROVALS\tLEFT\tAGENT\tTOOL\tWHAT")
		for _, r := range list {
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", r.ID, r.Status, r.Approvals(), r.Required, left(r), r.Agent, r.Tool, r.Rendering.Title)
		}
		return tw.Flush()
	case "show":
		if err := need(1); err != nil {
			return err
		}
		r, err := svc.Get(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, r)
		}
		printRequest(stdout, r)
		return nil
	case "approve", "deny":
		if err := need(1); err != nil {
			return err
		}
		if sub == "deny" && strings.TrimSpace(*reason) == "" {
			return fmt.Errorf("deny needs --reason: the agent and the audit log get it")
		}
		r, err := svc.Decide(ctx, pos[0], approver, sub == "approve", *reason)
		if err != nil {
			if errors.Is(err, approvals.ErrOwnRequest) || errors.Is(err, approvals.ErrOutOfScope) {
				return fmt.Errorf("refused: %w", err)
			}
			return err
		}
		record(ctx, r, approver.Name)
		switch r.Status {
		case approvals.StatusApproved:
			fmt.Fprintf(stdout, "Approved %s (%s). The agent's call may now run, once, with exactly this plan.\n", r.ID, r.Rendering.Title)
		case approvals.StatusDenied:
			fmt.Fprintf(stdout, "Denied %s: %s\n", r.ID, *reason)
		default:
			fmt.Fprintf(stdout, "Recorded your approval of %s; it needs %d of %d approvers, so another person must approve too.\n", r.ID, r.Approvals(), r.Required)
		}
		return nil
	default:
		return fmt.Errorf("unknown approvals command %q\n%s", sub, approvalsUsage)
	}
}

// cliApprover authenticates the person at the terminal by
// ATLAS_MCP_APPROVER_TOKEN. An agent's token is refused by name, so an agent
// that found a shell learns it cannot approve its own calls.
func cliApprover(cfg *config, p *policy.Policy) (*policy.Approver, error) {
	tok, _ := cfg.lookupEnv("ATLAS_MCP_APPROVER_TOKEN")
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return nil, fmt.Errorf("set ATLAS_MCP_APPROVER_TOKEN to your approver token (policy approvers:); approving is for people, not agents")
	}
	if p.AgentByToken(tok) != nil {
		return nil, fmt.Errorf("ATLAS_MCP_APPROVER_TOKEN holds an agent's token; agents cannot approve. Use your own approver token")
	}
	a := p.ApproverByToken(tok)
	if a == nil {
		if p.UsesApproverSignIn() {
			return nil, fmt.Errorf("ATLAS_MCP_APPROVER_TOKEN is not the token of any approver in the policy (approvers named only by match: sign in to the approval console with the identity provider; the CLI needs a token)")
		}
		return nil, fmt.Errorf("ATLAS_MCP_APPROVER_TOKEN is not the token of any approver in the policy")
	}
	return a, nil
}

// withUnsetTokens lets the policy load where the agents' token variables are
// not set — a person's terminal has no business holding the agents' tokens.
// An unset tokenEnv resolves to a fresh random token that nobody knows, so no
// credential matches it: an agent's real token is then simply "not an
// approver", which refuses it all the same.
func withUnsetTokens(cfg *config) *config {
	c := *cfg
	lookup := cfg.lookupEnv
	c.lookupEnv = func(k string) (string, bool) {
		if v, ok := lookup(k); ok {
			return v, ok
		}
		var b [24]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:]), true
	}
	return &c
}

// parseInterleaved lets flags follow the positional ID (deny ID --reason x),
// which the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func left(r *approvals.Request) string {
	if r.Status != approvals.StatusPending {
		return "-"
	}
	d := time.Until(r.ExpiresAt).Round(time.Second)
	if d <= 0 {
		return "expired"
	}
	return d.String()
}

func printRequest(w io.Writer, r *approvals.Request) {
	fmt.Fprintf(w, "%s  %s\n", r.ID, r.Rendering.Title)
	fmt.Fprintf(w, "status:    %s (%d of %d approvals)", r.Status, r.Approvals(), r.Required)
	if r.Status == approvals.StatusPending {
		fmt.Fprintf(w, ", %s left", left(r))
	}
	fmt.Fprintf(w, "\nagent:     %s\ntool:      %s\n", r.Agent, r.Tool)
	if r.ProjectID != "" {
		fmt.Fprintf(w, "project:   %s\n", r.ProjectID)
	}
	if r.Resource != "" {
		fmt.Fprintf(w, "resource:  %s\n", r.Resource)
	}
	fmt.Fprintf(w, "why:       %s\nplan hash: %s\n\n", r.Why, r.PlanHash)
	for _, l := range r.Rendering.Lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	for _, d := range r.Decisions {
		verb := "approved"
		if !d.Approve {
			verb = "denied"
		}
		who := d.Approver
		if d.Subject != "" {
			who += " (" + d.Subject + ")"
		}
		fmt.Fprintf(w, "\n%s %s at %s", who, verb, d.At.UTC().Format(time.RFC3339))
		if d.Reason != "" {
			fmt.Fprintf(w, ": %s", d.Reason)
		}
	}
	fmt.Fprintln(w)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
