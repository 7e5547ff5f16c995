package atlasclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// simEnv is the simulator behind a real HTTP server. It keeps its own log of
// what crossed the wire: the raw request target (the simulator logs decoded
// paths; escaping tests need the bytes) and the status, noted when the header
// is written, so that the entry exists before the client can see the answer
// (the simulator's own log is appended after the body has gone out).
type simEnv struct {
	sim *atlassim.Sim
	srv *httptest.Server

	mu  sync.Mutex
	log []*wireEntry
}

type wireEntry struct {
	Method, Path, Target string
	Status               int
	Time                 time.Time
}

type statusWriter struct {
	http.ResponseWriter
	env   *simEnv
	ent   *wireEntry
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.env.mu.Lock()
		w.ent.Status = code
		w.env.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newSimEnv(t testing.TB, opts atlassim.Options) *simEnv {
	t.Helper()
	opts.Seed = true
	if opts.ClusterTransition == 0 {
		opts.ClusterTransition = -1
	}
	e := &simEnv{sim: atlassim.New(opts)}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ent := &wireEntry{Method: r.Method, Path: r.URL.Path, Target: r.RequestURI, Time: time.Now()}
		e.mu.Lock()
		e.log = append(e.log, ent)
		e.mu.Unlock()
		e.sim.ServeHTTP(&statusWriter{ResponseWriter: w, env: e, ent: ent}, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *simEnv) entries() []wireEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]wireEntry, len(e.log))
	for i, ent := range e.log {
		out[i] = *ent
	}
	return out
}

func (e *simEnv) reset() {
	e.mu.Lock()
	e.log = nil
	e.mu.Unlock()
}

func (e *simEnv) sawTarget(method, target string) bool {
	for _, ent := range e.entries() {
		if ent.Method == method && ent.Target == target {
			return true
		}
	}
	return false
}

// count returns how many requests match method ("" any), decoded path prefix
// and status (0 any).
func (e *simEnv) count(method, pathPrefix string, status int) int {
	n := 0
	for _, r := range e.entries() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

type clientOpt func(*Config)

func withAPIKey(c *Config) {
	c.Credentials = Credentials{PublicKey: atlassim.DemoPublicKey, PrivateKey: atlassim.DemoPrivateKey}
}

func (e *simEnv) client(t testing.TB, opts ...clientOpt) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:            e.srv.URL,
		AppServicesBaseURL: e.srv.URL + "/api/admin/v3.0",
		Credentials:        Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret},
		RetryBaseDelay:     time.Millisecond,
		RetryMaxDelay:      10 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

var (
	demoClusters = "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/clusters"
	listClusters = &Request{Method: http.MethodGet, Template: "/groups/{groupId}/clusters",
		Params: map[string]string{"groupId": atlassim.DemoProjectID}}
)

// parallel runs f n times concurrently and returns the errors.
func parallel(n int, f func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func TestSimOneTokenFor200ConcurrentCalls(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t)
	errs := parallel(200, func(int) error {
		_, err := c.Do(context.Background(), listClusters, nil)
		return err
	})
	if len(errs) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
	}
	if n := e.sim.TokenRequests(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	if n := e.count(http.MethodGet, demoClusters, http.StatusOK); n != 200 {
		t.Fatalf("simulator answered %d GETs with 200, want 200", n)
	}
}

func TestSimTokenExpiryMidRunCostsOneRefresh(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t)
	var done atomic.Int32
	var once sync.Once
	errs := parallel(100, func(i int) error {
		// Each worker makes a few calls, so that calls are in flight on
		// both sides of the expiry.
		for range 3 {
			if _, err := c.Do(context.Background(), listClusters, nil); err != nil {
				return err
			}
			if done.Add(1) == 100 {
				once.Do(e.sim.ExpireTokens)
			}
		}
		return nil
	})
	if len(errs) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
	}
	if n := e.sim.TokenRequests(); n != 2 {
		t.Fatalf("token requests = %d, want 2 (one initial, one refresh)", n)
	}
	if n := e.count(http.MethodGet, demoClusters, http.StatusUnauthorized); n == 0 {
		t.Fatal("no call saw the expired token: the test did not exercise the refresh")
	}
}

