package main

import (
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
