package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

var benchLimits = map[string]atlasclient.Limit{atlasclient.SetClusters: {}, atlasclient.SetStandard: {}}

// BenchmarkToolCall measures one atlas-get-cluster through the whole pipeline
// (MCP in-process, validate, decide, client, simulator over loopback HTTP,
// answer, audit) per audit sync mode; BenchmarkAtlasOnly is the same Atlas
// request through the client alone. Their ratio is the pipeline's cost.
func BenchmarkToolCall(b *testing.B) {
	for _, mode := range []audit.SyncMode{audit.SyncAlways, audit.SyncBatch} {
		b.Run("audit="+string(mode), func(b *testing.B) {
			h := benchHarness(b, mode)
			c := h.clientWithProtocol(b, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
			req := mcp.CallToolRequest{}
			req.Params.Name = "atlas-get-cluster"
			req.Params.Arguments = map[string]any{"clusterName": "prod-analytics"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Fatalf("%v %v", err, res)
				}
			}
		})
	}
}

func BenchmarkAtlasOnly(b *testing.B) {
	h := benchHarness(b, audit.SyncAlways)
	req := &atlasclient.Request{Method: http.MethodGet, Template: "/groups/{groupId}/clusters/{clusterName}", Params: map[string]string{"groupId": atlassim.DemoProjectID, "clusterName": "prod-analytics"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out map[string]any
		if _, err := h.server.opts.Env.Client.Do(context.Background(), req, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func benchHarness(b *testing.B, mode audit.SyncMode) *harness {
	b.Helper()
	h := newHarnessTB(b, harnessOpts{limits: benchLimits, sim: atlassim.Options{Limits: map[string]atlassim.Limit{"clusters": {Capacity: 1 << 30, Refill: 1 << 30, Per: time.Second}, "standard": {Capacity: 1 << 30, Refill: 1 << 30, Per: time.Second}}}})
	log, err := audit.Open(audit.Options{Path: filepath.Join(b.TempDir(), "bench.jsonl"), Sync: mode})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = log.Close() })
	h.server.opts.Audit = log
	return h
}

// BenchmarkWriteCall: one atlas-create-access-list through the whole
// pipeline: intent (fsync), POST to the simulator, outcome (fsync).
// Compare with BenchmarkToolCall (a read: one record) and
// audit.BenchmarkIntentRecord (the intent's own cost).
func BenchmarkWriteCall(b *testing.B) {
	h := benchHarness(b, audit.SyncAlways)
	c := h.clientWithProtocol(b, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := mcp.CallToolRequest{}
		req.Params.Name = "atlas-create-access-list"
		req.Params.Arguments = map[string]any{"ipAddress": fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255), "comment": "bench"}
		res, err := c.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatalf("%v %v", err, res)
		}
	}
}
