package atlassim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaultStatusAndTimes(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	clusters := groupPath(DemoProjectID, "/clusters")
	h.sim.InjectFault(Fault{Method: "GET", Path: prefixV2 + clusters, Status: 503, Times: 2,
		Header: http.Header{"Retry-After": {"7"}}})
	for i := 0; i < 2; i++ {
		r := h.must(503, "GET", clusters, nil)
		if r.errorCode(t) != "SERVICE_UNAVAILABLE" || r.header.Get("Retry-After") != "7" {
			t.Fatalf("fault %d: %s Retry-After %q", i, r.raw, r.header.Get("Retry-After"))
		}
		if r.json(t)["error"] != float64(503) {
			t.Fatalf("error body %s", r.raw)
		}
	}
	h.must(200, "GET", clusters, nil) // Times used up

	// Method and path prefix both have to match; ErrorCode is used as given.
	h.sim.InjectFault(Fault{Method: "POST", Path: prefixV2 + "/groups/", Status: 500, ErrorCode: "UNEXPECTED_ERROR"})
	h.must(200, "GET", clusters, nil)
	if r := h.must(500, "POST", clusters, clusterBody("f", "AWS", "US_EAST_1", "M10")); r.errorCode(t) != "UNEXPECTED_ERROR" {
		t.Fatalf("%s", r.raw)
	}
	h.sim.ClearFaults()
	h.must(201, "POST", clusters, clusterBody("f", "AWS", "US_EAST_1", "M10"))

	// App Services paths fail in App Services' error shape.
	h.sim.InjectFault(Fault{Path: asPrefix + "/groups/", Status: 502})
	if m := h.must(502, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps", nil).json(t); m["error_code"] == nil || m["errorCode"] != nil {
		t.Fatalf("App Services fault body %v", m)
	}
	h.sim.ClearFaults()
	// The log shows what answered.
	var statuses []int
	for _, lr := range h.sim.Requests() {
		if lr.Path == prefixV2+clusters && lr.Method == "GET" {
			statuses = append(statuses, lr.Status)
		}
	}
	if len(statuses) < 3 || statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 {
		t.Fatalf("logged statuses %v", statuses)
	}
	h.sim.ResetRequests()
	if n := len(h.sim.Requests()); n != 0 {
		t.Fatalf("%d requests after reset", n)
	}
}

func TestFaultBody(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	h.sim.InjectFault(Fault{Path: prefixV2 + "/orgs", Body: []byte(`{"results": [`), Times: 1})
	r := h.must(200, "GET", "/orgs", nil)
	if string(r.raw) != `{"results": [` {
		t.Fatalf("body %q", r.raw)
	}
	h.sim.InjectFault(Fault{Path: prefixV2 + "/orgs", Status: 502, Body: []byte("<html>bad gateway</html>"), Times: 1,
		Header: http.Header{"Content-Type": {"text/html"}}})
	r = h.must(502, "GET", "/orgs", nil)
	if r.header.Get("Content-Type") != "text/html" || !strings.Contains(string(r.raw), "bad gateway") {
		t.Fatalf("raw fault: %q %s", r.header.Get("Content-Type"), r.raw)
	}
	h.must(200, "GET", "/orgs", nil)
}

func TestFaultDelay(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	// A delay alone, then the request is answered normally.
	h.sim.InjectFault(Fault{Path: prefixV2 + "/orgs", Delay: 5 * time.Millisecond, Times: 1})
	h.must(200, "GET", "/orgs", nil)

	// The delay gives way to the request's context: a cancelled request
	// returns at once without an answer, however long the delay.
	h.sim.InjectFault(Fault{Path: prefixV2 + "/orgs", Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", prefixV2+"/orgs", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.sim.ServeHTTP(rec, req)
	if rec.Body.Len() != 0 {
		t.Fatalf("cancelled delayed request was answered: %s", rec.Body)
	}
	logged := h.sim.Requests()
	if last := logged[len(logged)-1]; last.Status != 0 || last.Path != prefixV2+"/orgs" {
		t.Fatalf("log entry %+v, want status 0", last)
	}
}

func TestFaultDrop(t *testing.T) {
	for _, proto := range []string{"http/1.1", "h2"} {
		t.Run(proto, func(t *testing.T) {
			s := New(Options{Seed: true})
			srv := httptest.NewUnstartedServer(s)
			var client *http.Client
			if proto == "h2" {
				srv.EnableHTTP2 = true
				srv.StartTLS()
				client = srv.Client()
			} else {
				srv.Start()
				client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			}
			defer srv.Close()
			s.InjectFault(Fault{Path: "/api/atlas/v2/orgs", Drop: true})
			get := func() (*http.Response, error) {
				req, _ := http.NewRequest("GET", srv.URL+"/api/atlas/v2/orgs", nil)
				req.Header.Set("Accept", latest)
				return client.Do(req)
			}
			res, err := get()
			if err == nil {
				res.Body.Close()
				t.Fatalf("dropped request got an answer: %d", res.StatusCode)
			}
			s.ClearFaults()
			res, err = get()
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 401 { // no credentials: answered normally again
				t.Fatalf("after ClearFaults: %d", res.StatusCode)
			}
			if proto == "h2" && res.ProtoMajor != 2 {
				t.Fatalf("test did not run over HTTP/2 (%s)", res.Proto)
			}
		})
	}
}