func TestSimDigest(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t, withAPIKey)
	ctx := context.Background()
	errs := parallel(20, func(int) error {
		_, err := c.Do(ctx, listClusters, nil)
		return err
	})
	if len(errs) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
	}
	// A write: the body must survive the challenge round trip.
	var out Page[map[string]any]
	_, err := c.Do(ctx, &Request{Method: http.MethodPost, Template: "/groups/{groupId}/accessList",
		Params: map[string]string{"groupId": atlassim.DemoProjectID},
		Body:   []map[string]string{{"cidrBlock": "10.9.8.0/24", "comment": "digest test"}}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range out.Results {
		if it["cidrBlock"] == "10.9.8.0/24" {
			found = true
		}
	}
	if !found {
		t.Fatalf("created entry not in answer: %+v", out.Results)
	}
	// Pre-encoded JSON goes out as it is.
	if _, err := c.Do(ctx, &Request{Method: http.MethodPost, Template: "/groups/{groupId}/accessList",
		Params: map[string]string{"groupId": atlassim.DemoProjectID},
		Body:   []byte(`[{"ipAddress":"192.0.2.7"}]`)}, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.TokenRequests(); n != 0 {
		t.Fatalf("Digest client requested %d tokens", n)
	}
	for _, r := range e.sim.Requests() {
		if r.Status == http.StatusOK && !strings.EqualFold(r.Auth, "digest") {
			t.Fatalf("request %s %s answered with auth %q", r.Method, r.Path, r.Auth)
		}
	}
}

func TestSimAbsorbs429s(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	// A bucket of 5 refilled at 50 a second: the burst overflows it, and the
	// simulator answers Retry-After: 1.
	e.sim.SetLimit(atlassim.SetClusters, atlassim.Limit{Capacity: 5, Refill: 50, Per: time.Second})
	c := e.client(t, func(c *Config) { c.Limits = map[string]Limit{SetClusters: {}} })
	const calls = 30
	errs := parallel(calls, func(int) error {
		_, err := c.Do(context.Background(), listClusters, nil)
		return err
	})
	if len(errs) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
	}
	if n := e.count(http.MethodGet, demoClusters, http.StatusTooManyRequests); n == 0 {
		t.Fatal("the simulator never answered 429: the test did not exercise retries")
	}
	if n := e.count(http.MethodGet, demoClusters, http.StatusOK); n != calls {
		t.Fatalf("simulator answered %d requests with 200, want %d", n, calls)
	}
}

// With the default (larger) buckets, the first 429 teaches the client Atlas's
// real bucket, and it paces itself instead of meeting 429 after 429.
func TestSimClientLearnsBucketFrom429(t *testing.T) {
	run := func(learn bool) (rejected, ok int) {
		e := newSimEnv(t, atlassim.Options{})
		e.sim.SetLimit(atlassim.SetClusters, atlassim.Limit{Capacity: 3, Refill: 20, Per: time.Second})
		c := e.client(t, func(c *Config) {
			if !learn {
				c.Limits = map[string]Limit{SetClusters: {}} // client-side limiting off: nothing to learn into
			}
		})
		for i := 0; i < 8; i++ { // one caller, back to back: what one agent does
			if _, err := c.Do(context.Background(), listClusters, nil); err != nil {
				t.Fatal(err)
			}
		}
		return e.count(http.MethodGet, demoClusters, http.StatusTooManyRequests), e.count(http.MethodGet, demoClusters, http.StatusOK)
	}
	learned, ok := run(true)
	if ok != 8 {
		t.Fatalf("%d calls answered 200", ok)
	}
	blind, _ := run(false)
	if learned != 1 || blind <= learned {
		t.Fatalf("429s with learning %d, without %d: the first 429 should be the only one", learned, blind)
	}
}

func TestSimClientBucketSpreadsCalls(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	e.sim.SetLimit(atlassim.SetClusters, atlassim.Limit{Capacity: 5, Refill: 50, Per: time.Second})
	// The client's own bucket is well inside the server's (with room for
	// requests bunching up on the way), so Atlas never has to say 429.
	c := e.client(t, func(c *Config) {
		c.Limits = map[string]Limit{SetClusters: {Capacity: 2, Refill: 10, Per: time.Second}}
	})
	errs := parallel(12, func(int) error {
		_, err := c.Do(context.Background(), listClusters, nil)
		return err
	})
	if len(errs) > 0 {
		t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
	}
	if n := e.count("", demoClusters, http.StatusTooManyRequests); n != 0 {
		t.Fatalf("%d requests were answered 429 despite the client bucket", n)
	}
}

func TestSimRetryPolicy(t *testing.T) {
	accessList := "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/accessList"
	addEntry := &Request{Method: http.MethodPost, Template: "/groups/{groupId}/accessList",
		Params: map[string]string{"groupId": atlassim.DemoProjectID},
		Body:   []map[string]string{{"cidrBlock": "10.1.0.0/16"}}}
	tests := []struct {
		name         string
		fault        atlassim.Fault
		req          *Request
		path         string
		wantErr      bool
		wantStatus   int
		wantAttempts int // 0: not checked
		wantSent     int // requests the simulator saw for path; 0: at least 2
	}{
		{
			name:  "GET 503 twice then 200",
			fault: atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 503, Times: 2},
			req:   listClusters, path: demoClusters, wantStatus: 200, wantAttempts: 3, wantSent: 3,
		},
		{
			name:  "GET 500 every time gives up after MaxAttempts",
			fault: atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 500},
			req:   listClusters, path: demoClusters, wantErr: true, wantStatus: 500, wantAttempts: 4, wantSent: 4,
		},
		{
			// net/http itself silently resends a GET whose reused connection
			// died, so only the outcome is checked here.
			name:  "GET dropped connection is retried",
			fault: atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Drop: true, Times: 1},
			req:   listClusters, path: demoClusters, wantStatus: 200,
		},
		{
			name:  "POST 500 is not retried",
			fault: atlassim.Fault{Method: http.MethodPost, Path: accessList, Status: 500, Times: 1},
			req:   addEntry, path: accessList, wantErr: true, wantStatus: 500, wantAttempts: 1, wantSent: 1,
		},
		{
			name:  "POST 503 with Retry-After is not retried",
			fault: atlassim.Fault{Method: http.MethodPost, Path: accessList, Status: 503, Times: 1, Header: http.Header{"Retry-After": {"1"}}},
			req:   addEntry, path: accessList, wantErr: true, wantStatus: 503, wantAttempts: 1, wantSent: 1,
		},
		{
			name:  "POST dropped connection is not retried",
			fault: atlassim.Fault{Method: http.MethodPost, Path: accessList, Drop: true, Times: 1},
			req:   addEntry, path: accessList, wantErr: true, wantAttempts: 1, wantSent: 1,
		},
		{
			name: "POST 429 is retried with its body",
			fault: atlassim.Fault{Method: http.MethodPost, Path: accessList, Status: 429, Times: 1,
				ErrorCode: "RATE_LIMITED_TOKEN_BUCKET"},
			req: addEntry, path: accessList, wantStatus: 200, wantAttempts: 2, wantSent: 2,
		},
		{
			name:  "404 is not retried",
			fault: atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 404, Times: 1},
			req:   listClusters, path: demoClusters, wantErr: true, wantStatus: 404, wantAttempts: 1, wantSent: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSimEnv(t, atlassim.Options{})
			var events []Event
			c := e.client(t, func(c *Config) { c.Hook = func(ev Event) { events = append(events, ev) } })
			e.sim.InjectFault(tt.fault)
			resp, err := c.Do(context.Background(), tt.req, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && resp.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.Status, tt.wantStatus)
			}
			var ae *APIError
			if tt.wantStatus >= 400 && (!errors.As(err, &ae) || ae.Status != tt.wantStatus) {
				t.Fatalf("err = %v, want APIError %d", err, tt.wantStatus)
			}
			var te *TransportError
			if tt.wantErr && tt.wantStatus == 0 && !errors.As(err, &te) {
				t.Fatalf("err = %T %v, want *TransportError", err, err)
			}
			sent := e.count(tt.req.Method, tt.path, 0)
			if (tt.wantSent == 0 && sent < 2) || (tt.wantSent != 0 && sent != tt.wantSent) {
				t.Fatalf("simulator saw %d %s requests, want %d", sent, tt.req.Method, tt.wantSent)
			}
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			if tt.wantAttempts != 0 && events[0].Attempts != tt.wantAttempts {
				t.Fatalf("event %+v, want %d attempts", events[0], tt.wantAttempts)
			}
			if err == nil && resp.Attempts != events[0].Attempts {
				t.Fatalf("Response.Attempts = %d, event says %d", resp.Attempts, events[0].Attempts)
			}
		})
	}
}

