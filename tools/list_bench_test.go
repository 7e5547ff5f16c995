package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// pageEnv serves, for the list of the demo project's clusters, one page
// captured from a simulator holding n clusters; everything else (the token)
// goes to the simulator. What a list costs is then the client and the
// decoding, not the simulator encoding its clusters.
func pageEnv(tb testing.TB, n int) *Env {
	tb.Helper()
	unlimited := map[string]atlassim.Limit{atlassim.SetClusters: {}, atlassim.SetStandard: {}}
	env, sim := simEnvWith(tb, atlassim.Options{Seed: true, ClusterTransition: -1, Limits: unlimited},
		map[string]atlasclient.Limit{atlasclient.SetClusters: {}, atlasclient.SetStandard: {}})
	sim.AddClusters(atlassim.DemoProjectID, n, "bench")
	req := &atlasclient.Request{Op: atlasclient.ListGroupClusters, Params: map[string]string{"groupId": atlassim.DemoProjectID}}
	resp, err := env.Client.Do(context.Background(), &atlasclient.Request{Op: req.Op, Params: req.Params,
		Query: map[string][]string{"pageNum": {"1"}, "itemsPerPage": {"100"}}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	body := resp.Body
	listPath := "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/clusters"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == listPath {
			w.Header().Set("Content-Type", "application/vnd.atlas.2024-08-05+json")
			_, _ = w.Write(body)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	c, err := atlasclient.New(atlasclient.Config{
		BaseURL:     srv.URL,
		Credentials: atlasclient.Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret},
		Limits:      map[string]atlasclient.Limit{atlasclient.SetClusters: {}, atlasclient.SetStandard: {}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.CloseIdleConnections)
	return &Env{Client: c, DefaultProjectID: atlassim.DemoProjectID, DefaultOrgID: atlassim.DemoOrgID}
}

var listClustersReq = &atlasclient.Request{Op: atlasclient.ListGroupClusters, Params: map[string]string{"groupId": atlassim.DemoProjectID}}

// BenchmarkListClusters100: one page of 100 clusters. typed is a list whose
// rows are the Atlas documents' Go type (no Decode): one-pass decodes the
// page straight into them, two-pass is what every list did before (raw
// documents, then each decoded). tool is atlas-list-clusters itself, whose
// custom Decode needs each document on its own, as does verbose.
func BenchmarkListClusters100(b *testing.B) {
	env := pageEnv(b, 100)
	ctx := context.Background()
	p := Paging{PageNum: 1, ItemsPerPage: 100}
	run := func(b *testing.B, f func() (int, error)) {
		if n, err := f(); err != nil || n < 100 {
			b.Fatalf("%d rows, %v", n, err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := f(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("typed/one-pass", func(b *testing.B) {
		run(b, func() (int, error) {
			out, err := fetchPage[cluster](ctx, env, listClustersReq, p, false, nil)
			return lenOf(out), err
		})
	})
	b.Run("typed/two-pass", func(b *testing.B) {
		run(b, func() (int, error) {
			out, err := fetchPage(ctx, env, listClustersReq, p, false, unmarshalAs[cluster])
			return lenOf(out), err
		})
	})
	b.Run("typed/verbose", func(b *testing.B) {
		run(b, func() (int, error) {
			out, err := fetchPage[cluster](ctx, env, listClustersReq, p, true, nil)
			return lenOf(out), err
		})
	})
	tool := Find(All(), "atlas-list-clusters")
	b.Run("tool", func(b *testing.B) {
		run(b, func() (int, error) {
			c, err := tool.Decode(json.RawMessage(`{"itemsPerPage":100}`), env)
			if err != nil {
				return 0, err
			}
			pl, err := c.Plan(ctx, testAgent)
			if err != nil {
				return 0, err
			}
			res, err := c.Execute(ctx, pl)
			if err != nil {
				return 0, err
			}
			return lenOf(res.Structured.(*ListOutput[ClusterSummary])), nil
		})
	})
}

func lenOf[T any](out *ListOutput[T]) int {
	if out == nil {
		return 0
	}
	return len(out.Results)
}
