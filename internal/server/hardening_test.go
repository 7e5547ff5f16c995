package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

const (
	initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	listBody = `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
)

// rawMCP sends one request to /mcp and returns the status, the session ID
// header and the body.
func rawMCP(t *testing.T, base, method, token, sid, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+"/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b)
}

func (h *harness) serveHTTPWith(t *testing.T, o HTTPOptions) (*httptest.Server, func(context.Context) error) {
	t.Helper()
	handler, shutdown := h.server.HTTPHandler(o)
	hs := httptest.NewServer(handler)
	t.Cleanup(func() { _ = shutdown(context.Background()); hs.Close() })
	return hs, shutdown
}

// initSession opens a session the way a host does and returns its ID.
func initSession(t *testing.T, base, token string) string {
	t.Helper()
	code, sid, body := rawMCP(t, base, http.MethodPost, token, "", initBody)
	if code != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %q %s", code, sid, body)
	}
	if code, _, body := rawMCP(t, base, http.MethodPost, token, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); code/100 != 2 {
		t.Fatalf("initialized: %d %s", code, body)
	}
	return sid
}

func TestSessionsAreIssuedTrackedAndEnded(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{})
	sid := initSession(t, hs.URL, "alice-token")
	if code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", sid, listBody); code != http.StatusOK || !strings.Contains(body, "atlas-list-clusters") {
		t.Fatalf("tools/list in the session: %d %s", code, body)
	}

	t.Run("an ID the server never issued is 404", func(t *testing.T) {
		for _, id := range []string{"mcp-session-" + "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "made-up", strings.Repeat("a", 32)} {
			if code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", id, listBody); code != http.StatusNotFound || !strings.Contains(body, "initialize") {
				t.Errorf("%q: %d %s", id, code, body)
			}
		}
	})
	t.Run("an oversized ID is refused before lookup", func(t *testing.T) {
		if code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", strings.Repeat("x", 700), listBody); code != http.StatusBadRequest || !strings.Contains(body, "longer than") {
			t.Errorf("700-byte ID: %d %s", code, body)
		}
	})
	t.Run("another agent's session is 403", func(t *testing.T) {
		if code, _, _ := rawMCP(t, hs.URL, http.MethodPost, "bob-token", sid, listBody); code != http.StatusForbidden {
			t.Errorf("bob with alice's session: %d", code)
		}
		if code, _, _ := rawMCP(t, hs.URL, http.MethodDelete, "bob-token", sid, ""); code != http.StatusForbidden {
			t.Errorf("bob deleting alice's session: %d", code)
		}
	})
	t.Run("DELETE ends the session, then 404", func(t *testing.T) {
		if code, _, body := rawMCP(t, hs.URL, http.MethodDelete, "alice-token", sid, ""); code != http.StatusOK {
			t.Fatalf("DELETE: %d %s", code, body)
		}
		if code, _, _ := rawMCP(t, hs.URL, http.MethodPost, "alice-token", sid, listBody); code != http.StatusNotFound {
			t.Errorf("after DELETE: %d, want 404", code)
		}
		if code, _, _ := rawMCP(t, hs.URL, http.MethodDelete, "alice-token", sid, ""); code != http.StatusNotFound {
			t.Errorf("second DELETE: %d, want 404", code)
		}
	})
	if n := h.server.sessions.Load().len(); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{SessionIdleTTL: 100 * time.Millisecond})
	sid := initSession(t, hs.URL, "alice-token")
	deadline := time.Now().Add(5 * time.Second)
	for h.server.sessions.Load().len() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle session was never evicted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, _ := rawMCP(t, hs.URL, http.MethodPost, "alice-token", sid, listBody); code != http.StatusNotFound {
		t.Errorf("expired session: %d, want 404", code)
	}
}

func TestSessionsPerAgentAreCapped(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{SessionsPerAgent: 2})
	first := initSession(t, hs.URL, "alice-token")
	initSession(t, hs.URL, "alice-token")
	code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "", initBody)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "DELETE") {
		t.Fatalf("third session: %d %s", code, body)
	}
	initSession(t, hs.URL, "bob-token") // another agent is not affected
	rawMCP(t, hs.URL, http.MethodDelete, "alice-token", first, "")
	initSession(t, hs.URL, "alice-token") // a freed slot can be used again
}

// The memory attack: every request with a new, large made-up session
// ID used to be stored forever. Now the table only holds what the server
// issued.
func TestFabricatedSessionIDsDoNotGrowMemory(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	defer func() { _ = shutdown(context.Background()) }()
	table := h.server.sessions.Load()
	send := func(n int) {
		buf := make([]byte, 64)
		for i := 0; i < n; i++ {
			_, _ = rand.Read(buf)
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(listBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer alice-token")
			req.Header.Set("Mcp-Session-Id", hex.EncodeToString(buf)) // 128 characters, the longest accepted
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("fabricated ID: %d", rec.Code)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	send(1000) // warm up pools and lazily built state
	before := heap()
	send(10000)
	after := heap()
	if n := table.len(); n != 0 {
		t.Fatalf("the session table holds %d entries after 10,000 made-up IDs", n)
	}
	growth := int64(after) - int64(before)
	t.Logf("heap before %d KiB, after 10,000 fabricated IDs %d KiB (growth %d KiB); session table size %d", before>>10, after>>10, growth>>10, table.len())
	// Storing the IDs alone would be over 1.2 MB; allow for GC noise well below that.
	if growth > 1<<20 {
		t.Errorf("heap grew by %d KiB", growth>>10)
	}
}

func TestStatelessHasNoSessions(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{Stateless: true})
	code, sid, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "", initBody)
	if code != http.StatusOK || sid != "" {
		t.Fatalf("stateless initialize: %d session %q %s", code, sid, body)
	}
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"atlas-list-orgs","arguments":{}}}`
	if code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "made-up-session", call); code != http.StatusOK || strings.Contains(body, `"isError":true`) {
		t.Fatalf("stateless call with a made-up session ID: %d %s", code, body)
	}
	recs := h.records(t)
	if last := recs[len(recs)-1]; last.Session != "" {
		t.Errorf("a made-up session ID was recorded: %q", last.Session)
	}
	if n := h.server.sessions.Load().len(); n != 0 {
		t.Errorf("stateless mode holds %d sessions", n)
	}
}