func TestSimDeadlines(t *testing.T) {
	t.Run("client bucket wait past the deadline returns at once", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t, func(c *Config) {
			c.Limits = map[string]Limit{SetClusters: {Capacity: 1, Refill: 1, Per: time.Hour}}
		})
		if _, err := c.Do(context.Background(), listClusters, nil); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := c.Do(ctx, listClusters, nil)
		var rle *RateLimitWaitError
		if !errors.As(err, &rle) || !errors.Is(err, context.DeadlineExceeded) || rle.Wait < 59*time.Minute {
			t.Fatalf("err = %v, want RateLimitWaitError of about an hour", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the call slept until its deadline instead of returning at once")
		}
		if n := e.count(http.MethodGet, demoClusters, 0); n != 1 {
			t.Fatalf("simulator saw %d requests, want 1", n)
		}
	})
	t.Run("cancel while waiting on the client bucket", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t, func(c *Config) {
			c.Limits = map[string]Limit{SetClusters: {Capacity: 1, Refill: 1, Per: time.Hour}}
		})
		if _, err := c.Do(context.Background(), listClusters, nil); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var events []Event
		rec := NewRecorder()
		go func() {
			// Cancel once the call is parked on the bucket (no deadline, so
			// it would otherwise wait an hour).
			for e.count(http.MethodGet, demoClusters, 0) < 1 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			cancel()
		}()
		_, err := c.Do(WithRecorder(ctx, rec), listClusters, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		events = rec.Events()
		if len(events) != 1 || events[0].Attempts != 0 || !errors.Is(events[0].Err, context.Canceled) {
			t.Fatalf("events %+v", events)
		}
	})
	t.Run("Retry-After past the deadline returns the 429 at once", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t)
		e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 429,
			ErrorCode: "RATE_LIMITED_TOKEN_BUCKET", Header: http.Header{"Retry-After": {"30"}}, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Do(ctx, listClusters, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 30*time.Second || !ae.Retryable {
			t.Fatalf("err = %#v, want 429 with RetryAfter 30s", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the call slept until its deadline")
		}
	})
	t.Run("Retry-After within the deadline is honoured", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t)
		e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 429,
			ErrorCode: "RATE_LIMITED_TOKEN_BUCKET", Header: http.Header{"Retry-After": {"1"}}, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		resp, err := c.Do(ctx, listClusters, nil)
		if err != nil || resp.Attempts != 2 {
			t.Fatalf("resp %+v err %v", resp, err)
		}
		reqs := e.entries()
		var times []time.Time
		for _, r := range reqs {
			if r.Path == demoClusters {
				times = append(times, r.Time)
			}
		}
		if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
			t.Fatalf("retry came %v after the 429, want at least Retry-After (1s)", times[1].Sub(times[0]))
		}
	})
	t.Run("backoff past the deadline returns the 503 at once with the wait", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t, func(c *Config) { c.RetryBaseDelay, c.RetryMaxDelay = time.Minute, time.Minute })
		e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 503, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Do(ctx, listClusters, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 503 || ae.RetryAfter < 30*time.Second || !ae.Retryable {
			t.Fatalf("err = %#v, want 503 with the backoff as RetryAfter", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the call slept until its deadline")
		}
	})
	t.Run("a slow answer is cut by the deadline", func(t *testing.T) {
		e := newSimEnv(t, atlassim.Options{})
		c := e.client(t)
		e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Delay: time.Minute, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.Do(ctx, listClusters, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
	})
}

