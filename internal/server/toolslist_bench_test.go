package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// BenchmarkToolsListSize is what tools/list costs a host's context, per
// configuration: bytes per tool (issue 16's goal is ≤ 1,000 in the default
// configuration, which advertises no output schemas; output-schemas is
// --output-schemas) and in all, split into the parts hosts treat differently —
// input schemas and descriptions reach the model, output schemas and
// annotations the host. Sizes are of the compact JSON as sent; ns/op is one
// tools/list through an in-process client.
//
//	go test ./internal/server -run '^$' -bench ToolsListSize -benchtime 20x
func BenchmarkToolsListSize(b *testing.B) {
	configs := []struct {
		name    string
		pol     *policy.Policy
		cloud   atlasclient.Cloud
		outputs bool
	}{
		{"default", policy.Default(policy.Options{}), atlasclient.Commercial, false},
		{"read-only", policy.Default(policy.Options{ReadOnly: true}), atlasclient.Commercial, false},
		{"gov", policy.Default(policy.Options{}), atlasclient.Gov, false},
		{"output-schemas", policy.Default(policy.Options{}), atlasclient.Commercial, true},
	}
	for _, cfg := range configs {
		b.Run(cfg.name, func(b *testing.B) {
			h := newHarnessTB(b, harnessOpts{policy: cfg.pol, cloud: cfg.cloud, outputSchemas: cfg.outputs})
			c := h.client(b)
			var res *mcp.ListToolsResult
			var err error
			for i := 0; i < b.N; i++ {
				if res, err = c.ListTools(context.Background(), mcp.ListToolsRequest{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			s := measureToolsList(b, res)
			b.ReportMetric(float64(s.total)/float64(s.tools), "B/tool")
			b.ReportMetric(float64(s.total), "B")
			b.ReportMetric(float64(s.tools), "tools")
			b.ReportMetric(float64(s.input), "inputSchema-B")
			b.ReportMetric(float64(s.output), "outputSchema-B")
			b.ReportMetric(float64(s.descriptions), "description-B")
			b.ReportMetric(float64(s.annotations), "annotations-B")
			b.ReportMetric(float64(s.propertyDescriptions), "propDesc-B")
		})
	}
}

type toolsListSize struct {
	tools, total, input, output, descriptions, annotations int
	// propertyDescriptions are the argument descriptions inside inputSchema
	// (counted there too): the shared short descriptions issue 16 asks for.
	propertyDescriptions int
}

func measureToolsList(tb testing.TB, res *mcp.ListToolsResult) toolsListSize {
	tb.Helper()
	size := func(v any) int {
		buf, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return len(buf)
	}
	s := toolsListSize{tools: len(res.Tools), total: size(res)}
	for _, t := range res.Tools {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(mustJSON(tb, t)), &raw); err != nil {
			tb.Fatal(err)
		}
		s.input += len(raw["inputSchema"])
		s.output += len(raw["outputSchema"])
		s.descriptions += len(raw["description"])
		s.annotations += len(raw["annotations"])
		var in struct {
			Properties map[string]struct {
				Description json.RawMessage `json:"description"`
			} `json:"properties"`
		}
		_ = json.Unmarshal(raw["inputSchema"], &in)
		for _, p := range in.Properties {
			s.propertyDescriptions += len(p.Description)
		}
	}
	if s.tools == 0 {
		tb.Fatal("empty tools/list")
	}
	return s
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	buf, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(buf)
}
