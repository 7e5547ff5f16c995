package atlasclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// The two benchmarks send the same GET of one cluster to the simulator over
// loopback, with the same headers and a bearer token obtained beforehand, and
// read the whole body without decoding it. Their difference is what the
// client's chain costs per call: hook, auth lookup, bucket, retry bookkeeping,
// body capping, error mapping.

func benchEnv(b *testing.B) *simEnv {
	// No rate limit on either side: the benchmarks would otherwise measure
	// the buckets' refill rate.
	return newSimEnv(b, atlassim.Options{Limits: map[string]atlassim.Limit{atlassim.SetClusters: {}}})
}

func BenchmarkClientGet(b *testing.B) {
	e := benchEnv(b)
	c := e.client(b, func(c *Config) { c.Limits = map[string]Limit{SetClusters: {}} })
	req := getClusterIn(atlassim.DemoProjectID, "prod-analytics")
	ctx := context.Background()
	if _, err := c.Do(ctx, req, nil); err != nil { // token fetched outside the loop
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Do(ctx, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBareGet(b *testing.B) {
	e := benchEnv(b)
	hc := &http.Client{Transport: newBaseTransport()}
	defer hc.CloseIdleConnections()
	token := bareToken(b, hc, e.srv.URL)
	u := e.srv.URL + "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/clusters/prod-analytics"
	get := func() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/vnd.atlas.2024-08-05+json")
		req.Header.Set("User-Agent", "atlas-mcp/dev")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
	get()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		get()
	}
}

func bareToken(b *testing.B, hc *http.Client, base string) string {
	req, err := http.NewRequest(http.MethodPost, base+tokenPath, strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.SetBasicAuth(atlassim.DemoClientID, atlassim.DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}
