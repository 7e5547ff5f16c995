package atlassim

import (
	"reflect"
	"testing"
	"time"
)

func TestRateLimitTokenBucket(t *testing.T) {
	h := newHarness(t, Options{Seed: true, Limits: map[string]Limit{
		SetClusters: {Capacity: 2, Refill: 1, Per: 10 * time.Second},
	}})
	list := groupPath(DemoProjectID, "/clusters")

	for i, wantRemaining := range []string{"1", "0"} {
		r := h.must(200, "GET", list, nil)
		if r.header.Get("RateLimit-Limit") != "2" || r.header.Get("RateLimit-Remaining") != wantRemaining {
			t.Fatalf("call %d: RateLimit-Limit %q Remaining %q", i, r.header.Get("RateLimit-Limit"), r.header.Get("RateLimit-Remaining"))
		}
	}
	r := h.must(429, "GET", list, nil)
	if r.header.Get("Retry-After") != "10" || r.header.Get("RateLimit-Remaining") != "0" || r.header.Get("RateLimit-Limit") != "2" {
		t.Fatalf("429 headers: Retry-After %q Remaining %q Limit %q", r.header.Get("Retry-After"),
			r.header.Get("RateLimit-Remaining"), r.header.Get("RateLimit-Limit"))
	}
	body := r.json(t)
	wantDetail := "Rate limit exceeded for api/atlas/v2/groups/{groupId}/clusters. Please retry after 10 seconds. Request capacity: 2. Refill rate: 1 per 10 seconds."
	if body["errorCode"] != codeRateLimited || body["detail"] != wantDetail || body["reason"] != "Too Many Requests" {
		t.Fatalf("429 body %v", body)
	}
	if want := []any{"api/atlas/v2/groups/{groupId}/clusters", float64(10), float64(2), float64(1), float64(10)}; !reflect.DeepEqual(body["parameters"], want) {
		t.Errorf("parameters %v, want %v", body["parameters"], want)
	}

	// Buckets are per set and per project; the token endpoint draws on none.
	h.must(200, "GET", groupPath(DemoProject2ID, "/clusters"), nil)
	h.must(200, "GET", groupPath(DemoProjectID, "/databaseUsers"), nil)
	for i := 0; i < 5; i++ {
		h.fetchToken(DemoClientID, DemoClientSecret)
	}

	// Retry-After is the time until one token; the bucket refills on the clock.
	h.clock.Advance(4 * time.Second)
	if r := h.must(429, "GET", list, nil); r.header.Get("Retry-After") != "6" {
		t.Fatalf("Retry-After after 4s: %q", r.header.Get("Retry-After"))
	}
	h.clock.Advance(6 * time.Second)
	h.must(200, "GET", list, nil)
	h.must(429, "GET", list, nil)

	// SetLimit changes the numbers at run time and refills.
	h.sim.SetLimit(SetStandard, Limit{Capacity: 1, Refill: 1, Per: time.Minute})
	h.must(200, "GET", "/orgs", nil)
	if r := h.must(429, "GET", "/orgs", nil); r.header.Get("Retry-After") != "60" {
		t.Fatalf("standard bucket Retry-After %q", r.header.Get("Retry-After"))
	}
	h.sim.SetLimit(SetClusters, Limit{Capacity: 100, Refill: 100, Per: time.Minute})
	h.must(200, "GET", list, nil)
}

func TestRateLimitAppServices(t *testing.T) {
	h := newHarness(t, Options{Seed: true, Limits: map[string]Limit{SetAppServices: {Capacity: 1, Refill: 1, Per: 30 * time.Second}}})
	tok := asLogin(t, h, DemoPublicKey, DemoPrivateKey)["access_token"].(string)
	apps := "/api/admin/v3.0/groups/" + DemoProjectID + "/apps"
	h.must(200, "GET", apps, nil, withAuth("Bearer "+tok))
	r := h.must(429, "GET", apps, nil, withAuth("Bearer "+tok))
	if r.header.Get("Retry-After") != "30" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if m := r.json(t); m["error_code"] != "TooManyRequests" || m["error"] == "" {
		t.Errorf("App Services 429 body %v", m)
	}
	// Logins do not draw on the bucket.
	asLogin(t, h, DemoPublicKey, DemoPrivateKey)
}
