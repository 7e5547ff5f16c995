package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
)

// whoami and policy explain --token answer from the policy and the issuer
// alone: no Atlas credentials are set, so any Atlas call would fail.
func TestWhoamiAndExplainByToken(t *testing.T) {
	const resource = "http://127.0.0.1:8080/mcp"
	op, err := testop.Start(testop.Config{Clients: []testop.Client{
		{ID: "ci-bot", Secret: "ci-secret", Audience: []string{resource}},
		{ID: "elsewhere", Secret: "x", Audience: []string{"https://other.example.com/mcp"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	y := fmt.Sprintf(`identity:
  oauth:
    resource: %s
    issuers: [{issuer: %s}]
    scopes: {write: atlas.write}
agents:
  ci-bot:
    match: {clientId: ci-bot}
    grants: [{area: clusters, access: [read, write]}]
  static-bot:
    tokenEnv: STATIC_BOT_TOKEN
    grants: [{area: projects, access: [read]}]
`, resource, op.Issuer)
	if err := os.WriteFile(pol, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STATIC_BOT_TOKEN": "static-bot-token-0123456789"}
	ctx := context.Background()
	jwt, err := op.ClientCredentials(ctx, "ci-bot", "ci-secret")
	if err != nil {
		t.Fatal(err)
	}
	other, err := op.ClientCredentials(ctx, "elsewhere", "x")
	if err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, env, nil, "--policy", pol, "whoami", "--token", jwt)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	mustContain(t, "whoami", r.stdout, "agent:    ci-bot", "matched by agents.ci-bot.match ("+pol+":8)", "iss "+op.Issuer, "client ci-bot", "lacks atlas.write")

	r = runCLI(t, env, strings.NewReader("static-bot-token-0123456789\n"), "--policy", pol, "whoami", "--token", "-")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	mustContain(t, "whoami static", r.stdout, "agent:    static-bot", "static token (agents.static-bot.tokenEnv)")

	r = runCLI(t, env, nil, "--policy", pol, "whoami", "--token", other)
	if r.exitCode() != -1 {
		t.Fatalf("a token for another resource: exit %d", r.exitCode())
	}
	mustContain(t, "refusal", r.err.Error(), "maps to no agent", "expected audience")

	r = runCLI(t, env, nil, "--policy", pol, "policy", "explain", "--token", jwt, "atlas-list-clusters", `{"projectId":"5f1a2b3c4d5e6f7a8b9c0d1e"}`)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	mustContain(t, "explain", r.stdout, "matched by agents.ci-bot.match", "agent:    ci-bot", "decision: ALLOW")
}
