package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExamplePoliciesLoad(t *testing.T) {
	for _, name := range []string{"readonly-analyst.yaml", "ci-bot.yaml", "multi-agent.yaml", "token-confirm.yaml"} {
		t.Run(name, func(t *testing.T) {
			// With and without the catalogue: the lead may load either way.
			for _, opts := range []Options{testOpts(), {LookupEnv: testOpts().LookupEnv}} {
				p, err := Load(examplePath(name), opts)
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if len(p.Agents()) == 0 {
					t.Fatal("no agents")
				}
				if p.Source() != examplePath(name) {
					t.Errorf("Source = %q", p.Source())
				}
			}
		})
	}
}

func TestExampleFacts(t *testing.T) {
	opts := testOpts()
	load := func(name string) *Policy {
		p, err := Load(examplePath(name), opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	ro := load("readonly-analyst.yaml")
	if !ro.ReadOnly() || ro.DefaultAgent() == nil || ro.DefaultAgent().Name != "analyst" {
		t.Errorf("readonly-analyst: readOnly=%v default=%v", ro.ReadOnly(), ro.DefaultAgent())
	}

	ci := load("ci-bot.yaml")
	if got := ci.AgentByToken("ci-bot-token-0123456789"); got == nil || got.Name != "ci-bot" {
		t.Errorf("ci-bot token lookup = %v", got)
	}

	multi := load("multi-agent.yaml")
	for token, want := range map[string]string{"alice-token": "alice", "bob-token": "bob", "carol-token-0123456789": "carol"} {
		if got := multi.AgentByToken(token); got == nil || got.Name != want {
			t.Errorf("AgentByToken(%q) = %v, want %s", token, got, want)
		}
	}
	if multi.DefaultAgent() != nil {
		t.Errorf("multi-agent has default agent %q; it is HTTP only", multi.DefaultAgent().Name)
	}

	tc := load("token-confirm.yaml")
	if tc.WithoutElicitation() != ConfirmToken || tc.TokenTTL() != 2*time.Minute {
		t.Errorf("token-confirm: mode %q ttl %v", tc.WithoutElicitation(), tc.TokenTTL())
	}
}

func TestMultiAgentNeedsCarolsToken(t *testing.T) {
	_, err := Parse(readExample(t, "multi-agent.yaml"), "multi-agent.yaml", Options{LookupEnv: mapEnv(nil)})
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	if !strings.Contains(err.Error(), "ATLAS_MCP_CAROL_TOKEN") || !strings.Contains(err.Error(), "is not set") {
		t.Errorf("error does not name the variable: %v", err)
	}
	if le.Problems[0].Line == 0 {
		t.Errorf("problem has no line: %+v", le.Problems)
	}
}

// TestParseErrors feeds malformed files and checks that the error names the
// right line and says what is wrong.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int    // 0: do not check
		want string // substring of the message
	}{
		{"unknown agent key", `
agents:
  ci-bot:
    grant:
      - area: clusters
        access: read
`, 3, `unknown key "grant" in agent "ci-bot" (did you mean "grants"?)`},
		{"unknown top key", `
agent:
  x: {}
`, 1, `unknown key "agent" at the top level (did you mean "agents"?)`},
		{"unknown area", `
agents:
  a:
    grants:
      - area: cluster
        access: read
`, 4, `unknown area "cluster" in agents.a.grants[0] (did you mean "clusters"?)`},
		{"bad access", `
agents:
  a:
    grants:
      - area: clusters
        access: [read, wrte]
`, 5, `access "wrte" in agents.a.grants[0] is not read or write (did you mean "write"?)`},
		{"grant without access", `
agents:
  a:
    grants:
      - area: clusters
`, 4, `agents.a.grants[0] gives no access`},
		{"grant without area", `
agents:
  a:
    grants:
      - access: read
`, 4, `agents.a.grants[0] has no area`},
		{"bad project id", `
agents:
  a:
    grants:
      - area: clusters
        access: read
        projects:
          - 5f1a2b3c4d5e6f7a8b9c0d1e
          - not-an-id
`, 8, `"not-an-id" is not an Atlas project ID`},
		{"uppercase project id", `
agents:
  a:
    grants:
      - {area: clusters, access: read, projects: [5F1A2B3C4D5E6F7A8B9C0D1E]}
`, 4, `is not an Atlas project ID (24 lowercase hex digits)`},
		{"projects on org-scoped area", `
agents:
  a:
    grants:
      - area: apiKeys
        access: read
        projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
`, 4, `area apiKeys is not project-scoped`},
		{"agents as a list", `
agents:
  - name: a
`, 2, `agents must be a mapping from agent name`},
		{"no agents", `
readOnly: true
`, 1, `the policy defines no agents`},
		{"empty agents", `
agents: {}
`, 1, `agents is empty`},
		{"duplicate agent", `
agents:
  a: {}
  a: {}
`, 3, `agent "a" is defined twice (first on line 2)`},
		{"duplicate key", `
agents:
  a:
    grants: []
    grants: []
`, 4, `duplicate key "grants" in agent "a" (first on line 3)`},
		{"bad agent name", `
agents:
  "bad name": {}
`, 2, `agent name "bad name" is not valid`},
		{"two defaults", `
agents:
  a:
    default: true
  b:
    default: true
`, 4, `agent "b" is marked default, but so is agent "a" (line 2)`},
		{"default not bool", `
agents:
  a:
    default: yes please
`, 3, `must be true or false`},
		{"bad sha", `
agents:
  a:
    tokenSha256: abc
`, 3, `must be 64 hex digits`},
		{"both token kinds", `
agents:
  a:
    tokenSha256: 9c220f200955d76c0a38d308225e0ef10c5f971acaf2f8d1d8f732affa5bd1dc
    tokenEnv: ATLAS_MCP_CAROL_TOKEN
`, 4, `has both tokenSha256 (line 3) and tokenEnv`},
		{"env token unset", `
agents:
  a:
    tokenEnv: NOPE_NOT_SET
`, 3, `environment variable NOPE_NOT_SET (tokenEnv of agent "a") is not set`},
		{"env token short", `
agents:
  a:
    tokenEnv: SHORT_TOKEN
`, 3, `shorter than 16 characters`},
		{"bad env name", `
agents:
  a:
    tokenEnv: "1BAD"
`, 3, `must be an environment variable name`},
		{"shared token", `
agents:
  a:
    tokenSha256: 9c220f200955d76c0a38d308225e0ef10c5f971acaf2f8d1d8f732affa5bd1dc
  b:
    tokenSha256: 9C220F200955D76C0A38D308225E0EF10C5F971ACAF2F8D1D8F732AFFA5BD1DC
`, 4, `agents "a" and "b" have the same bearer token`},
		{"yaml syntax", `
agents:
  a:
    grants: [
`, 0, `YAML syntax`},
		{"tab indentation", "agents:\n\ta: {}\n", 2, `(the line has a tab; YAML indents with spaces only)`},
		{"two documents", `
agents:
  a: {}
---
agents:
  b: {}
`, 3, `one YAML document`},
		{"empty file", ``, 0, `the file is empty`},
		{"top is a list", `
- a
`, 1, `a policy must be a mapping`},
		{"version", `
version: 2
agents:
  a: {}
`, 1, `version "2" is not supported`},
		{"bad cidr", `
agents:
  a: {}
constraints:
  networkAccess:
    allowedCidrs:
      - 10.0.0.0/8
      - 10.0.0.0/33
`, 7, `"10.0.0.0/33" is not a CIDR block`},
		{"host bits set", `
agents:
  a: {}
constraints:
  networkAccess:
    deniedCidrs: [10.1.2.3/8]
`, 5, `10.1.2.3/8 has bits set after the prefix; did you mean 10.0.0.0/8?`},
		{"bad lifetime", `
agents:
  a: {}
constraints:
  networkAccess:
    maxLifetime: forever
`, 5, `"forever" is not a duration`},
		{"bad instance size", `
agents:
  a: {}
constraints:
  clusters:
    maxInstanceSize: HUGE
`, 5, `"HUGE" is not an instance size`},
		{"bad provider", `
agents:
  a: {}
constraints:
  clusters:
    allowedProviders: [AWS, AZUR]
`, 5, `"AZUR" is not a provider; use AWS, GCP, AZURE or TENANT (shared tiers) (did you mean "AZURE"?)`},
		{"protectUpdates alone", `
agents:
  a: {}
constraints:
  clusters:
    protectUpdates: true
`, 5, `protectUpdates has no protectedNames`},
		{"bad protected pattern", `
agents:
  a: {}
constraints:
  clusters:
    protectedNames: ["prod-["]
`, 5, `is not a valid pattern`},
		{"api key role not ORG", `
agents:
  a:
    constraints:
      apiKeys:
        allowedRoles: [PROJECT_OWNER]
`, 5, `"PROJECT_OWNER" is not an API key role; they are ORG_* or GROUP_* names`},
		{"unknown constraints area", `
agents:
  a: {}
constraints:
  cluster: {}
`, 4, `unknown key "cluster" in constraints (did you mean "clusters"?)`},
		{"unknown networkAccess key", `
agents:
  a: {}
constraints:
  networkAccess:
    allowedCIDRs: [10.0.0.0/8]
`, 5, `unknown key "allowedCIDRs" in constraints.networkAccess (did you mean "allowedCidrs"?)`},
		{"deny without tool", `
agents:
  a:
    deny:
      - reason: nope
`, 4, `agents.a.deny[0] names no tool`},
		{"deny agents key inside agent", `
agents:
  a:
    deny:
      - tool: atlas-delete-cluster
        agents: [a]
`, 5, `unknown key "agents" in agents.a.deny[0]`},
		{"deny unknown agent", `
agents:
  alice: {}
deny:
  - tool: atlas-delete-cluster
    agents: [alcie]
`, 4, `deny[0] names agent "alcie", which the policy does not define (did you mean "alice"?)`},
		{"deny unknown tool", `
agents:
  a: {}
deny:
  - atlas-delete-clustr
`, 4, `deny[0]: no tool is named "atlas-delete-clustr" (did you mean "atlas-delete-cluster"?)`},
		{"deny bad pattern chars", `
agents:
  a: {}
deny:
  - "Atlas Delete"
`, 4, `is not a tool name or pattern`},
		{"confirm skip destructive", `
agents:
  a: {}
confirm:
  skip: [atlas-delete-cluster]
`, 4, `confirm.skip "atlas-delete-cluster" would cover atlas-delete-cluster, a destructive tool`},
		{"confirm skip wildcard covers destructive", `
agents:
  a: {}
confirm:
  skip: ["atlas-create-*"]
`, 4, `would cover atlas-create-restore-job, a destructive tool`},
		{"confirm skip and tools", `
agents:
  a: {}
confirm:
  tools: [atlas-create-api-key]
  skip: [atlas-create-api-key]
`, 5, `confirm.skip lists "atlas-create-api-key", which confirm.tools (line 4) also lists`},
		{"confirm mode", `
agents:
  a: {}
confirm:
  withoutElicitation: ask
`, 4, `confirm.withoutElicitation must be "refuse", "approval" or "token", not "ask"`},
		{"confirm ttl", `
agents:
  a: {}
confirm:
  tokenTTL: 48h
`, 4, `confirm.tokenTTL must be between 1s and 24h`},
		{"merge key", `
base: &base
  area: clusters
agents:
  a: {}
`, 1, `unknown key "base" at the top level`},
		{"merge key inside", `
agents:
  a:
    grants:
      - <<: {area: clusters}
        access: read
`, 4, `merge keys (<<) are not supported`},
		{"grants not a list", `
agents:
  a:
    grants:
      area: clusters
`, 4, `agents.a.grants must be a list`},
		{"grant as string", `
agents:
  a:
    grants:
      - clusters:read
`, 4, `agents.a.grants[0] must be a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.TrimPrefix(tt.src, "\n")), "test.yaml", testOpts())
			if err == nil {
				t.Fatal("Parse succeeded; want an error")
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *LoadError: %v", err, err)
			}
			var found *Problem
			for i := range le.Problems {
				if strings.Contains(le.Problems[i].Msg, tt.want) {
					found = &le.Problems[i]
				}
			}
			if found == nil {
				t.Fatalf("no problem says %q; got:\n%v", tt.want, err)
			}
			if tt.line != 0 && found.Line != tt.line {
				t.Errorf("line = %d, want %d (%s)", found.Line, tt.line, found.Msg)
			}
			if !strings.HasPrefix(err.Error(), "test.yaml: ") {
				t.Errorf("error does not start with the source: %v", err)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := `
agents:
  a:
    grant: []
  b:
    grants:
      - area: clusterz
        access: read
confirm:
  withoutElicitation: maybe
`
	_, err := Parse([]byte(strings.TrimPrefix(src, "\n")), "p.yaml", testOpts())
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	if len(le.Problems) != 3 {
		t.Fatalf("want 3 problems, got %d:\n%v", len(le.Problems), err)
	}
	want := "p.yaml: 3 problems:\n  line 3: unknown key \"grant\" in agent \"a\" (did you mean \"grants\"?)"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error =\n%s\nwant prefix\n%s", err, want)
	}
}

func TestSkipDestructiveWithoutCatalogue(t *testing.T) {
	// Without a catalogue the naming contract still catches the usual mistakes.
	for _, pat := range []string{"atlas-delete-cluster", "atlas-*", "*delete*"} {
		src := "agents:\n  a: {}\nconfirm:\n  skip: [\"" + pat + "\"]\n"
		if _, err := Parse([]byte(src), "x.yaml", Options{}); err == nil || !strings.Contains(err.Error(), "destructive") {
			t.Errorf("skip %q: err = %v, want a destructive-tool error", pat, err)
		}
	}
	src := "agents:\n  a: {}\nconfirm:\n  skip: [atlas-create-api-key]\n"
	if _, err := Parse([]byte(src), "x.yaml", Options{}); err != nil {
		t.Errorf("skipping a non-destructive tool: %v", err)
	}
}

func TestParseAccepts(t *testing.T) {
	src := `
version: 1
agents:
  ci-bot:
    grants:
      - area: clusters
        access: read            # a lone value is a one-entry list
      - area: "*"
        access: [read, write]
        projects: []            # empty: any
  other:
    default: true
    grants: ~
defaults: &ids ["5f1a2b3c4d5e6f7a8b9c0d1e"]
`
	// "defaults" is unknown: anchors live inside known keys only.
	if _, err := Parse([]byte(strings.TrimPrefix(src, "\n")), "x.yaml", testOpts()); err == nil {
		t.Fatal("unknown key with an anchor was accepted")
	}
	src = `
agents:
  ci-bot:
    grants:
      - area: clusters
        access: read
        projects: &ids ["5f1a2b3c4d5e6f7a8b9c0d1e"]
      - area: backups
        access: read
        projects: *ids
    constraints:
      networkAccess:
        maxLifetime: 7d
        allowedCidrs: ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"]
  other:
    default: true
`
	p := mustParse(t, src, testOpts())
	if d := p.DefaultAgent(); d == nil || d.Name != "other" || !d.IsDefault() {
		t.Fatalf("default agent = %v", d)
	}
	a := mustAgent(t, p, "ci-bot")
	if a.IsDefault() || a.HasToken() {
		t.Errorf("ci-bot default=%v token=%v", a.IsDefault(), a.HasToken())
	}
	if got := a.grants[1].projects; len(got) != 1 || got[0] != proj1 {
		t.Errorf("alias not followed: %v", got)
	}
	if got := a.constraints.net.maxLifetime; got != 7*24*time.Hour {
		t.Errorf("maxLifetime = %v", got)
	}
	if got := a.constraints.net.allowed[2].prefix.String(); got != "192.168.1.7/32" {
		t.Errorf("bare IP became %s", got)
	}
	if names := []string{p.Agents()[0].Name, p.Agents()[1].Name}; names[0] != "ci-bot" || names[1] != "other" {
		t.Errorf("Agents() order = %v", names)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	// Each level doubles the expansions; the alias budget must stop it.
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x]\n")
	for i := 1; i < 30; i++ {
		b.WriteString("a")
		b.WriteString(itoa(i))
		b.WriteString(": &a")
		b.WriteString(itoa(i))
		b.WriteString(" [*a")
		b.WriteString(itoa(i - 1))
		b.WriteString(", *a")
		b.WriteString(itoa(i - 1))
		b.WriteString("]\n")
	}
	src := "agents:\n  a:\n    grants:\n      - area: clusters\n        access: read\n        projects: *a29\n" + b.String()
	_, err := Parse([]byte(src), "bomb.yaml", Options{})
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist wrapped", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("agents:\n  a: {}\n"+strings.Repeat("# padding\n", 120000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, Options{}); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("big file: %v", err)
	}
}
