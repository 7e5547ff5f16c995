package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
)

// `approvals serve` offers sign-in with the identity provider of
// identity.oauth.console, its secret from ATLAS_MCP_CONSOLE_CLIENT_SECRET; a
// person in an approver group sees the request a `call` process made.
func TestApprovalsServeSSO(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr + "/approvals"
	op, err := testop.Start(testop.Config{
		Clients: []testop.Client{{ID: "atlas-mcp-console", Secret: "console-secret-0123", Redirects: []string{base + "/sso/callback"}}},
		User:    testop.User{Subject: "lee", Groups: []string{"sre-leads"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	src := "identity:\n  oauth:\n    resource: http://127.0.0.1:8080/mcp\n    issuers: [{issuer: " + op.Issuer + "}]\n" +
		"    console: {clientId: atlas-mcp-console, redirectURL: " + base + "/sso/callback}\n" +
		"agents:\n  bot:\n    default: true\n    tokenSha256: " + shaHex("bot-token-0123456789abcdef") + "\n    grants: [{area: '*', access: [read, write]}]\n" +
		"approvers:\n  sre-leads:\n    match: {group: sre-leads}\n" +
		"confirm:\n  withoutElicitation: approval\n"
	if err := os.WriteFile(pol, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ATLAS_MCP_AUDIT_LOG": filepath.Join(dir, "audit.jsonl")}
	first := runCLI(t, env, nil, "--sandbox", "--policy", pol, "call", "atlas-delete-cluster", `{"clusterName":"staging"}`)
	id := regexp.MustCompile(`apr_[0-9a-f]{32}`).FindString(first.stdout + first.stderr)
	if id == "" {
		t.Fatalf("not pending: %+v", first)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	serveEnv := map[string]string{"ATLAS_MCP_AUDIT_LOG": env["ATLAS_MCP_AUDIT_LOG"], "ATLAS_MCP_CONSOLE_CLIENT_SECRET": "console-secret-0123"}
	go func() {
		done <- run(ctx, []string{"--policy", pol, "approvals", "serve", "--listen", addr}, nil, &syncBuffer{}, stderr, envFrom(serveEnv))
	}()
	for i := 0; i < 200 && !strings.Contains(stderr.String(), "serving the approval console"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	mustContain(t, "serve", stderr.String(), "approvers may sign in with "+op.Issuer)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(u string) string {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("%s: %v (%s)", u, err, stderr.String())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	mustContain(t, "sign-in page", get(base+"/"), "Sign in with "+op.Issuer, "Approver token")
	mustContain(t, "callback", get(base+"/sso/login?next="+id), "Signed in as approver <strong>sre-leads</strong>", "approvers.sre-leads.match")
	mustContain(t, "request", get(base+"/"+id), "subject lee", "staging", `name="csrf"`)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
