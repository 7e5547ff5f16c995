package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// whoamiCommand: `whoami --token T` says which agent a bearer token is and why,
// the way the HTTP server would decide it, without calling Atlas. A JWT is
// verified against its issuer (which must be reachable) exactly as a request's
// token would be.
func whoamiCommand(ctx context.Context, cfg *config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("whoami", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := fs.String("token", "", "the bearer token to identify (\"-\" reads it from stdin, keeping it out of shell history)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: atlas-mcp whoami --token TOKEN|- [--json]")
	}
	p, id, err := identifyToken(ctx, cfg, *token, stdin, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{"agent": id.Agent.Summary(), "method": id.Method, "rule": id.Rule, "at": id.At}
		if id.Method == identity.MethodOAuth {
			out["claims"] = map[string]any{"iss": id.Issuer, "sub": id.Subject, "clientId": id.ClientID, "act": id.Actor, "groups": id.Groups, "scopes": id.Scopes}
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	fmt.Fprint(stdout, describeIdentity(p, id, true))
	sum, _ := json.MarshalIndent(id.Agent.Summary(), "", "  ")
	fmt.Fprintf(stdout, "grants:   %s\n", sum)
	return nil
}

// identifyToken runs the token through the same Authenticator the HTTP server
// uses. A refusal's reason, which the server only logs, is the answer here: the
// person asking is the operator.
func identifyToken(ctx context.Context, cfg *config, token string, stdin io.Reader, stderr io.Writer) (*policy.Policy, *identity.Identity, error) {
	if token == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return nil, nil, fmt.Errorf("--token -: reading the token from stdin: %w", err)
		}
		token = strings.TrimSpace(line)
	}
	p, err := loadPolicy(cfg)
	if err != nil {
		return nil, nil, err
	}
	log, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		return nil, nil, err
	}
	id, err := identity.New(identity.Fixed(p), identity.Options{Logger: log}).Token(ctx, token)
	if err != nil {
		return nil, nil, fmt.Errorf("the token maps to no agent: %w", err)
	}
	return p, id, nil
}

// describeIdentity prints why the token is this agent; withAgent adds the
// agent's name (policy explain prints it itself).
func describeIdentity(p *policy.Policy, id *identity.Identity, withAgent bool) string {
	var b strings.Builder
	if withAgent {
		fmt.Fprintf(&b, "agent:    %s\n", id.Agent.Name)
	}
	at := ""
	if id.At != "" {
		at = " (" + id.At + ")"
	}
	switch id.Method {
	case identity.MethodOAuth:
		fmt.Fprintf(&b, "by:       OAuth access token, matched by %s%s\n", id.Rule, at)
		fmt.Fprintf(&b, "token:    iss %s, sub %s, client %s", id.Issuer, id.Subject, orNone(id.ClientID))
		if id.Actor != "" {
			fmt.Fprintf(&b, ", act %s", id.Actor)
		}
		if len(id.Groups) > 0 {
			fmt.Fprintf(&b, ", groups %s", strings.Join(id.Groups, ","))
		}
		fmt.Fprintf(&b, ", scopes %s\n", orNone(strings.Join(id.Scopes, " ")))
		if o := p.OAuth(); o != nil && o.WriteScope != "" && !id.HasScope(o.WriteScope) {
			fmt.Fprintf(&b, "note:     the token lacks %s, so write tools are answered 403 insufficient_scope\n", o.WriteScope)
		}
	default:
		fmt.Fprintf(&b, "by:       static token (%s)\n", id.Rule)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
