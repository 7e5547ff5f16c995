package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func shaHex(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// TestApprovalsCLI: a `call` without a terminal gets a pending approval; the
// person approves it with `atlas-mcp approvals approve` (their own token, not
// the agent's); the next `call` process resumes it with approvalId, once.
func TestApprovalsCLI(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	src := "agents:\n  bot:\n    default: true\n    tokenSha256: " + shaHex("agent-token-0123456789") + "\n    grants: [{area: '*', access: [read, write]}]\n" +
		"approvers:\n  alice:\n    tokenSha256: " + shaHex("alice-token-0123456789") + "\n" +
		"confirm:\n  withoutElicitation: approval\n"
	if err := os.WriteFile(pol, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ATLAS_MCP_AUDIT_LOG": filepath.Join(dir, "audit.jsonl"), "ATLAS_MCP_APPROVALS_URL": "http://127.0.0.1:8081/approvals"}
	args := `{"clusterName":"staging"}`
	first := runCLI(t, env, strings.NewReader(""), "--sandbox", "--policy", pol, "call", "atlas-delete-cluster", args)
	id := regexp.MustCompile(`apr_[0-9a-f]{32}`).FindString(first.stdout + first.stderr)
	if first.exitCode() == 0 || id == "" {
		t.Fatalf("not pending: %+v", first)
	}
	mustContain(t, "pending answer", first.stdout+first.stderr, "atlas-mcp approvals approve "+id, "http://127.0.0.1:8081/approvals/"+id)

	asAgent := map[string]string{"ATLAS_MCP_AUDIT_LOG": env["ATLAS_MCP_AUDIT_LOG"], "ATLAS_MCP_APPROVER_TOKEN": "agent-token-0123456789"}
	if r := runCLI(t, asAgent, nil, "--policy", pol, "approvals", "approve", id); r.err == nil || !strings.Contains(r.err.Error(), "agents cannot approve") {
		t.Fatalf("agent token approved: %+v", r)
	}
	asAlice := map[string]string{"ATLAS_MCP_AUDIT_LOG": env["ATLAS_MCP_AUDIT_LOG"], "ATLAS_MCP_APPROVER_TOKEN": "alice-token-0123456789"}
	list := runCLI(t, asAlice, nil, "--policy", pol, "approvals", "list")
	mustContain(t, "list", list.stdout, id, "atlas-delete-cluster", "bot")
	show := runCLI(t, asAlice, nil, "--policy", pol, "approvals", "show", id)
	mustContain(t, "show", show.stdout, "Delete cluster staging (id ", "all its data", "cannot be undone")
	if r := runCLI(t, asAlice, nil, "--policy", pol, "approvals", "deny", id); r.err == nil || !strings.Contains(r.err.Error(), "--reason") {
		t.Fatalf("deny without reason: %+v", r)
	}
	ok := runCLI(t, asAlice, nil, "--policy", pol, "approvals", "approve", id, "--reason", "checked")
	mustContain(t, "approve", ok.stdout, "Approved "+id)
	// The decision is in the audit log now, not only once the call resumes
	// (it may never): one record, in the shape the server's console writes.
	logged, err := os.ReadFile(env["ATLAS_MCP_AUDIT_LOG"])
	if err != nil {
		t.Fatal(err)
	}
	var decision map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(logged)), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["confirmation"] == "approval_decision" {
			decision = rec
		}
	}
	if decision == nil {
		t.Fatalf("no approval_decision record after approvals approve:\n%s", logged)
	}
	if out, _ := decision["outcome"].(map[string]any); out["message"] != id+" approved by alice" {
		t.Errorf("decision record outcome %v", decision["outcome"])
	}
	if dec, _ := decision["decision"].(map[string]any); dec["rule"] != "approvers.alice" || dec["reason"] != "checked" || dec["allow"] != true {
		t.Errorf("decision record decision %v", decision["decision"])
	}

	resumed := `{"clusterName":"staging","approvalId":"` + id + `"}`
	run := runCLI(t, env, strings.NewReader(""), "--sandbox", "--policy", pol, "call", "atlas-delete-cluster", resumed)
	if run.exitCode() != 0 {
		t.Fatalf("resumed call: %+v", run)
	}
	again := runCLI(t, env, strings.NewReader(""), "--sandbox", "--policy", pol, "call", "atlas-delete-cluster", resumed)
	// The second call plans anew: the cluster is DELETING, so it is refused
	// while planning; were it not, the used approval would refuse it.
	if again.exitCode() == 0 || !(strings.Contains(again.stdout+again.stderr, "already used") || strings.Contains(again.stdout, "DELETING")) {
		t.Fatalf("second use: %+v", again)
	}
}

// TestApprovalsServe: `atlas-mcp approvals serve` is the console alone over
// the same store, for stdio deployments; an approver signs in and decides
// there a request a `call` process made.
func TestApprovalsServe(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	// The agent's token variable is set for the server, not at the
	// approver's terminal; the console still loads the policy.
	src := "agents:\n  bot:\n    default: true\n    tokenEnv: ATLAS_MCP_BOT_TOKEN\n    grants: [{area: '*', access: [read, write]}]\n" +
		"approvers:\n  alice:\n    tokenSha256: " + shaHex("alice-token-0123456789") + "\n" +
		"confirm:\n  withoutElicitation: approval\n"
	if err := os.WriteFile(pol, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ATLAS_MCP_AUDIT_LOG": filepath.Join(dir, "audit.jsonl")}
	first := runCLI(t, map[string]string{"ATLAS_MCP_AUDIT_LOG": env["ATLAS_MCP_AUDIT_LOG"], "ATLAS_MCP_BOT_TOKEN": "bot-token-0123456789abcdef"}, nil, "--sandbox", "--policy", pol, "call", "atlas-delete-cluster", `{"clusterName":"staging"}`)
	id := regexp.MustCompile(`apr_[0-9a-f]{32}`).FindString(first.stdout + first.stderr)
	if id == "" {
		t.Fatalf("not pending: %+v", first)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--policy", pol, "approvals", "serve", "--listen", addr}, nil, &syncBuffer{}, stderr, envFrom(env))
	}()
	base := "http://" + addr + "/approvals"
	var page string
	for i := 0; i < 100 && !strings.Contains(stderr.String(), "serving the approval console"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"token": {"alice-token-0123456789"}})
	if err != nil {
		t.Fatalf("console: %v (%s)", err, stderr.String())
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page = string(b)
	mustContain(t, "console", page, "Signed in as <strong>alice</strong>", id, "staging")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
