package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const multiAgent = "../../testdata/policies/multi-agent.yaml"

// carolToken is given to the policy through run's env, not the process's.
const carolToken = "carol-on-call-token-0123456789"

func TestHTTPModeNeedsAPolicyWithTokens(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"no policy file", []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", "127.0.0.1:0"}, nil,
			[]string{"HTTP mode needs a policy file", "bearer token", "multi-agent.yaml"}},
		{"policy whose tokenEnv is unset", []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", "127.0.0.1:0", "--policy", multiAgent}, nil,
			[]string{"ATLAS_MCP_CAROL_TOKEN"}},
		{"policy whose tokenEnv is too short", []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", "127.0.0.1:0", "--policy", multiAgent},
			map[string]string{"ATLAS_MCP_CAROL_TOKEN": "short"}, []string{"ATLAS_MCP_CAROL_TOKEN"}},
		{"a listen address that is not one", []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", "127.0.0.1:notaport", "--policy", multiAgent},
			map[string]string{"ATLAS_MCP_CAROL_TOKEN": carolToken}, []string{"--listen", "127.0.0.1:notaport"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := runCLI(t, tc.env, nil, tc.args...)
			if r.exitCode() != -1 {
				t.Fatalf("run = %v (exit %d), want a configuration error", r.err, r.exitCode())
			}
			mustContain(t, "error", r.err.Error(), tc.want...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to fail", d)
			}
		})
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// mcpPost sends one JSON-RPC message to /mcp and returns the status, the
// session ID and the JSON-RPC response (from a JSON or an SSE body).
func mcpPost(t *testing.T, url, token, session, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var msg map[string]any
	payload := data
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		payload = nil
		for _, l := range strings.Split(string(data), "\n") {
			if d, ok := strings.CutPrefix(l, "data:"); ok {
				payload = []byte(strings.TrimSpace(d))
			}
		}
	}
	if resp.StatusCode == http.StatusOK && len(payload) > 0 {
		if err := json.Unmarshal(payload, &msg); err != nil {
			t.Fatalf("response is not JSON-RPC: %v\n%s", err, data)
		}
	}
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), msg
}