func TestOversizeBodyIs413(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{MaxBodyBytes: 1024})
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "", big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1024 bytes") {
		t.Errorf("declared length: %d %s", code, body)
	}
	// Without a Content-Length (chunked), the limit still holds.
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer alice-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %d", resp.StatusCode)
	}
	// A small request still works.
	if code, _, _ := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "", initBody); code != http.StatusOK {
		t.Errorf("small initialize: %d", code)
	}
}

// A client that sends its body slowly is cut off at the read timeout instead
// of holding the connection open.
func TestSlowBodyIsCutOff(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	defer func() { _ = shutdown(context.Background()) }()
	srv := NewHTTPServer(handler, HTTPTimeouts{Read: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer alice-token\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	start := time.Now()
	done := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(conn).ReadString('\n')
		done <- line
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case line := <-done:
			if line != "" && !strings.Contains(line, "408") {
				t.Errorf("slow body answered %q, want 408 or a closed connection", line)
			}
			t.Logf("slow body cut off after %v (%q)", time.Since(start).Round(10*time.Millisecond), strings.TrimSpace(line))
			return
		case <-tick.C:
			if i > 100 { // 10s of trickling: far past the 300ms limit
				t.Fatal("the server kept reading a slow body")
			}
			_, _ = conn.Write([]byte(" "))
		}
	}
}