func TestSimPathEscaping(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t)
	ctx := context.Background()
	base := "/api/atlas/v2/groups/" + atlassim.DemoProjectID

	// A traversal attempt stays one segment and names a cluster that does
	// not exist; it must never reach /orgs.
	_, err := c.Do(ctx, getClusterIn(atlassim.DemoProjectID, "../../orgs"), nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Fatalf("err = %v, want 404", err)
	}
	if !e.sawTarget(http.MethodGet, base+"/clusters/..%2F..%2Forgs") {
		t.Fatalf("wire log %+v", e.entries())
	}
	if n := e.count("", "/api/atlas/v2/orgs", 0); n != 0 {
		t.Fatal("the request reached /orgs")
	}

	// ".." is refused before any I/O.
	before := len(e.entries())
	if _, err := c.Do(ctx, getClusterIn(atlassim.DemoProjectID, ".."), nil); err == nil {
		t.Fatal(`".." accepted`)
	}
	if len(e.entries()) != before {
		t.Fatal(`".." reached the server`)
	}

	// A CIDR is one segment with %2F, as Atlas expects.
	if _, err := c.Do(ctx, &Request{Method: http.MethodPost, Template: "/groups/{groupId}/accessList",
		Params: map[string]string{"groupId": atlassim.DemoProjectID},
		Body:   []map[string]string{{"cidrBlock": "10.0.0.0/24"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, &Request{Method: http.MethodDelete, Template: "/groups/{groupId}/accessList/{entryValue}",
		Params: map[string]string{"groupId": atlassim.DemoProjectID, "entryValue": "10.0.0.0/24"}}, nil); err != nil {
		t.Fatalf("delete 10.0.0.0/24: %v", err)
	}
	if !e.sawTarget(http.MethodDelete, base+"/accessList/10.0.0.0%2F24") {
		t.Fatalf("wire log %+v", e.entries())
	}
}

func getClusterIn(group, name string) *Request {
	return &Request{Method: http.MethodGet, Template: "/groups/{groupId}/clusters/{clusterName}",
		Params: map[string]string{"groupId": group, "clusterName": name}}
}

func TestSimPagination(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t)
	ctx := context.Background()
	first, err := ListPage[map[string]any](ctx, c, listClusters, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.AddClusters(atlassim.DemoProjectID, 1200-first.TotalCount, "bulk")

	tests := []struct {
		name      string
		max       int
		want      int
		wantPages int
	}{
		{"all 1200", 0, 1200, 3},
		{"max 10", 10, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset()
			names := map[string]bool{}
			for cl, err := range All[map[string]any](ctx, c, listClusters, tt.max) {
				if err != nil {
					t.Fatal(err)
				}
				names[fmt.Sprint(cl["name"])] = true
			}
			if len(names) != tt.want {
				t.Fatalf("got %d distinct clusters, want %d", len(names), tt.want)
			}
			if n := e.count(http.MethodGet, demoClusters, http.StatusOK); n != tt.wantPages {
				t.Fatalf("%d requests, want %d", n, tt.wantPages)
			}
		})
	}
	t.Run("error stops the iteration", func(t *testing.T) {
		e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters, Status: 404, Times: 1})
		n := 0
		var got error
		for _, err := range All[map[string]any](ctx, c, listClusters, 0) {
			n++
			got = err
		}
		if n != 1 || got == nil {
			t.Fatalf("yielded %d values, last error %v", n, got)
		}
	})
}

