package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The real /metrics handler of a stdio server with --metrics-listen, after
// one tool call: the call counted, its latency observed, the Atlas request
// and the audit write measured, and the Go and process metrics beside them.
// The exposition parses with Prometheus's own parser.
func TestMetricsEndpoint(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	metricsAddr := freeAddr(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--sandbox", "--audit-log", logPath, "--metrics-listen", metricsAddr}, inR, outW, &stderr, envFrom(nil))
		outW.Close()
	}()
	defer func() {
		inW.Close()
		<-done
	}()
	lines := bufio.NewScanner(outR)
	lines.Buffer(make([]byte, 0, 1<<20), 16<<20)
	await := func(id float64) map[string]any {
		t.Helper()
		for lines.Scan() {
			var m map[string]any
			if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
				t.Fatalf("stdout: %v: %s", err, lines.Text())
			}
			if m["id"] == id {
				return m
			}
		}
		t.Fatalf("stdout closed before response %v; stderr:\n%s", id, stderr.String())
		return nil
	}
	for _, msg := range []string{initializeMsg, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`} {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if res := await(2); res["error"] != nil || res["result"] == nil || res["result"].(map[string]any)["isError"] == true {
		t.Fatalf("tools/call: %v", res)
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	text := string(body)
	for _, re := range []string{
		`atlas_mcp_tool_calls_total\{agent="[^"]+",outcome="ok",tool="atlas-list-clusters"\} 1`,
		`atlas_mcp_tool_call_duration_seconds_bucket\{tool="atlas-list-clusters",le="300"\} 1`,
		`atlas_mcp_tool_call_duration_seconds_bucket\{tool="atlas-list-clusters",le="\+Inf"\} 1`,
		`atlas_mcp_tool_call_duration_seconds_count\{tool="atlas-list-clusters"\} 1`,
		`atlas_mcp_atlas_requests_total\{method="GET",operation="[^"]+",status="200"\} [1-9]`,
		`atlas_mcp_atlas_request_duration_seconds_bucket\{operation="[^"]+",le="10"\} [1-9]`,
		`atlas_mcp_audit_append_duration_seconds_count\{result="ok"\} [1-9]`,
		`atlas_mcp_audit_fsync_duration_seconds_bucket\{le="1"\} [0-9]+`,
		`atlas_mcp_policy_loads_total\{result="ok"\} 1`,
		`atlas_mcp_tool_calls_in_flight 0`,
		`# TYPE go_gc_duration_seconds summary`,
		`go_gc_duration_seconds\{quantile="0.5"\} `,
		`go_goroutines [1-9]`,
		`go_threads [1-9]`,
		`go_info\{version="` + regexp.QuoteMeta(runtime.Version()) + `"\} 1`,
		`go_memstats_alloc_bytes [1-9]`,
		`go_memstats_heap_inuse_bytes [1-9]`,
		`go_memstats_sys_bytes [1-9]`,
	} {
		if !regexp.MustCompile(`(?m)^` + re).MatchString(text) {
			t.Errorf("/metrics has no line %s", re)
		}
	}
	if runtime.GOOS == "linux" {
		for _, re := range []string{`process_cpu_seconds_total `, `process_resident_memory_bytes [1-9]`, `process_virtual_memory_bytes [1-9]`,
			`process_open_fds [1-9]`, `process_max_fds [1-9]`, `process_start_time_seconds [1-9]`} {
			if !regexp.MustCompile(`(?m)^` + re).MatchString(text) {
				t.Errorf("/metrics has no line %s", re)
			}
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := parser.TextToMetricFamilies(strings.NewReader(text)); err != nil {
		t.Errorf("parsing /metrics: %v\n%s", err, text)
	}
}
