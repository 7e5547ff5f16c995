package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
)

// urlHost is a host that can only open pages (URL-mode elicitation): it
// "opens" the console page by approving there, as its person would.
type urlHost struct {
	mu      sync.Mutex
	asked   []mcp.ElicitationParams
	approve func(id string)
}

func (u *urlHost) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	u.mu.Lock()
	u.asked = append(u.asked, req.Params)
	u.mu.Unlock()
	if u.approve != nil {
		u.approve(req.Params.ElicitationID)
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
}

func urlClient(t *testing.T, h *harness, proto string, host *urlHost) *mcpclient.Client {
	t.Helper()
	c, err := mcpclient.NewInProcessClientWithOptions(h.server.MCP(), mcpclient.WithElicitationHandler(host), mcpclient.WithProtocolVersion(proto))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = proto
	init.Params.ClientInfo = mcp.Implementation{Name: "url-host", Version: "1"}
	init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{URL: &struct{}{}}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestApprovalByURLElicitation: a host that supports URL-mode elicitation is
// asked to open the request's console page; when its person approved there,
// the call completes in the same tools/call.
func TestApprovalByURLElicitation(t *testing.T) {
	pol := approvalPolicy(t, "")
	mux := http.NewServeMux()
	console := httptest.NewServer(mux)
	defer console.Close()
	svc := sqliteService(t, console.URL+"/approvals")
	mux.Handle("/approvals/", approvals.NewConsole(svc, pol, "/approvals"))
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	// Both protocol generations: 2026-07-28 hosts get the input request
	// directly, older ones through mcp-go's bridge. Each deletes its own cluster.
	for proto, cluster := range map[string]string{mcp.LATEST_PROTOCOL_VERSION: "dev-sandbox", "2025-11-25": "staging"} {
		t.Run(proto, func(t *testing.T) {
			host := &urlHost{approve: func(id string) { decideVia(t, console.URL, id, aliceTok, "approve", "via the page") }}
			c := urlClient(t, h, proto, host)
			res := call(t, c, "atlas-delete-cluster", `{"clusterName":"`+cluster+`"}`)
			if res.IsError {
				t.Fatalf("call: %s", resultText(res))
			}
			if len(host.asked) != 1 || host.asked[0].Mode != mcp.ElicitationModeURL || !strings.HasPrefix(host.asked[0].URL, console.URL+"/approvals/apr_") {
				t.Fatalf("asked %+v", host.asked)
			}
			if h.requestsTo("DELETE", "/clusters/"+cluster) != 1 {
				t.Fatal("the approved call did not run")
			}
		})
	}
}

// TestApprovalWaitProgress: with confirm.approvalWait the call waits, sending
// progress notifications, and finishes when the person decides.
func TestApprovalWaitProgress(t *testing.T) {
	pol := approvalPolicy(t, "  approvalWait: 20s\n")
	svc := sqliteService(t, "")
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	c := h.client(t)
	var mu sync.Mutex
	var progress []string
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			progress = append(progress, n.Params.AdditionalFields["message"].(string))
			mu.Unlock()
		}
	})
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			list, _ := svc.List(context.Background(), 10, approvals.StatusPending)
			mu.Lock()
			seen := len(progress)
			mu.Unlock()
			if len(list) == 1 && seen > 0 {
				time.Sleep(200 * time.Millisecond)
				_, _ = svc.Decide(context.Background(), list[0].ID, pol.ApproverByToken(aliceTok), false, "wrong cluster")
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	req := mcp.CallToolRequest{}
	req.Params.Name = "atlas-delete-cluster"
	req.Params.Arguments = map[string]any{"clusterName": "staging"}
	req.Params.Meta = &mcp.Meta{ProgressToken: "p1"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(resultText(res), "alice denied") || !strings.Contains(resultText(res), "wrong cluster") {
		t.Fatalf("result: %s", resultText(res))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) == 0 || !strings.Contains(progress[0], "waiting for approval") {
		t.Fatalf("progress %v", progress)
	}
}

// TestApprovalExpiryRecorded: a request nobody decides expires, and the
// server records it even though the agent never comes back.
func TestApprovalExpiryRecorded(t *testing.T) {
	pol := approvalPolicy(t, "  approvalTTL: 1s\n")
	svc := sqliteService(t, "")
	h := newHarness(t, harnessOpts{policy: pol, approvals: svc})
	res := call(t, h.client(t), "atlas-delete-cluster", `{"clusterName":"staging"}`)
	id, _ := approvalOf(t, res.StructuredContent)
	time.Sleep(1100 * time.Millisecond)
	if err := svc.Sweep(context.Background()); err != nil { // what the sweeper does every 15 s
		t.Fatal(err)
	}
	for _, r := range h.records(t) {
		if r.Confirmation == "approval_expired" && r.Approval != nil && r.Approval.ID == id && r.Approval.Status == "expired" && r.Outcome.ErrorCode == "APPROVAL_EXPIRED" {
			return
		}
	}
	t.Fatal("the expired request is not in the audit log")
}
