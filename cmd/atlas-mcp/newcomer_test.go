package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

func allTools() []*tools.Tool { return tools.ForCloud(atlasclient.Commercial) }

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

func TestFirstSentenceKeepsAbbreviations(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Take a snapshot (M10 and larger), e.g. before a risky change; give a description. It returns the ID.", "Take a snapshot (M10 and larger), e.g. before a risky change; give a description."},
		{"Get one org. orgId defaults to MONGODB_ATLAS_ORG_ID.", "Get one org."},
		{"Roles, i.e. names. More.", "Roles, i.e. names."},
		{"One sentence only.", "One sentence only."},
		{"Version 8.0 is current. Next.", "Version 8.0 is current."},
	}
	for _, tc := range tests {
		if got := firstSentence(tc.in); got != tc.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// No catalogue line stops at an abbreviation.
	for _, line := range strings.Split(markdownCatalogue(withWhoami(catalogueRows(allTools()))), "\n") {
		cell := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), "|"))
		for _, abbr := range []string{"e.g.", "i.e."} {
			if strings.HasSuffix(cell, abbr) {
				t.Errorf("catalogue description cut at %q: %s", abbr, line)
			}
		}
	}
}

// `atlas-mcp tools` lists atlas-whoami, and --agent shows one agent's view.
func TestToolsAgentView(t *testing.T) {
	const multi = "../../testdata/policies/multi-agent.yaml"
	env := map[string]string{"ATLAS_MCP_CAROL_TOKEN": "carol-token-0123456789"}
	names := func(r cliResult) map[string]bool {
		t.Helper()
		if r.err != nil {
			t.Fatalf("%v\n%s", r.err, r.stderr)
		}
		var rows []toolRow
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, row := range rows {
			out[row.Name] = true
		}
		return out
	}
	all := names(runCLI(t, env, nil, "--policy", multi, "tools", "--json"))
	bob := names(runCLI(t, env, nil, "--policy", multi, "tools", "--json", "--agent", "bob"))
	for _, name := range []string{"atlas-whoami", "atlas-list-clusters", "atlas-create-access-list", "atlas-create-db-user"} {
		if !bob[name] {
			t.Errorf("bob's view lacks %s", name)
		}
	}
	for _, name := range []string{"atlas-create-cluster", "atlas-delete-db-user", "atlas-list-api-keys", "atlas-list-alerts"} {
		if bob[name] {
			t.Errorf("bob's view lists %s, which his grants do not allow", name)
		}
		if !all[name] {
			t.Errorf("the whole catalogue lacks %s", name)
		}
	}
	tab := runCLI(t, env, nil, "--policy", multi, "tools", "--agent", "bob")
	mustContain(t, "table", tab.stdout, "atlas-whoami", "builtin")
	bad := runCLI(t, env, nil, "--policy", multi, "tools", "--agent", "mallory")
	if bad.exitCode() != -1 {
		t.Fatalf("tools --agent mallory: %v", bad.err)
	}
	mustContain(t, "error", bad.err.Error(), `--agent "mallory"`, "alice, bob, carol")
}

// Flags after the tool and its arguments work as before them.
func TestCallFlagsAfterTheTool(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	for _, args := range [][]string{
		{"--sandbox", "--audit-log", logPath, "call", "atlas-list-orgs", "--json"},
		{"--sandbox", "--audit-log", logPath, "call", "atlas-get-org", "{}", "--json"},
		{"--sandbox", "--audit-log", logPath, "call", "--json", "atlas-list-orgs"},
	} {
		r := runCLI(t, nil, nil, args...)
		if r.err != nil {
			t.Fatalf("%q: %v\n%s", args, r.err, r.stderr)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out["structuredContent"] == nil {
			t.Errorf("%q printed no JSON answer (%v):\n%s", args, err, r.stdout)
		}
	}
	// After "--" a word that looks like a flag is an argument.
	r := runCLI(t, nil, nil, "--sandbox", "--audit-log", logPath, "call", "--", "atlas-list-orgs", "--json")
	if r.exitCode() != -1 || !strings.Contains(r.err.Error(), "not a JSON object") {
		t.Errorf("call -- TOOL --json: %v", r.err)
	}
}

// policy explain names the policy file it used and what chose it; in the
// sandbox the demo project is the default; a policy without a default agent
// says how to get one.
func TestPolicyExplainSaysWhichPolicy(t *testing.T) {
	abs, err := filepath.Abs("../../testdata/policies/ci-bot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"policy", "explain", "atlas-list-clusters", `{"projectId":"5f1a2b3c4d5e6f7a8b9c0d1e"}`}
	flag := runCLI(t, nil, nil, append([]string{"--policy", "../../testdata/policies/ci-bot.yaml"}, args...)...)
	mustContain(t, "explain", flag.stdout, "policy:   "+abs+" (from --policy)")
	env := runCLI(t, map[string]string{"ATLAS_MCP_POLICY": abs}, nil, args...)
	mustContain(t, "explain", env.stdout, "policy:   "+abs+" (from ATLAS_MCP_POLICY)")
	def := runCLI(t, nil, nil, "--sandbox", "policy", "explain", "atlas-list-clusters")
	if def.err != nil {
		t.Fatalf("--sandbox policy explain with no project: %v", def.err)
	}
	mustContain(t, "explain", def.stdout, "built-in default policy (no --policy or ATLAS_MCP_POLICY given)", "6650a0c0f0a1b2c3d4e5f602")

	multi := map[string]string{"ATLAS_MCP_CAROL_TOKEN": "carol-token-0123456789", "MONGODB_ATLAS_PROJECT_ID": "6a1b2c3d4e5f6a7b8c9d0e1f"}
	none := runCLI(t, multi, nil, "--policy", "../../testdata/policies/multi-agent.yaml", "policy", "explain", "atlas-list-clusters")
	if none.exitCode() != -1 {
		t.Fatalf("explain without a default agent: %v", none.err)
	}
	mustContain(t, "error", none.err.Error(), "no default agent", "--agent NAME", "alice, bob, carol", "default: true")
	call := runCLI(t, multi, nil, "--sandbox", "--audit-log", filepath.Join(t.TempDir(), "a.jsonl"), "--policy", "../../testdata/policies/multi-agent.yaml", "call", "atlas-whoami")
	mustContain(t, "call stdout", call.stdout, "default: true")
	mustContain(t, "call stderr", call.stderr, "has no default agent", "default: true", "alice, bob, carol")
}

// HTTP mode without a policy, in the sandbox, points at the ready one.
func TestSandboxHTTPWithoutPolicyPointsAtTheRecipe(t *testing.T) {
	r := runCLI(t, nil, nil, "--sandbox", "--audit-log", filepath.Join(t.TempDir(), "a.jsonl"), "--transport", "http", "--listen", "127.0.0.1:0")
	if r.exitCode() != -1 {
		t.Fatalf("exit %d (%v), want a configuration error", r.exitCode(), r.err)
	}
	mustContain(t, "error", r.err.Error(), "HTTP mode needs a policy file", "testdata/policies/sandbox-http.yaml", "ATLAS_MCP_SANDBOX_TOKEN")
	env := map[string]string{"ATLAS_MCP_SANDBOX_TOKEN": "0123456789abcdef"}
	if r := runCLI(t, env, nil, "--policy", "../../testdata/policies/sandbox-http.yaml", "tools", "--json"); r.err != nil {
		t.Errorf("sandbox-http.yaml does not load with a 16-character token: %v", r.err)
	}
}
