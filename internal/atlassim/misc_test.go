package atlassim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestOfficialMCPServerCalls replays what MongoDB's own MCP server asks for
// when listing and inspecting clusters (REFERENCE.md, last section).
func TestOfficialMCPServerCalls(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	h.must(200, "GET", groupPath(DemoProjectID), nil)
	h.must(200, "GET", groupPath(DemoProjectID, "/clusters"), nil)
	if m := h.must(200, "GET", groupPath(DemoProjectID, "/flexClusters"), nil).json(t); len(m["results"].([]any)) != 0 {
		t.Fatalf("flex clusters %v", m)
	}
	if r := h.must(404, "GET", groupPath(DemoProjectID, "/flexClusters/nope"), nil); r.errorCode(t) != codeFlexNotFound {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(404, "GET", groupPath(DemoProjectID, "/flexClusters/staging"), nil); r.errorCode(t) != codeFlexNotFound {
		t.Fatalf("%s", r.raw)
	}
}

func TestRequestLog(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	h.token()
	h.sim.ResetRequests()
	h.must(200, "GET", "/orgs?pretty=true", nil)
	h.do("GET", "/orgs", nil, noAuth())
	log := h.sim.Requests()
	if len(log) != 2 {
		t.Fatalf("%d entries", len(log))
	}
	want := LoggedRequest{Method: "GET", Path: "/api/atlas/v2/orgs", RawQuery: "pretty=true", Accept: latest, Auth: "bearer", Status: 200, Time: h.clock.Now()}
	if !reflect.DeepEqual(log[0], want) {
		t.Errorf("entry %+v, want %+v", log[0], want)
	}
	if log[1].Auth != "none" || log[1].Status != 401 {
		t.Errorf("unauthenticated entry %+v", log[1])
	}
	// Requests returns a copy.
	log[0].Path = "changed"
	if h.sim.Requests()[0].Path == "changed" {
		t.Error("Requests exposes the internal log")
	}
}

func TestSelfSignedTLS(t *testing.T) {
	cfg, pemBytes, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(New(Options{Seed: true}))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("PEM does not parse")
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		u := strings.Replace(srv.URL, "127.0.0.1", host, 1)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		res, err := c.Post(u+"/api/oauth/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials"))
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		res.Body.Close()
		if res.StatusCode != 401 { // no credentials, but the TLS handshake verified
			t.Fatalf("%s: %d", host, res.StatusCode)
		}
	}
	// A client that does not trust the PEM must fail.
	if _, err := http.Get(srv.URL + "/api/atlas/v2/orgs"); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
}

// TestConcurrentUse runs mixed reads and writes from many goroutines; with
// -race it checks the locking, and the final state checks nothing was lost.
func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, Options{Seed: true, ClusterTransition: -1, Limits: map[string]Limit{
		SetStandard: {Capacity: 100000, Refill: 100000, Per: 60e9},
	}})
	tok := h.token()
	client := h.srv.Client()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				body := fmt.Sprintf(`[{"ipAddress":"10.%d.%d.1"}]`, w, i)
				for _, rq := range []struct{ method, path, body string }{
					{"POST", "/groups/" + DemoProjectID + "/accessList", body},
					{"GET", "/groups/" + DemoProjectID + "/clusters", ""},
					{"POST", "/groups/" + DemoProjectID + "/clusters", fmt.Sprintf(`{"name":"c-%d-%d","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10"}}]}]}`, w, i)},
				} {
					req, _ := http.NewRequest(rq.method, h.srv.URL+prefixV2+rq.path, strings.NewReader(rq.body))
					req.Header.Set("Accept", latest)
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						errs <- fmt.Errorf("%s %s: %d %s", rq.method, rq.path, res.StatusCode, b)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m := h.must(200, "GET", groupPath(DemoProjectID, "/accessList?itemsPerPage=500"), nil).json(t)
	if m["totalCount"] != float64(82) {
		t.Errorf("access list has %v entries, want 82", m["totalCount"])
	}
	m = h.must(200, "GET", groupPath(DemoProjectID, "/clusters?itemsPerPage=500"), nil).json(t)
	if m["totalCount"] != float64(83) {
		t.Errorf("%v clusters, want 83", m["totalCount"])
	}
}

// TestSpecCheckCanFail makes sure the OpenAPI validation is not vacuous: a
// cluster answer with a state Atlas does not have must be rejected.
func TestSpecCheckCanFail(t *testing.T) {
	doc := loadSpec(t)
	h := newHarness(t, Options{Seed: true})
	r := h.must(200, "GET", groupPath(DemoProjectID, "/clusters/prod-analytics"), nil)
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatal(err)
	}
	m["stateName"] = "RUNNING"
	m["paused"] = "no"
	broken, _ := json.Marshal(m)
	schema := doc.Paths.Find(prefixV2 + "/groups/{groupId}/clusters/{clusterName}").Get.Responses.Status(200).Value.
		Content.Get(r.header.Get("Content-Type")).Schema.Value
	var v any
	_ = json.Unmarshal(broken, &v)
	if err := schema.VisitJSON(v, specOpts(false)...); err == nil {
		t.Fatal("a cluster with stateName RUNNING passed the spec check")
	}
	_ = json.Unmarshal(r.raw, &v)
	if err := schema.VisitJSON(v, specOpts(false)...); err != nil {
		t.Fatalf("the real answer fails the same check: %v", err)
	}
}
