package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The operator's view of a running HTTP server: metrics on their own port,
// the policy reloaded on SIGHUP (and kept when the new file is broken), each
// record naming the policy it was decided under, and a quick exit on SIGTERM
// with no drain delay.
func TestHTTPOperations(t *testing.T) {
	orig, err := os.ReadFile(multiAgent)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	policyPath := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyPath, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "audit.jsonl")
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--sandbox", "--audit-log", logPath, "--transport", "http", "--listen", addr, "--policy", policyPath,
			"--metrics-listen", metricsAddr, "--drain-delay", "0", "--max-body-bytes", "65536"},
			strings.NewReader(""), &stdout, &stderr, envFrom(map[string]string{"ATLAS_MCP_CAROL_TOKEN": carolToken}))
	}()
	waitHealthy(t, base, done, &stderr)

	bobTools := func() string {
		_, sid, _ := mcpPost(t, base+"/mcp", "bob-token", "", initializeMsg)
		_, _, msg := mcpPost(t, base+"/mcp", "bob-token", sid, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		b, _ := json.Marshal(msg)
		req, _ := http.NewRequest(http.MethodDelete, base+"/mcp", nil)
		req.Header.Set("Authorization", "Bearer bob-token")
		req.Header.Set("Mcp-Session-Id", sid)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		return string(b)
	}
	if strings.Contains(bobTools(), "atlas-create-cluster") {
		t.Fatal("bob may create clusters before the reload")
	}

	t.Run("413 on an oversize body", func(t *testing.T) {
		code, _, _ := mcpPost(t, base+"/mcp", "bob-token", "", `{"pad":"`+strings.Repeat("x", 70000)+`"}`)
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("70 KB body with --max-body-bytes 65536: %d", code)
		}
	})

	// Give bob write access to clusters, and reload with SIGHUP.
	changed := strings.Replace(string(orig), "      - area: clusters\n        access: read\n", "      - area: clusters\n        access: [read, write]\n", 1)
	if changed == string(orig) {
		t.Fatal("test policy edit did not apply")
	}
	if err := os.WriteFile(policyPath, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(bobTools(), "atlas-create-cluster") {
		if time.Now().After(deadline) {
			t.Fatalf("bob's tools did not change after the reload\nstderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustContain(t, "stderr", stderr.String(), "policy reloaded")

	// A call is recorded with the new policy's hash.
	_, sid, _ := mcpPost(t, base+"/mcp", carolToken, "", initializeMsg)
	mcpPost(t, base+"/mcp", carolToken, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`)
	sum := sha256.Sum256([]byte(changed))
	if got := lastRecordField(t, logPath, "policyHash"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("record policyHash %q, want %x", got, sum)
	}

	// A broken file is refused, and the policy in force stays.
	if err := os.WriteFile(policyPath, []byte("agents: [oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "refused, keeping policy "+hex.EncodeToString(sum[:])) {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal on stderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(bobTools(), "atlas-create-cluster") {
		t.Error("the broken file changed bob's tools")
	}

	// Metrics on their own port, no token needed there.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mustContain(t, "/metrics", string(body), `atlas_mcp_policy_loads_total{result="rejected"}`, `atlas_mcp_tool_calls_total{agent="carol",outcome="ok",tool="atlas-list-clusters"} 1`,
		"process_resident_memory_bytes", "atlas_mcp_audit_fsync_duration_seconds_bucket")

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	t.Logf("shutdown with --drain-delay 0 took %v", time.Since(start).Round(time.Millisecond))
}

func waitHealthy(t *testing.T, base string, done chan error, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, stderr.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered\nstderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func lastRecordField(t *testing.T, path, field string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		last = nil
		_ = json.Unmarshal(sc.Bytes(), &last)
	}
	s, _ := last[field].(string)
	return s
}
