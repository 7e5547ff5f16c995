// Command atlas-mcp is an MCP server that lets AI agents administer MongoDB Atlas
// with exactly the access each agent was granted, a person's yes before anything
// destructive, one rate-limited client, and a tamper-evident audit log.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set by -ldflags at release time; otherwise versionInfo reads what the Go
// toolchain stamped into the binary.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

const usage = `atlas-mcp — an MCP server for MongoDB Atlas

Usage:
  atlas-mcp [flags]                       serve MCP (stdio by default; --transport http --listen ADDR)
  atlas-mcp [flags] tools [--json] [--agent NAME]   list the tool catalogue (one agent's view)
  atlas-mcp [flags] call TOOL ['JSON']    run one tool call through the whole pipeline
  atlas-mcp [flags] policy explain --agent NAME|--token T TOOL ['JSON']
  atlas-mcp [flags] whoami --token T      which agent a bearer token is, and why (no Atlas call)
  atlas-mcp audit keygen FILE             make the checkpoint key (FILE) and verifier key (FILE.pub)
  atlas-mcp audit verify [--key FILE.pub --checkpoints PATH] [--strict] [FILE...]
                                          check the audit log's chain (and its signed checkpoints);
                                          no FILE: the configured, default or sandbox log
  atlas-mcp audit prove --key FILE.pub --checkpoints PATH SEQ [FILE...]
                                          inclusion proof of one record (check with --check PROOF)
  atlas-mcp audit tail [--agent A] [--tool T] [--denied] [--unfinished] [FILE...]
  atlas-mcp [flags] sandbox reset         forget what --sandbox calls changed (back to the demo data)
  atlas-mcp [flags] approvals list [--all] | show ID | approve ID [--reason R] | deny ID --reason R
                                          decide approval requests (ATLAS_MCP_APPROVER_TOKEN)
  atlas-mcp [flags] approvals serve --listen ADDR   the approval console alone (stdio deployments)
  atlas-mcp sim --listen ADDR [--gov] [--tls-self-signed]   run the Atlas simulator alone
  atlas-mcp healthcheck [--url URL]      probe /healthz (for container HEALTHCHECK)
  atlas-mcp version

Try it without credentials: atlas-mcp --sandbox call atlas-list-clusters

Flags:
`

// exitError carries a process exit status (e.g. 1 for an error result).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, lookupEnv)
	stop()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "atlas-mcp:", err)
		os.Exit(2)
	}
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("atlas-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var fv flagValues
	addGlobalFlags(fs, &fv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	cmd := ""
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "version":
		v, c, d := versionInfo()
		fmt.Fprintf(stdout, "atlas-mcp %s (commit %s, built %s)\n", v, c, d)
		return nil
	case "audit":
		// Only where the log is is needed here: a bad unrelated setting must
		// not stop anyone reading the record.
		configured := fv.auditLog
		if !flagGiven(fs, "audit-log") {
			configured, _ = env("ATLAS_MCP_AUDIT_LOG")
		}
		return auditCommand(rest, func() ([]string, error) { return defaultAuditFiles(configured, fv.sandbox, stderr) }, stdout, stderr, env)
	case "sim":
		return simCommand(ctx, rest, stdout, stderr)
	case "healthcheck":
		return healthcheckCommand(rest, stdout, stderr)
	case "", "serve", "tools", "call", "policy", "sandbox", "whoami", "approvals":
	default:
		return fmt.Errorf("unknown command %q (commands: tools, call, policy, whoami, approvals, audit, sandbox, sim, healthcheck, version; run atlas-mcp -h)", cmd)
	}
	cfg, err := resolve(fs, &fv, env)
	if err != nil {
		return err
	}
	// One-shot commands print their answer; routine info logs would only be
	// noise on the terminal, so they log warnings and errors unless asked.
	if cmd != "" && cmd != "serve" && !flagGiven(fs, "log-level") {
		cfg.LogLevel = "warn"
	}
	switch cmd {
	case "tools":
		return toolsCommand(cfg, rest, stdout, stderr)
	case "policy":
		return policyCommand(ctx, cfg, rest, stdin, stdout, stderr)
	case "whoami":
		return whoamiCommand(ctx, cfg, rest, stdin, stdout, stderr)
	case "call":
		return callCommand(ctx, cfg, rest, stdin, stdout, stderr)
	case "sandbox":
		return sandboxCommand(cfg, rest, stdout)
	case "approvals":
		return approvalsCommand(ctx, cfg, rest, stdout, stderr)
	default:
		return serve(ctx, cfg, stdin, stdout, stderr)
	}
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