const initializeMsg = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"cli-test","version":"0"}}}`

func TestHTTPServeAndGracefulShutdown(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", addr, "--policy", multiAgent},
			strings.NewReader(""), &stdout, &stderr, envFrom(map[string]string{"ATLAS_MCP_CAROL_TOKEN": carolToken}))
	}()

	// Wait for /healthz (or for run to fail).
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, stderr.String())
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200 (last error %v)\nstderr:\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustContain(t, "stderr", stderr.String(), "SANDBOX", "serving streamable HTTP at http://"+addr+"/mcp")

	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}

	t.Run("no token is 401", func(t *testing.T) {
		code, _, _ := mcpPost(t, base+"/mcp", "", "", initializeMsg)
		if code != http.StatusUnauthorized {
			t.Errorf("POST /mcp without a token = %d, want 401", code)
		}
	})
	t.Run("a wrong token is 401", func(t *testing.T) {
		code, _, _ := mcpPost(t, base+"/mcp", "not-a-token-of-anyone", "", initializeMsg)
		if code != http.StatusUnauthorized {
			t.Errorf("POST /mcp with a wrong token = %d, want 401", code)
		}
	})
	t.Run("carol's token from the env parameter works", func(t *testing.T) {
		code, session, msg := mcpPost(t, base+"/mcp", carolToken, "", initializeMsg)
		if code != http.StatusOK || msg["result"] == nil {
			t.Fatalf("initialize with carol's token = %d %v", code, msg)
		}
		if session == "" {
			t.Fatal("no Mcp-Session-Id")
		}
		code, _, _ = mcpPost(t, base+"/mcp", carolToken, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		if code/100 != 2 {
			t.Fatalf("notifications/initialized = %d", code)
		}
		code, _, msg = mcpPost(t, base+"/mcp", carolToken, session, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`)
		if code != http.StatusOK {
			t.Fatalf("tools/call = %d", code)
		}
		b, _ := json.Marshal(msg["result"])
		if !strings.Contains(string(b), "prod-analytics") || strings.Contains(string(b), `"isError":true`) {
			t.Errorf("tools/call atlas-list-clusters as carol = %s", b)
		}
		// Another agent's token cannot use carol's session.
		code, _, _ = mcpPost(t, base+"/mcp", "alice-token", session, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
		if code != http.StatusForbidden {
			t.Errorf("alice using carol's session = %d, want 403", code)
		}
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v, want nil (graceful shutdown)\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return within 15s of cancel")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
	v := runCLI(t, nil, nil, "audit", "verify", logPath)
	if v.err != nil {
		t.Fatalf("audit verify: %v\n%s", v.err, v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "OK: 1 record(s)")
	tail := runCLI(t, nil, nil, "audit", "tail", logPath)
	mustContain(t, "audit tail", tail.stdout, "carol", "atlas-list-clusters")
}

func TestStdioExitsOnEOF(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	start := time.Now()
	r := runCLI(t, nil, strings.NewReader(""), "--sandbox", "--audit-log", logPath)
	if r.err != nil {
		t.Fatalf("run on an empty stdin = %v\nstderr:\n%s", r.err, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to notice EOF", d)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q: only MCP messages belong there", r.stdout)
	}
	mustContain(t, "stderr", r.stderr, "SANDBOX")
}

// A host's exchange over stdio: newline-delimited JSON-RPC in, responses out.
// stdin stays open until every response has arrived, as a real host's does.
func TestStdioExchange(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--sandbox", "--audit-log", logPath}, inR, outW, &stderr, envFrom(nil))
		outW.Close()
	}()
	responses := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			responses <- m
		}
		close(responses)
	}()
	send := func(msg string) {
		t.Helper()
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatalf("write to stdin: %v", err)
		}
	}
	// await returns the response with this id; other messages (notifications)
	// are skipped, unparsable lines fail the test.
	await := func(id int) map[string]any {
		t.Helper()
		for {
			select {
			case m, ok := <-responses:
				if !ok {
					t.Fatalf("stdout closed before response %d; stderr:\n%s", id, stderr.String())
				}
				if u, bad := m["unparsable"]; bad {
					t.Fatalf("stdout has a line that is not JSON: %v", u)
				}
				if fmt.Sprint(m["id"]) == fmt.Sprint(id) {
					if m["error"] != nil {
						t.Fatalf("response %d is an error: %v", id, m["error"])
					}
					return m
				}
			case <-ctx.Done():
				t.Fatalf("no response %d; stderr:\n%s", id, stderr.String())
			}
		}
	}

	send(initializeMsg)
	init := await(1)
	res, _ := init["result"].(map[string]any)
	if res == nil || res["serverInfo"] == nil || res["protocolVersion"] == nil {
		t.Fatalf("initialize result = %v", init)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list := await(2)
	b, _ := json.Marshal(list["result"])
	var tl struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(b, &tl); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tool := range tl.Tools {
		names[tool.Name] = true
	}
	for _, want := range []string{"atlas-list-clusters", "atlas-delete-cluster", "appservices-list-apps"} {
		if !names[want] {
			t.Errorf("tools/list lacks %s (%d tools)", want, len(tl.Tools))
		}
	}

	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`)
	call := await(3)
	var cr struct {
		IsError bool `json:"isError"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	b, _ = json.Marshal(call["result"])
	if err := json.Unmarshal(b, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.IsError || len(cr.Content) == 0 || !strings.Contains(cr.Content[0].Text, "prod-analytics") {
		t.Errorf("tools/call atlas-list-clusters = %s", b)
	}

	// The host closes stdin: the server stops and run returns nil.
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after stdin EOF = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after stdin EOF")
	}
	for m := range responses {
		t.Errorf("unexpected message after the exchange: %v", m)
	}
	if strings.Contains(stderr.String(), `"jsonrpc"`) {
		t.Errorf("JSON-RPC on stderr:\n%s", stderr.String())
	}
	v := runCLI(t, nil, nil, "audit", "verify", logPath)
	if v.err != nil {
		t.Fatalf("audit verify: %v\n%s", v.err, v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "OK: 1 record(s)")
}