func TestSimAppServices(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	c := e.client(t, withAPIKey, func(c *Config) { c.Limits = map[string]Limit{SetAppServices: {}} })
	ctx := context.Background()
	req := &Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps/{appId}/triggers",
		Params: map[string]string{"groupId": atlassim.DemoProjectID, "appId": atlassim.DemoAppID}}
	burst := func() {
		t.Helper()
		errs := parallel(20, func(int) error {
			var triggers []map[string]any
			if _, err := c.Do(ctx, req, &triggers); err != nil {
				return err
			}
			if len(triggers) != 2 {
				return fmt.Errorf("%d triggers", len(triggers))
			}
			return nil
		})
		if len(errs) > 0 {
			t.Fatalf("%d calls failed, first: %v", len(errs), errs[0])
		}
	}
	steps := []struct {
		name                      string
		before                    func()
		wantLogins, wantRefreshes int
	}{
		{"login once", func() {}, 1, 0},
		{"expired access token: one refresh", e.sim.ExpireAppServicesAccessTokens, 1, 1},
		{"revoked refresh token: one login", func() {
			e.sim.RevokeAppServicesRefreshTokens()
			e.sim.ExpireAppServicesAccessTokens()
		}, 2, 1},
	}
	for _, s := range steps {
		s.before()
		burst()
		if l, r := e.sim.AppServicesLogins(), e.sim.AppServicesRefreshes(); l != s.wantLogins || r != s.wantRefreshes {
			t.Fatalf("%s: logins %d refreshes %d, want %d %d", s.name, l, r, s.wantLogins, s.wantRefreshes)
		}
	}
	for _, r := range e.sim.Requests() {
		if strings.Contains(r.Path, "/triggers") && r.Status == 200 && r.Accept != "application/json" {
			t.Fatalf("App Services request with Accept %q", r.Accept)
		}
	}
}

