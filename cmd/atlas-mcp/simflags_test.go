package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// The benchmark's simulator flags: --bulk-clusters fills the demo project (with
// --seed=false, to exactly N clusters) and --standard-capacity/-refill size the
// standard endpoint set's bucket, as Atlas answers it: 429 with the bucket in
// the detail.
func TestSimBenchmarkFlags(t *testing.T) {
	base, _ := startSim(t, "--seed=false", "--bulk-clusters", "50", "--standard-capacity", "2", "--standard-refill", "1")

	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/oauth/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(atlassim.DemoClientID, atlassim.DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status := doJSON(t, req, &tok); status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: %d", status)
	}
	get := func(path string, out any) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/atlas/v2"+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "application/vnd.atlas.2025-03-12+json")
		return doJSON(t, req, out)
	}

	var clusters struct {
		TotalCount int `json:"totalCount"`
		Results    []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	if s := get("/groups/"+atlassim.DemoProjectID+"/clusters?itemsPerPage=500", &clusters); s != http.StatusOK {
		t.Fatalf("list clusters: %d", s)
	}
	first := ""
	if len(clusters.Results) > 0 {
		first = clusters.Results[0].Name
	}
	if clusters.TotalCount != 50 || len(clusters.Results) != 50 || first != "bulk-1" {
		t.Errorf("--seed=false --bulk-clusters 50: totalCount %d, %d results, first %q; want exactly bulk-1 … bulk-50",
			clusters.TotalCount, len(clusters.Results), first)
	}

	// GET /groups/{id} is in the standard set: two fit the bucket, the third is refused.
	for i := 1; i <= 3; i++ {
		var body struct {
			ErrorCode string `json:"errorCode"`
			Detail    string `json:"detail"`
		}
		s := get("/groups/"+atlassim.DemoProjectID, &body)
		want := http.StatusOK
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if s != want {
			t.Fatalf("GET project #%d: %d, want %d (--standard-capacity 2)", i, s, want)
		}
		if i == 3 && !strings.Contains(body.Detail, "Request capacity: 2. Refill rate: 1 per 60 seconds") {
			t.Errorf("429 detail %q does not state the configured bucket", body.Detail)
		}
	}
}

func doJSON(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, fmt.Sprintf("%.300s", data))
	}
	return resp.StatusCode
}
