package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

const (
	aliceTok = "alice-approver-token-0123456789"
	bobTok   = "bob-approver-token-0123456789"
	agentTok = "agent-bot-token-0123456789"
)

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// approvalPolicy: agent bot (default for stdio) with every grant; alice and
// bob approve; deleting in the demo project needs both.
func approvalPolicy(t *testing.T, extra string) *policy.Policy {
	t.Helper()
	return approvalPolicyOf(t, "  alice:\n    tokenSha256: "+sha(aliceTok)+"\n  bob:\n    tokenSha256: "+sha(bobTok)+"\n", extra)
}

// approvalPolicyOf is the approval tests' policy with the given approvers.
func approvalPolicyOf(t *testing.T, approvers, extra string) *policy.Policy {
	t.Helper()
	src := `agents:
  bot:
    default: true
    tokenSha256: ` + sha(agentTok) + `
    grants: [{area: '*', access: [read, write]}]
approvers:
` + approvers + `confirm:
  withoutElicitation: approval
` + extra
	var catalogue []policy.ToolInfo
	for _, tl := range tools.ForCloud(atlasclient.Commercial) {
		catalogue = append(catalogue, ToolInfo(tl))
	}
	p, err := policy.Parse([]byte(src), "approvals.yaml", policy.Options{Tools: catalogue})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sqliteService(t *testing.T, consoleURL string) *approvals.Service {
	t.Helper()
	st, err := approvals.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "approvals.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return approvals.NewService(approvals.Options{Store: st, ConsoleURL: consoleURL})
}

// consoleOf serves a server's HTTP handler (its /approvals console) on a
// loopback port, as a replica behind a load balancer would.
func consoleOf(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	h, _ := s.HTTPHandler(HTTPOptions{Stateless: true})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func decideVia(t *testing.T, base, id, token, verb, reason string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/approvals/api/requests/"+id+"/"+verb, strings.NewReader(`{"reason":"`+reason+`"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func approvalOf(t *testing.T, res any) (string, map[string]any) {
	t.Helper()
	sc, _ := res.(map[string]any)
	id, _ := sc["approvalId"].(string)
	if sc["status"] != "pending" || id == "" {
		t.Fatalf("not a pending result: %v", res)
	}
	return id, sc
}

func TestApprovalThroughConsole(t *testing.T) {
	pol := approvalPolicy(t, "  rules:\n    - tool: atlas-delete-db-user\n      approvals: 2\n")
	svc := sqliteService(t, "")
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	// The console on its own, as `atlas-mcp approvals serve` runs it: the
	// in-process client here is a stdio host (HTTPHandler would make it HTTP).
	mux := http.NewServeMux()
	cons := approvals.NewConsole(svc, pol, "/approvals")
	mux.Handle("/approvals/", cons)
	console := httptest.NewServer(mux)
	defer console.Close()
	c := h.client(t)

	t.Run("pending, approve, resume once", func(t *testing.T) {
		args := `{"clusterName":"staging"}`
		first := call(t, c, "atlas-delete-cluster", args)
		id, sc := approvalOf(t, first.StructuredContent)
		if !first.IsError || !strings.Contains(resultText(first), "approvalId") || sc["requiredApprovals"].(float64) != 1 {
			t.Fatalf("pending: %s %v", resultText(first), sc)
		}
		req, _ := svc.Get(context.Background(), id)
		if !strings.Contains(req.Rendering.Title, "Delete cluster staging (id ") || !strings.Contains(strings.Join(req.Rendering.Lines, "\n"), "all its data") || req.Resource != `cluster "staging"` {
			t.Fatalf("rendering: %+v", req.Rendering)
		}
		if h.requestsTo("DELETE", "") != 0 {
			t.Fatal("DELETE sent before approval")
		}
		// Still pending: resuming says so again.
		if again := call(t, c, "atlas-delete-cluster", `{"clusterName":"staging","approvalId":"`+id+`"}`); !again.IsError {
			t.Fatal("ran before approval")
		}
		if code := decideVia(t, console.URL, id, agentTok, "approve", ""); code != http.StatusForbidden {
			t.Fatalf("agent token approving: %d", code)
		}
		if code := decideVia(t, console.URL, id, aliceTok, "approve", "ok"); code != http.StatusOK {
			t.Fatalf("alice: %d", code)
		}
		other := call(t, c, "atlas-delete-cluster", `{"clusterName":"dev-sandbox","approvalId":"`+id+`"}`)
		if !other.IsError || !strings.Contains(resultText(other), "different call") {
			t.Fatalf("other plan: %s", resultText(other))
		}
		ok := call(t, c, "atlas-delete-cluster", `{"clusterName":"staging","approvalId":"`+id+`"}`)
		if ok.IsError {
			t.Fatalf("resume: %s", resultText(ok))
		}
		twice := call(t, c, "atlas-delete-cluster", `{"clusterName":"staging","approvalId":"`+id+`"}`)
		// The second call plans anew: the cluster is gone (the simulator
		// deletes at once here), so planning refuses it; were it there, the
		// used approval would.
		if !twice.IsError || !(strings.Contains(resultText(twice), "already used") || strings.Contains(resultText(twice), "CLUSTER_NOT_FOUND")) {
			t.Fatalf("second use: %s", resultText(twice))
		}
		if n := h.requestsTo("DELETE", "/clusters/"); n != 1 {
			t.Fatalf("%d DELETEs, want 1", n)
		}
		var asked, ran *audit.Record
		for _, r := range h.records(t) {
			r := r
			if r.Approval != nil && r.Approval.ID == id {
				if r.Confirmation == "approval_requested" && asked == nil {
					asked = &r
				}
				if r.Confirmation == "approved" {
					ran = &r
				}
			}
		}
		if asked == nil || asked.Approval.Status != "pending" || asked.Approval.PlanHash == "" {
			t.Fatalf("no record of the request: %+v", asked)
		}
		if ran == nil || !ran.Outcome.OK || len(ran.Approval.Decisions) != 1 || ran.Approval.Decisions[0].Approver != "alice" || ran.Approval.Decisions[0].Reason != "ok" {
			t.Fatalf("record of the run: %+v", ran)
		}
	})

	t.Run("two-person rule and deny", func(t *testing.T) {
		args := `{"username":"analytics-ro"}`
		first := call(t, c, "atlas-delete-db-user", args)
		if !first.IsError {
			t.Fatalf("not pending: %s", resultText(first))
		}
		id, sc := approvalOf(t, first.StructuredContent)
		if sc["requiredApprovals"].(float64) != 2 {
			t.Fatalf("required %v", sc["requiredApprovals"])
		}
		decideVia(t, console.URL, id, aliceTok, "approve", "")
		if r := call(t, c, "atlas-delete-db-user", `{"username":"analytics-ro","approvalId":"`+id+`"}`); !r.IsError || !strings.Contains(resultText(r), "2 different people") {
			t.Fatalf("after one of two: %s", resultText(r))
		}
		if code := decideVia(t, console.URL, id, aliceTok, "approve", ""); code != http.StatusConflict {
			t.Fatalf("alice twice: %d", code)
		}
		decideVia(t, console.URL, id, bobTok, "deny", "user still in use")
		r := call(t, c, "atlas-delete-db-user", `{"username":"analytics-ro","approvalId":"`+id+`"}`)
		if !r.IsError || !strings.Contains(resultText(r), "bob denied") || !strings.Contains(resultText(r), "user still in use") {
			t.Fatalf("denied: %s", resultText(r))
		}
		if h.requestsTo("DELETE", "/databaseUsers/") != 0 {
			t.Fatal("a denied call ran")
		}
	})

	t.Run("invented id", func(t *testing.T) {
		r := call(t, c, "atlas-delete-cluster", `{"clusterName":"dev-sandbox","approvalId":"apr_00000000000000000000000000000000"}`)
		if !r.IsError || !strings.Contains(resultText(r), "Never invent") {
			t.Fatalf("%s", resultText(r))
		}
	})
}

// TestApprovalReplicas: two replicas share one PostgreSQL store. The request
// is created through replica A, approved in replica B's console, and the call
// waiting on A (confirm.approvalWait) completes there, woken by NOTIFY.
func TestApprovalReplicas(t *testing.T) {
	url := os.Getenv("ATLAS_MCP_TEST_POSTGRES")
	if url == "" {
		t.Skip("SKIPPED: no PostgreSQL for the replica test. Set ATLAS_MCP_TEST_POSTGRES, e.g. eval \"$(scripts/pg-test-env start)\" (needs Debian's postgresql; .ci/run installs it).")
	}
	ctx := context.Background()
	open := func() *approvals.Service {
		st, err := approvals.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return approvals.NewService(approvals.Options{Store: st})
	}
	pol := approvalPolicy(t, "  approvalWait: 20s\n")
	a := newHarness(t, harnessOpts{policy: pol, approvals: open()})
	b := newHarness(t, harnessOpts{policy: pol, approvals: open()})
	consoleB := consoleOf(t, b.server)
	c := a.client(t)

	var wg sync.WaitGroup
	wg.Add(1)
	var res string
	var isErr bool
	go func() {
		defer wg.Done()
		r := call(t, c, "atlas-delete-cluster", `{"clusterName":"dev-sandbox"}`)
		res, isErr = resultText(r), r.IsError
	}()
	var id string
	deadline := time.Now().Add(10 * time.Second)
	for id == "" && time.Now().Before(deadline) {
		resp, err := http.NewRequest(http.MethodGet, consoleB.URL+"/approvals/api/requests?status=pending", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Header.Set("Authorization", "Bearer "+aliceTok)
		got, err := http.DefaultClient.Do(resp)
		if err == nil {
			var body struct {
				Requests []approvals.Request `json:"requests"`
			}
			_ = jsonDecode(got, &body)
			for _, r := range body.Requests {
				if r.Resource == `cluster "dev-sandbox"` {
					id = r.ID
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if id == "" {
		t.Fatal("replica B's console never showed the request made on A")
	}
	start := time.Now()
	if code := decideVia(t, consoleB.URL, id, aliceTok, "approve", "replica B"); code != http.StatusOK {
		t.Fatalf("approve on B: %d", code)
	}
	wg.Wait()
	if isErr {
		t.Fatalf("the waiting call on A failed: %s", res)
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("A woke %s after the approval; NOTIFY should wake it at once", time.Since(start))
	}
	if a.requestsTo("DELETE", "/clusters/dev-sandbox") != 1 {
		t.Fatal("the DELETE did not run on A")
	}
	// B's audit log has the decision made on its console; A's has the call
	// with the approval and its decision.
	var onB, onA bool
	for _, r := range b.records(t) {
		onB = onB || (r.Confirmation == "approval_decision" && r.Approval != nil && r.Approval.ID == id && r.Decision.Rule == "approvers.alice")
	}
	for _, r := range a.records(t) {
		onA = onA || (r.Confirmation == "approved" && r.Approval != nil && r.Approval.ID == id && len(r.Approval.Decisions) == 1 && r.Approval.Decisions[0].Reason == "replica B")
	}
	if !onB || !onA {
		t.Fatalf("audit: decision on B %v, approved call on A %v", onB, onA)
	}

	// Without approvalWait: the request made through replica D is approved
	// on B's console and the agent resumes on replica C.
	noWait := approvalPolicy(t, "")
	d := newHarness(t, harnessOpts{policy: noWait, approvals: open()})
	cRep := newHarness(t, harnessOpts{policy: noWait, approvals: open()})
	first := call(t, d.client(t), "atlas-delete-cluster", `{"clusterName":"staging"}`)
	pid, _ := approvalOf(t, first.StructuredContent)
	if code := decideVia(t, consoleB.URL, pid, aliceTok, "approve", ""); code != http.StatusOK {
		t.Fatalf("approve on B: %d", code)
	}
	if r := call(t, cRep.client(t), "atlas-delete-cluster", `{"clusterName":"staging","approvalId":"`+pid+`"}`); r.IsError {
		t.Fatalf("resume on C: %s", resultText(r))
	}
	if cRep.requestsTo("DELETE", "/clusters/staging") != 1 || d.requestsTo("DELETE", "") != 0 {
		t.Fatal("the resumed call did not run on C (alone)")
	}
}

// TestConfirmationTokenAcrossReplicas: token mode's one-time state lives in
// the shared store, so a token issued by one replica (or one `call` process)
// is redeemed by another, once.
func TestConfirmationTokenAcrossReplicas(t *testing.T) {
	data, err := os.ReadFile("../../testdata/policies/token-confirm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse(data, "token-confirm.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := approvals.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "approvals.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := newHarness(t, harnessOpts{policy: pol, approvals: approvals.NewService(approvals.Options{Store: st})})
	b := newHarness(t, harnessOpts{policy: pol, approvals: approvals.NewService(approvals.Options{Store: st})})
	args := `{"projectId":"` + atlassim.DemoProject2ID + `"}`
	first := call(t, a.client(t), "atlas-delete-project", args)
	sc, _ := first.StructuredContent.(map[string]any)
	token, _ := sc["confirmationToken"].(string)
	if token == "" {
		t.Fatalf("no token: %s", resultText(first))
	}
	withToken := `{"projectId":"` + atlassim.DemoProject2ID + `","confirmationToken":"` + token + `"}`
	if r := call(t, b.client(t), "atlas-delete-project", withToken); r.IsError {
		t.Fatalf("replica B refused A's token: %s", resultText(r))
	}
	if r := call(t, a.client(t), "atlas-delete-project", withToken); !r.IsError {
		t.Fatal("the token was redeemed twice")
	}
}

func jsonDecode(r *http.Response, v any) error {
	defer r.Body.Close()
	return json.NewDecoder(r.Body).Decode(v)
}

// The console mounted beside /mcp judges approvers by the policy in force:
// after a reload that removes one, their token no longer signs in or
// decides, without a restart.
func TestConsoleFollowsPolicyReloads(t *testing.T) {
	pol := approvalPolicy(t, "")
	svc := sqliteService(t, "")
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	c := h.client(t)
	first := call(t, c, "atlas-delete-cluster", `{"clusterName":"staging"}`)
	id, _ := approvalOf(t, first.StructuredContent)

	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	defer func() { _ = shutdown(context.Background()) }()
	srv := httptest.NewServer(handler)
	defer srv.Close()

	withoutBob := approvalPolicyOf(t, "  alice:\n    tokenSha256: "+sha(aliceTok)+"\n", "")
	if err := h.server.SwapPolicy(withoutBob); err != nil {
		t.Fatal(err)
	}
	if code := decideVia(t, srv.URL, id, bobTok, "approve", "still me"); code == http.StatusOK {
		t.Fatal("an approver removed by the reload still decided")
	}
	if req, _ := svc.Get(context.Background(), id); req.Status != approvals.StatusPending {
		t.Fatalf("status after the removed approver tried: %s", req.Status)
	}
	if code := decideVia(t, srv.URL, id, aliceTok, "approve", "ok"); code != http.StatusOK {
		t.Fatalf("alice, still an approver: %d", code)
	}
}

// A pending answer does not repeat the secrets of the call it holds: the
// resume arguments carry a placeholder and say so; resuming with the
// placeholder is a different call, and with the value the agent sent it runs.
func TestPendingAnswerWithholdsTheCallsSecrets(t *testing.T) {
	pol := approvalPolicy(t, "  rules:\n    - tool: atlas-create-db-user\n      approvals: 1\n")
	svc := sqliteService(t, "")
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	c := h.client(t)
	const password = "Pending-Passw0rd-not-echoed"
	args := `{"username":"reporter","password":"` + password + `","roles":[{"roleName":"read","databaseName":"sales"}]}`
	first := call(t, c, "atlas-create-db-user", args)
	id, sc := approvalOf(t, first.StructuredContent)
	whole, _ := json.Marshal(first)
	if strings.Contains(string(whole), password) {
		t.Fatalf("the pending answer repeats the password: %s", whole)
	}
	resume, _ := sc["resume"].(map[string]any)
	rargs, _ := resume["arguments"].(map[string]any)
	if rargs["password"] != withheldSecret || rargs["username"] != "reporter" || rargs["approvalId"] != id {
		t.Fatalf("resume arguments: %v", rargs)
	}
	if !strings.Contains(resultText(first), "(password) are not repeated here") {
		t.Fatalf("the answer does not say what it withheld: %s", resultText(first))
	}
	if _, err := svc.Decide(context.Background(), id, pol.ApproverByToken(aliceTok), true, "ok"); err != nil {
		t.Fatal(err)
	}
	// Copying the resume arguments as they are: the placeholder is not the
	// password that was approved.
	copied, _ := json.Marshal(rargs)
	if r := call(t, c, "atlas-create-db-user", string(copied)); !r.IsError || !strings.Contains(resultText(r), "different call") {
		t.Fatalf("resuming with the placeholder: %s", resultText(r))
	}
	if n := h.requestsTo("POST", "/databaseUsers"); n != 0 {
		t.Fatalf("%d POSTs before the real resume", n)
	}
	ok := call(t, c, "atlas-create-db-user", strings.TrimSuffix(args, "}")+`,"approvalId":"`+id+`"}`)
	if ok.IsError {
		t.Fatalf("resume with the password: %s", resultText(ok))
	}
	if n := h.requestsTo("POST", "/databaseUsers"); n != 1 {
		t.Fatalf("%d POSTs, want 1", n)
	}
}