func TestSimSecretsNeverLeak(t *testing.T) {
	e := newSimEnv(t, atlassim.Options{})
	core, logs := observer.New(zapcore.DebugLevel)
	var texts []string
	clients := map[string]*Client{
		"service account": e.client(t, func(c *Config) { c.Logger = zap.New(core) }),
		"api key":         e.client(t, withAPIKey, func(c *Config) { c.Logger = zap.New(core) }),
		"bad secret": e.client(t, func(c *Config) {
			c.Logger = zap.New(core)
			c.Credentials.ClientSecret = "mdb_sa_sk_wrongwrongwrong"
		}),
	}
	e.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: demoClusters + "/", Status: 503, Times: 2})
	for name, c := range clients {
		for _, req := range []*Request{
			listClusters,
			getClusterIn(atlassim.DemoProjectID, "nope"),
			getClusterIn("000000000000000000000000", "x"),
			{Method: http.MethodGet, Template: "/groups/{groupId}/apps", Params: map[string]string{"groupId": atlassim.DemoProjectID}},
		} {
			_, err := c.Do(context.Background(), req, nil)
			if err != nil {
				texts = append(texts, name+": "+err.Error(), fmt.Sprintf("%+v", err))
			}
		}
	}
	for _, ent := range logs.All() {
		texts = append(texts, fmt.Sprint(ent.Message, ent.ContextMap()))
	}
	if len(texts) < 5 {
		t.Fatalf("only %d texts to check", len(texts))
	}
	for _, text := range texts {
		for _, secret := range []string{atlassim.DemoClientSecret, atlassim.DemoPrivateKey, "mdb_sa_sk_wrongwrongwrong", "Bearer ", "Digest ", "eyJ"} {
			if strings.Contains(text, secret) {
				t.Fatalf("%q contains %q", text, secret)
			}
		}
	}
}
