package atlassim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const latest = "application/vnd.atlas.2025-03-12+json"

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a Sim behind a real HTTP server plus a service-account token.
type harness struct {
	t     *testing.T
	sim   *Sim
	srv   *httptest.Server
	clock *clock
	tok   string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clk := newClock()
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: s, srv: srv, clock: clk}
}

func (h *harness) token() string {
	h.t.Helper()
	if h.tok == "" {
		h.tok = h.fetchToken(DemoClientID, DemoClientSecret)
	}
	return h.tok
}

func (h *harness) fetchToken(id, secret string) string {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatal(err)
	}
	return out.AccessToken
}

type resp struct {
	status int
	header http.Header
	raw    []byte
}

// json decodes the body into a generic value.
func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.raw)
	}
	return m
}

func (r resp) errorCode(t *testing.T) string {
	t.Helper()
	code, _ := r.json(t)["errorCode"].(string)
	return code
}

// reqOpt tweaks a request.
type reqOpt func(*http.Request)

func withAccept(a string) reqOpt { return func(r *http.Request) { r.Header.Set("Accept", a) } }
func withAuth(a string) reqOpt   { return func(r *http.Request) { r.Header.Set("Authorization", a) } }
func noAuth() reqOpt             { return func(r *http.Request) { r.Header.Set("X-Test-No-Auth", "1") } }

// do sends an Admin API request (path relative to /api/atlas/v2 unless it
// starts with /api/) with the latest Accept and the service-account token.
func (h *harness) do(method, path string, body any, opts ...reqOpt) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	if !strings.HasPrefix(path, "/api/") {
		path = prefixV2 + path
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Accept", latest)
	if rd != nil {
		req.Header.Set("Content-Type", latest)
	}
	for _, o := range opts {
		o(req)
	}
	switch {
	case req.Header.Get("X-Test-No-Auth") != "":
		req.Header.Del("X-Test-No-Auth")
		req.Header.Del("Authorization")
	case req.Header.Get("Authorization") == "":
		req.Header.Set("Authorization", "Bearer "+h.token())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

// must asserts the status and returns the response.
func (h *harness) must(status int, method, path string, body any, opts ...reqOpt) resp {
	h.t.Helper()
	r := h.do(method, path, body, opts...)
	if r.status != status {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

func clusterBody(name, provider, region, size string) map[string]any {
	rc := map[string]any{
		"providerName": provider, "regionName": region, "priority": 7,
		"electableSpecs": map[string]any{"instanceSize": size, "nodeCount": 3},
	}
	if provider == "TENANT" {
		rc["backingProviderName"] = "AWS"
		rc["electableSpecs"] = map[string]any{"instanceSize": size}
	}
	return map[string]any{
		"name":             name,
		"clusterType":      "REPLICASET",
		"replicationSpecs": []any{map[string]any{"regionConfigs": []any{rc}}},
	}
}

func groupPath(id string, rest ...string) string {
	return "/groups/" + id + strings.Join(rest, "")
}

func escape(s string) string { return url.PathEscape(s) }