// The timeout that cuts slow bodies must not cut a slow call once its body is in.
func TestReadTimeoutDoesNotCutLongCalls(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	defer func() { _ = shutdown(context.Background()) }()
	srv := NewHTTPServer(handler, HTTPTimeouts{Read: 200 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	sid := initSession(t, base, "alice-token")
	h.sim.InjectFault(atlassim.Fault{Path: "/api/atlas/v2/orgs", Delay: 600 * time.Millisecond})
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"atlas-list-orgs","arguments":{}}}`
	code, _, body := rawMCP(t, base, http.MethodPost, "alice-token", sid, call)
	if code != http.StatusOK || !strings.Contains(body, "result") || strings.Contains(body, `"isError":true`) {
		t.Fatalf("slow call: %d %s", code, body)
	}
}

// openSSE opens an SSE stream and returns the sessionId it announces.
func openSSE(t *testing.T, base, token string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sse", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("/sse: %d", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("reading /sse: %v", err)
		}
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
			_, q, _ := strings.Cut(d, "sessionId=")
			return q, func() { cancel(); resp.Body.Close() }
		}
	}
}

func postMessage(t *testing.T, base, token, query, header string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/message?sessionId="+query, strings.NewReader(listBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if header != "" {
		req.Header.Set("Mcp-Session-Id", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSSEMessagesBindByTheSessionTheHandlerUses(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{})
	aliceSSE, closeA := openSSE(t, hs.URL, "alice-token")
	defer closeA()
	bobSSE, closeB := openSSE(t, hs.URL, "bob-token")
	defer closeB()
	bobMCP := initSession(t, hs.URL, "bob-token")

	tests := []struct {
		name, token, query, header string
		want                       int
	}{
		{"own stream", "alice-token", aliceSSE, "", http.StatusAccepted},
		{"own stream, header agrees", "alice-token", aliceSSE, aliceSSE, http.StatusAccepted},
		// The injection: bob's own session in the header, alice's stream in the query.
		{"header and query disagree", "bob-token", aliceSSE, bobSSE, http.StatusBadRequest},
		{"own streamable session in header, another's stream in query", "bob-token", aliceSSE, bobMCP, http.StatusBadRequest},
		{"another agent's stream", "bob-token", aliceSSE, "", http.StatusForbidden},
		{"a streamable session is not an SSE stream", "bob-token", bobMCP, "", http.StatusNotFound},
		{"made-up stream", "bob-token", "0123456789abcdef0123456789abcdef", "", http.StatusNotFound},
		{"no sessionId", "bob-token", "", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		if code, body := postMessage(t, hs.URL, tc.token, tc.query, tc.header); code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	closeA()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := postMessage(t, hs.URL, "alice-token", aliceSSE, "")
		if code == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream still takes messages: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On shutdown /readyz turns 503 at once, a call already running completes,
// and no new session opens; then the streams close.
func TestDrainServesInFlightCallsWithReadyz503(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, shutdown := h.serveHTTPWith(t, HTTPOptions{DrainDelay: 200 * time.Millisecond})
	sid := initSession(t, hs.URL, "alice-token")
	h.sim.InjectFault(atlassim.Fault{Path: "/api/atlas/v2/orgs", Delay: 800 * time.Millisecond})

	type answer struct {
		code int
		body string
	}
	callDone := make(chan answer, 1)
	go func() {
		code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"atlas-list-orgs","arguments":{}}}`)
		callDone <- answer{code, body}
	}()
	for h.server.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	shutDone := make(chan error, 1)
	go func() { shutDone <- shutdown(context.Background()) }()
	for !h.server.draining.Load() {
		time.Sleep(5 * time.Millisecond)
	}

	resp, err := http.Get(hs.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d", resp.StatusCode)
	}
	if code, _, body := rawMCP(t, hs.URL, http.MethodPost, "alice-token", "", initBody); code != http.StatusServiceUnavailable {
		t.Errorf("new session while draining: %d %s", code, body)
	}
	select {
	case <-shutDone:
		t.Fatal("shutdown finished while a call was running")
	default:
	}
	a := <-callDone
	if a.code != http.StatusOK || strings.Contains(a.body, `"isError":true`) || !strings.Contains(a.body, "result") {
		t.Fatalf("in-flight call during drain: %d %s", a.code, a.body)
	}
	if err := <-shutDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	recs := h.records(t)
	if last := recs[len(recs)-1]; last.Tool != "atlas-list-orgs" || !last.Outcome.OK {
		t.Errorf("last record %+v", last)
	}
}

func rateLimitedPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	src := `version: 1
agents:
  local:
    default: true
    rateLimit: {perMinute: 6, burst: 2}
    grants: [{area: "*", access: [read]}]
`
	p, err := policy.Parse([]byte(src), "rate.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPerAgentCallRateLimit(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: rateLimitedPolicy(t)})
	c := h.client(t)
	for i := 0; i < 2; i++ {
		if res := call(t, c, "atlas-list-orgs", `{}`); res.IsError {
			t.Fatalf("call %d within the burst: %s", i, resultText(res))
		}
	}
	before := h.apiRequests()
	res := call(t, c, "atlas-list-orgs", `{}`)
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, "Rate limited") || !strings.Contains(text, "agents.local.rateLimit (line 5)") || !strings.Contains(text, "Retry in") {
		t.Fatalf("third call: %s", text)
	}
	sc, _ := res.StructuredContent.(map[string]any)
	if secs, _ := sc["retryAfterSeconds"].(float64); secs <= 0 || secs > 10 {
		t.Errorf("retryAfterSeconds %v", sc["retryAfterSeconds"])
	}
	if h.apiRequests() != before {
		t.Error("a rate-limited call reached Atlas")
	}
}

// Headers are bounded by the server: a 700 KB session ID (the issue's
// attack) never reaches a handler.
func TestHugeHeadersAreRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	defer func() { _ = shutdown(context.Background()) }()
	srv := NewHTTPServer(handler, HTTPTimeouts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	code, _, _ := rawMCP(t, "http://"+ln.Addr().String(), http.MethodPost, "alice-token", strings.Repeat("a", 700<<10), listBody)
	if code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("700 KB header: %d, want 431", code)
	}
}

// Protocol 2026-07-28 has no sessions: its requests pass the session checks
// untouched and no session is issued for them.
func TestModernProtocolOverHTTPNeedsNoSession(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{})
	c, err := mcpclient.NewStreamableHttpClient(hs.URL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer alice-token"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.ProtocolVersion20260728
	init.Params.ClientInfo = mcp.Implementation{Name: "modern", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	if res := call(t, c, "atlas-list-orgs", `{}`); res.IsError {
		t.Fatalf("modern call: %s", resultText(res))
	}
	if n := h.server.sessions.Load().len(); n != 0 {
		t.Errorf("%d sessions issued for a protocol without sessions", n)
	}
}

// A rate-limited call is in the audit log like every other, and a flood of
// them is not: the first refusal of an episode has its own record, the rest
// are counted in one record when the episode ends (here: the server stops).
func TestRateLimitedCallsAreAuditedWithoutFloodingTheLog(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: rateLimitedPolicy(t)})
	c := h.client(t)
	for i := 0; i < 2; i++ {
		call(t, c, "atlas-list-orgs", `{}`)
	}
	for i := 0; i < 40; i++ {
		name := "atlas-list-orgs"
		if i%4 == 0 {
			name = "atlas-list-projects"
		}
		if res := call(t, c, name, `{}`); !res.IsError {
			t.Fatalf("refusal %d was not refused", i)
		}
	}
	h.server.Close(context.Background())
	var refused []audit.Record
	for _, r := range h.records(t) {
		if r.Confirmation == audit.ConfirmRateLimited {
			refused = append(refused, r)
		}
	}
	if len(refused) != 2 {
		t.Fatalf("%d rate-limit records for 40 refused calls, want 2 (the first, then a count): %+v", len(refused), refused)
	}
	first, rest := refused[0], refused[1]
	if first.Tool != "atlas-list-projects" || first.Decision.Allow || first.Decision.Rule != "agents.local.rateLimit" || first.Outcome.ErrorCode != "RATE_LIMITED" || first.Agent != "local" {
		t.Errorf("first refusal %+v", first)
	}
	want := fmt.Sprintf("39 more calls refused by the rate limit after record %d", first.Seq)
	if !strings.Contains(rest.Outcome.Message, want) || !strings.Contains(rest.Outcome.Message, "atlas-list-orgs ×30") || !strings.Contains(rest.Outcome.Message, "atlas-list-projects ×9") {
		t.Errorf("count record %q, want %q and the tools", rest.Outcome.Message, want)
	}
}
