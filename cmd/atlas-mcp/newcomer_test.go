package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const createDemo = `{"clusterName":"made-here","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`

// Separate `--sandbox call`s see one Atlas: what one creates the next finds,
// until `sandbox reset`. Each says on stderr where the state is kept.
func TestSandboxKeepsStateBetweenCalls(t *testing.T) {
	dir := t.TempDir()
	sandbox := func(args ...string) []string {
		return append([]string{"--sandbox", "--audit-log", filepath.Join(dir, "audit.jsonl")}, args...)
	}
	statePath := filepath.Join(dir, "sandbox-state.json")

	c := runCLI(t, nil, nil, sandbox("call", "atlas-create-cluster", createDemo)...)
	if c.err != nil {
		t.Fatalf("create: %v\n%s\n%s", c.err, c.stdout, c.stderr)
	}
	mustContain(t, "stderr", c.stderr, "keeps its state between calls in "+statePath, "atlas-mcp sandbox reset")

	g := runCLI(t, nil, nil, sandbox("call", "atlas-get-cluster", `{"clusterName":"made-here"}`)...)
	if g.err != nil {
		t.Fatalf("get after create, in a new process: %v\n%s", g.err, g.stdout)
	}
	mustContain(t, "stdout", g.stdout, "made-here", "M10")

	// The demo data is still there beside it.
	l := runCLI(t, nil, nil, sandbox("call", "atlas-list-clusters")...)
	mustContain(t, "list", l.stdout, "made-here", "prod-analytics", "staging")

	r := runCLI(t, nil, nil, "--audit-log", filepath.Join(dir, "audit.jsonl"), "sandbox", "reset")
	if r.err != nil {
		t.Fatalf("sandbox reset: %v", r.err)
	}
	mustContain(t, "reset", r.stdout, "removed "+statePath, "demo data")

	g = runCLI(t, nil, nil, sandbox("call", "atlas-get-cluster", `{"clusterName":"made-here"}`)...)
	if g.exitCode() != 1 {
		t.Fatalf("get after reset: exit %d, want 1 (not found)\n%s", g.exitCode(), g.stdout)
	}
	mustContain(t, "stdout", g.stdout, "CLUSTER_NOT_FOUND")

	// An explicit state file (flag or env) is used as given.
	named := filepath.Join(t.TempDir(), "mine.json")
	env := map[string]string{"ATLAS_MCP_SANDBOX_STATE": named}
	if c := runCLI(t, env, nil, sandbox("call", "atlas-create-cluster", createDemo)...); c.err != nil {
		t.Fatal(c.err)
	}
	if g := runCLI(t, nil, nil, sandbox("--sandbox-state", named, "call", "atlas-get-cluster", `{"clusterName":"made-here"}`)...); g.err != nil {
		t.Fatalf("get through --sandbox-state: %v\n%s", g.err, g.stdout)
	}
	if g := runCLI(t, nil, nil, sandbox("call", "atlas-get-cluster", `{"clusterName":"made-here"}`)...); g.exitCode() != 1 {
		t.Errorf("the default state file saw a cluster created in another one")
	}
	if r := runCLI(t, env, nil, "sandbox", "reset"); r.err != nil || !strings.Contains(r.stdout, "removed "+named) {
		t.Errorf("sandbox reset with ATLAS_MCP_SANDBOX_STATE: %v %q", r.err, r.stdout)
	}
	if r := runCLI(t, nil, nil, "sandbox", "forget"); r.exitCode() != -1 || !strings.Contains(r.err.Error(), "usage: atlas-mcp sandbox reset") {
		t.Errorf("sandbox forget: %v", r.err)
	}
}

// `audit tail` and `audit verify` with no file read the log the calls wrote:
// the sandbox's when that is the only one, the configured one when set, and
// say on stderr which.
func TestAuditCommandsFindTheLog(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state) // where the default logs live
	if c := runCLI(t, nil, nil, "--sandbox", "call", "atlas-list-orgs"); c.err != nil {
		t.Fatalf("sandbox call: %v\n%s", c.err, c.stderr)
	}
	sandboxLog := filepath.Join(state, "atlas-mcp", "sandbox-audit.jsonl")
	for _, args := range [][]string{{"audit", "tail"}, {"--sandbox", "audit", "tail"}} {
		r := runCLI(t, nil, nil, args...)
		if r.err != nil {
			t.Fatalf("%q: %v", args, r.err)
		}
		mustContain(t, "stdout", r.stdout, "atlas-list-orgs")
		mustContain(t, "stderr", r.stderr, "the sandbox's audit log "+sandboxLog)
	}
	v := runCLI(t, nil, nil, "audit", "verify")
	if v.err != nil {
		t.Fatalf("audit verify: %v\n%s", v.err, v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "OK: 1 record(s)")

	// A configured log wins, by flag or environment.
	configured := filepath.Join(t.TempDir(), "audit.jsonl")
	if c := runCLI(t, nil, nil, "--sandbox", "--audit-log", configured, "call", "atlas-list-projects"); c.err != nil {
		t.Fatal(c.err)
	}
	for _, r := range []cliResult{
		runCLI(t, nil, nil, "--audit-log", configured, "audit", "tail"),
		runCLI(t, map[string]string{"ATLAS_MCP_AUDIT_LOG": configured}, nil, "audit", "tail"),
	} {
		if r.err != nil {
			t.Fatal(r.err)
		}
		mustContain(t, "stdout", r.stdout, "atlas-list-projects")
		if strings.Contains(r.stdout, "atlas-list-orgs") {
			t.Errorf("tail of the configured log shows the sandbox's records:\n%s", r.stdout)
		}
		mustContain(t, "stderr", r.stderr, "configured audit log "+configured)
	}

	// Nothing anywhere: the error says where it looked and how to choose.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	if err := os.MkdirAll(filepath.Join(os.Getenv("XDG_STATE_HOME"), "atlas-mcp"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, nil, "audit", "verify")
	if r.exitCode() != -1 {
		t.Fatalf("audit verify with no log: %v", r.err)
	}
	mustContain(t, "error", r.err.Error(), "no audit log found", "audit.jsonl", "--audit-log")
}
