package server

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/metrics"
)

func TestMetricsScrape(t *testing.T) {
	reg := metrics.NewRegistry()
	m := NewMetrics(reg)
	// A small standard bucket, so the second call waits on it.
	small := atlasclient.Limit{Capacity: 1, Refill: 1, Per: 100 * time.Millisecond}
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t), metrics: m, limits: map[string]atlasclient.Limit{atlasclient.SetStandard: small}})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{Metrics: metrics.Handler(reg)})

	alice, err := httpClient(t, hs.URL, "alice-token")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := httpClient(t, hs.URL, "bob-token")
	if err != nil {
		t.Fatal(err)
	}
	h.sim.InjectFault(atlassim.Fault{Path: "/api/atlas/v2/orgs", Status: http.StatusTooManyRequests, Times: 1})
	for i := 0; i < 2; i++ {
		if res := call(t, alice, "atlas-list-orgs", `{}`); res.IsError {
			t.Fatalf("list orgs: %s", resultText(res))
		}
	}
	call(t, alice, "atlas-get-cluster", `{"projectId":"`+atlassim.DemoProjectID+`","clusterName":"nope"}`) // 404 from Atlas
	call(t, bob, "atlas-create-cluster", `{"clusterName":"x","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`)

	// Behind the same auth as /mcp.
	if resp, err := http.Get(hs.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without a token: %v %v", resp, err)
	}
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer alice-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}

	sum := func(name string, want map[string]string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no metric %s", name)
		}
		total := 0.0
		for _, mt := range f.GetMetric() {
			if !labelsMatch(mt, want) {
				continue
			}
			switch {
			case mt.Counter != nil:
				total += mt.Counter.GetValue()
			case mt.Gauge != nil:
				total += mt.Gauge.GetValue()
			case mt.Histogram != nil:
				total += float64(mt.Histogram.GetSampleCount())
			}
		}
		return total
	}
	checks := []struct {
		name string
		lbl  map[string]string
		min  float64
	}{
		{"atlas_mcp_tool_calls_total", map[string]string{"tool": "atlas-list-orgs", "agent": "alice", "outcome": "ok"}, 2},
		{"atlas_mcp_tool_calls_total", map[string]string{"tool": "atlas-get-cluster", "agent": "alice", "outcome": "error"}, 1},
		{"atlas_mcp_tool_calls_total", map[string]string{"tool": "atlas-create-cluster", "agent": "bob", "outcome": "error"}, 1},
		{"atlas_mcp_tool_call_duration_seconds", map[string]string{"tool": "atlas-list-orgs"}, 2},
		{"atlas_mcp_atlas_requests_total", map[string]string{"operation": "/orgs", "method": "GET", "status": "200"}, 2},
		{"atlas_mcp_atlas_requests_total", map[string]string{"operation": "/groups/{groupId}/clusters/{clusterName}", "status": "404"}, 1},
		{"atlas_mcp_atlas_request_duration_seconds", nil, 3},
		{"atlas_mcp_atlas_retries_total", map[string]string{"operation": "/orgs"}, 1},
		{"atlas_mcp_atlas_rate_limited_total", map[string]string{"operation": "/orgs"}, 1},
		{"atlas_mcp_atlas_bucket_wait_seconds_total", map[string]string{"rate_set": "standard"}, 0.01},
		{"atlas_mcp_audit_append_duration_seconds", map[string]string{"result": "ok"}, 4},
		{"atlas_mcp_audit_fsync_duration_seconds", nil, 1},
		{"atlas_mcp_policy_loads_total", map[string]string{"result": "ok"}, 1},
		{"atlas_mcp_http_sessions", nil, 2},
		{"atlas_mcp_pending_confirmations", nil, 0},
		{"atlas_mcp_tool_calls_in_flight", nil, 0},
	}
	for _, c := range checks {
		if got := sum(c.name, c.lbl); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.lbl, got, c.min)
		}
	}
	// Bounded labels: no Atlas ID and no cluster name anywhere.
	id := regexp.MustCompile(`[0-9a-f]{24}`)
	for name, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if id.MatchString(l.GetValue()) || l.GetValue() == "nope" {
					t.Errorf("%s has an unbounded label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
