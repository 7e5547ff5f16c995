package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

func multiAgentPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	data, err := os.ReadFile("../../testdata/policies/multi-agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "ATLAS_MCP_CAROL_TOKEN" {
			return "carol-token-0123456789abcdef", true
		}
		return "", false
	}
	p, err := policy.Parse(data, "multi-agent.yaml", policy.Options{LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) serveHTTP(t *testing.T) *httptest.Server {
	t.Helper()
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	hs := httptest.NewServer(handler)
	t.Cleanup(func() { _ = shutdown(context.Background()); hs.Close() })
	return hs
}

func httpClient(t *testing.T, url, token string) (*mcpclient.Client, error) {
	t.Helper()
	c, err := mcpclient.NewStreamableHttpClient(url+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-11-25"
	init.Params.ClientInfo = mcp.Implementation{Name: "go-http-host", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		_ = c.Close()
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, nil
}

func TestHTTPNeedsAnAgentToken(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs := h.serveHTTP(t)
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	for _, auth := range []string{"", "Bearer wrong", "Basic YWxpY2U6eA=="} {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Without identity.oauth no challenge: a bare "Bearer" sends hosts into
		// an OAuth flow that cannot succeed; the body says how to pass the header.
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "" || !strings.Contains(string(b), "Authorization: Bearer <token>") {
			t.Errorf("auth %q: status %d, WWW-Authenticate %q, body %q", auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
		}
	}
	if _, err := httpClient(t, hs.URL, "wrong"); err == nil {
		t.Fatal("a client with a wrong token initialized")
	}
	// A cross-site browser origin is refused even with a token.
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer alice-token")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: %d", resp.StatusCode)
	}
}

func TestHTTPAgentsSeeDifferentToolsAndSessionsStayTheirs(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs := h.serveHTTP(t)
	alice, err := httpClient(t, hs.URL, "alice-token")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := httpClient(t, hs.URL, "bob-token")
	if err != nil {
		t.Fatal(err)
	}
	names := func(c *mcpclient.Client) map[string]bool {
		res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, tl := range res.Tools {
			m[tl.Name] = true
		}
		return m
	}
	a, b := names(alice), names(bob)
	if !a["atlas-create-cluster"] || b["atlas-create-cluster"] || !b["atlas-list-clusters"] || b["atlas-delete-db-user"] {
		t.Fatalf("alice %d tools, bob %d tools; bob create-cluster %v", len(a), len(b), b["atlas-create-cluster"])
	}
	res := call(t, bob, "atlas-create-cluster", `{"clusterName":"bobs","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`)
	if !res.IsError || !strings.Contains(resultText(res), "Refused by policy") {
		t.Fatalf("bob calling a hidden tool: %s", resultText(res))
	}
	who := call(t, alice, "atlas-whoami", `{}`)
	if !strings.Contains(resultText(who), `"alice"`) {
		t.Fatalf("whoami: %s", resultText(who))
	}
	recs := h.records(t)
	last := recs[len(recs)-1]
	if last.Agent != "alice" || last.Session == "" {
		t.Fatalf("audit record: %+v", last)
	}

	// Bob's token with Alice's session ID is refused.
	sid := alice.GetSessionId()
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}`))
	req.Header.Set("Authorization", "Bearer bob-token")
	req.Header.Set("Mcp-Session-Id", sid)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("session hijack: status %d", resp.StatusCode)
	}
}

// 1,000 concurrent calls over streamable HTTP leave 1,000 records that verify.
func TestHTTPConcurrentCallsAreAllAudited(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	// Buckets big enough that this test measures the pipeline, not the rate limits.
	big := atlasclient.Limit{Capacity: 100000, Refill: 100000, Per: time.Minute}
	h := newHarness(t, harnessOpts{
		policy: multiAgentPolicy(t),
		sim:    atlassim.Options{Limits: map[string]atlassim.Limit{"standard": {Capacity: 100000, Refill: 100000, Per: time.Minute}, "clusters": {Capacity: 100000, Refill: 100000, Per: time.Minute}}},
		limits: map[string]atlasclient.Limit{atlasclient.SetStandard: big, atlasclient.SetClusters: big},
	})
	hs := h.serveHTTP(t)
	const sessions, perSession = 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, sessions*perSession)
	for s := 0; s < sessions; s++ {
		c, err := httpClient(t, hs.URL, "alice-token")
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(c *mcpclient.Client) {
			defer wg.Done()
			var inner sync.WaitGroup
			for i := 0; i < perSession; i++ {
				inner.Add(1)
				go func(i int) {
					defer inner.Done()
					req := mcp.CallToolRequest{}
					req.Params.Name = "atlas-list-clusters"
					if i%2 == 1 {
						req.Params.Name = "atlas-list-orgs"
					}
					res, err := c.CallTool(context.Background(), req)
					if err != nil {
						errs <- err
					} else if res.IsError {
						errs <- fmt.Errorf("%s", resultText(res))
					}
				}(i)
			}
			inner.Wait()
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recs := h.records(t)
	if len(recs) != sessions*perSession {
		t.Fatalf("%d records for %d calls", len(recs), sessions*perSession)
	}
	rep, err := audit.Verify(h.auditPath)
	if err != nil || !rep.OK || rep.Records != sessions*perSession {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	hs := httptest.NewServer(handler)
	defer hs.Close()
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, b.String())
		}
	}
	_ = shutdown(context.Background())
	resp, err := http.Get(hs.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("draining /readyz: %d", resp.StatusCode)
	}
}
