package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

const oauthResource = "http://127.0.0.1:8080/mcp"

// An access token from a real provider opens a session as the agent its claims
// map to; the agent sees only its tools, and the audit names the person.
func TestHTTPOAuthAgent(t *testing.T) {
	op, err := testop.Start(testop.Config{Clients: []testop.Client{
		{ID: "reader-bot", Secret: "s1", Audience: []string{oauthResource}, Claims: map[string]any{"act": map[string]any{"sub": "carol@example.com"}}},
		{ID: "writer-bot", Secret: "s2", Audience: []string{oauthResource}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	y := fmt.Sprintf(`
identity:
  oauth:
    resource: %s
    issuers: [{issuer: %s}]
    scopes: {write: atlas.write}
agents:
  reader:
    match: {clientId: reader-bot}
    grants: [{area: clusters, access: [read]}]
  writer:
    match: {clientId: writer-bot}
    grants: [{area: projects, access: [read, write]}]
`, oauthResource, op.Issuer)
	p, err := policy.Parse([]byte(y), "policy.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{policy: p})
	// Every Authorization header that reaches "Atlas", to show the client's
	// token never does.
	var (
		seenMu sync.Mutex
		seen   []string
	)
	sim := h.http.Config.Handler
	h.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenMu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		seenMu.Unlock()
		sim.ServeHTTP(w, r)
	})
	hs := h.serveHTTP(t)
	ctx := context.Background()

	tok, err := op.ClientCredentials(ctx, "reader-bot", "s1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := httpClient(t, hs.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	if !slices.Contains(names, "atlas-list-clusters") || slices.Contains(names, "atlas-list-projects") || slices.Contains(names, "atlas-create-cluster") {
		t.Fatalf("reader sees %v", names)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "atlas-whoami"
	if _, err := c.CallTool(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Params.Name = "atlas-list-clusters"
	req.Params.Arguments = map[string]any{"projectId": atlassim.DemoProjectID}
	if res, err := c.CallTool(ctx, req); err != nil || res.IsError {
		t.Fatalf("list clusters: %v %v", err, res)
	}
	seenMu.Lock()
	if len(seen) == 0 {
		t.Error("the call reached no Atlas endpoint")
	}
	for _, a := range seen {
		if strings.Contains(a, tok) {
			t.Errorf("the client's access token was sent to Atlas")
		}
	}
	seenMu.Unlock()
	req.Params.Name, req.Params.Arguments = "atlas-whoami", nil
	if _, err := c.CallTool(ctx, req); err != nil {
		t.Fatal(err)
	}
	recs := h.records(t)
	last := recs[len(recs)-1]
	if last.Agent != "reader" || last.Principal == nil || last.Principal.Subject != "reader-bot" || last.Principal.Actor != "carol@example.com" || last.Principal.Match != "agents.reader.match" || last.Principal.Issuer != op.Issuer {
		t.Fatalf("audit record: agent %q principal %+v", last.Agent, last.Principal)
	}

	// A write without the write scope: 403 insufficient_scope naming it, so
	// the client can ask for it; with the scope the call goes through.
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"atlas-create-project","arguments":{"name":"p1","orgId":"` + atlassim.DemoOrgID + `","dryRun":true}}}`
	for _, tc := range []struct {
		scopes []string
		status int
	}{{nil, http.StatusForbidden}, {[]string{"atlas.write"}, http.StatusOK}} {
		wt, err := op.ClientCredentials(ctx, "writer-bot", "s2", tc.scopes...)
		if err != nil {
			t.Fatal(err)
		}
		wc, err := httpClient(t, hs.URL, wt)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(call))
		r.Header.Set("Authorization", "Bearer "+wt)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		r.Header.Set("Mcp-Session-Id", wc.GetSessionId())
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("scopes %v: %d %s", tc.scopes, resp.StatusCode, body)
		}
		if tc.status == http.StatusForbidden && !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope", scope="atlas.write"`) {
			t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
		}
	}

	// The metadata hosts use to find the issuer.
	resp, err := http.Get(hs.URL + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"authorization_servers":["`+op.Issuer+`"]`) {
		t.Errorf("metadata: %s", b)
	}
}

// Through the real HTTP handler: a refused token is a 401 pointing at the
// metadata, and why it was refused is in the server log, not in the body.
func TestHTTPOAuthRefusalReasonIsLoggedNotSent(t *testing.T) {
	op, err := testop.Start(testop.Config{Clients: []testop.Client{{ID: "bot", Secret: "s", Audience: []string{"https://other.example.com/mcp"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	p, err := policy.Parse([]byte(fmt.Sprintf("identity:\n  oauth:\n    resource: %s\n    issuers: [{issuer: %s}]\nagents:\n  bot:\n    match: {clientId: bot}\n    grants: [{area: clusters, access: [read]}]\n", oauthResource, op.Issuer)), "policy.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{policy: p})
	core, logs := observer.New(zap.DebugLevel)
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{Authenticator: identity.New(identity.Fixed(p), identity.Options{Logger: zap.New(core)})})
	hs := httptest.NewServer(handler)
	t.Cleanup(func() { _ = shutdown(context.Background()); hs.Close() })

	tok, err := op.ClientCredentials(context.Background(), "bot", "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := httpClient(t, hs.URL, tok); err == nil {
		t.Fatal("a token for another resource opened a session")
	}
	r, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp", error="invalid_token"`) {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if strings.Contains(string(body), "audience") {
		t.Errorf("body gives the reason away: %s", body)
	}
	found := false
	for _, e := range logs.FilterMessage("bearer token refused").All() {
		found = found || strings.Contains(fmt.Sprint(e.ContextMap()), "expected audience")
	}
	if !found {
		t.Errorf("no refusal reason in the log: %v", logs.All())
	}
}
