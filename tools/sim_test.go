package tools

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// simEnv starts a seeded simulator over real HTTP and an Env that talks to it.
// Clusters and jobs settle at once, and wait:true polls every millisecond, so
// no test sleeps.
func simEnv(t *testing.T, gov bool) (*Env, *atlassim.Sim) {
	t.Helper()
	return simEnvWith(t, atlassim.Options{Seed: true, Gov: gov, ClusterTransition: -1, JobDuration: -1})
}

// simEnvWith is simEnv with explicit simulator options.
func simEnvWith(t testing.TB, opts atlassim.Options, limits ...map[string]atlasclient.Limit) (*Env, *atlassim.Sim) {
	t.Helper()
	gov := opts.Gov
	sim := atlassim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := atlasclient.Config{
		BaseURL:            srv.URL,
		AppServicesBaseURL: srv.URL + "/api/admin/v3.0",
		Credentials: atlasclient.Credentials{
			ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret,
			PublicKey: atlassim.DemoPublicKey, PrivateKey: atlassim.DemoPrivateKey,
		},
	}
	if len(limits) > 0 {
		cfg.Limits = limits[0]
	}
	c, err := atlasclient.New(cfg)
	if err != nil {
		t.Fatalf("atlasclient.New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	env := &Env{Client: c, DefaultProjectID: atlassim.DemoProjectID, DefaultOrgID: atlassim.DemoOrgID, PollInterval: time.Millisecond}
	if gov {
		env.Cloud = atlasclient.Gov
	}
	return env, sim
}

// call decodes, plans and executes one tool call as the server would
// (without policy).
func call(t *testing.T, env *Env, tool *Tool, args string) (*Result, error) {
	t.Helper()
	return callCtx(t.Context(), t, env, tool, args)
}

func callCtx(ctx context.Context, t *testing.T, env *Env, tool *Tool, args string) (*Result, error) {
	t.Helper()
	c, err := tool.Decode(json.RawMessage(args), env)
	if err != nil {
		return nil, err
	}
	p, err := c.Plan(ctx, testAgent)
	if err != nil {
		return nil, err
	}
	return c.Execute(ctx, p)
}

// mustRun runs a call that must succeed and returns its result.
func mustRun(t *testing.T, env *Env, tool *Tool, args string) *Result {
	t.Helper()
	r, err := call(t, env, tool, args)
	if err != nil {
		t.Fatalf("%s %s: %v", tool.Name, args, err)
	}
	if r.Summary == "" {
		t.Errorf("%s: empty summary", tool.Name)
	}
	return r
}

// confirm decodes and plans a call and returns the plan a person would see.
func confirm(t *testing.T, env *Env, tool *Tool, args string) (*Call, *Plan) {
	t.Helper()
	c, err := tool.Decode(json.RawMessage(args), env)
	if err != nil {
		t.Fatalf("%s %s: %v", tool.Name, args, err)
	}
	return c, planOf(t, c)
}

// apiRequests are the requests that reached Atlas's APIs (not token endpoints
// or App Services logins).
func apiRequests(sim *atlassim.Sim) []atlassim.LoggedRequest {
	var out []atlassim.LoggedRequest
	for _, r := range sim.Requests() {
		if strings.HasPrefix(r.Path, "/api/atlas/v2/") || (strings.HasPrefix(r.Path, "/api/admin/v3.0/groups/")) {
			out = append(out, r)
		}
	}
	return out
}

// sent reports whether a request with this method and path reached the simulator.
func sent(sim *atlassim.Sim, method, pathSuffix string) bool {
	for _, r := range apiRequests(sim) {
		if r.Method == method && strings.HasSuffix(r.Path, pathSuffix) {
			return true
		}
	}
	return false
}

func structured[T any](t *testing.T, r *Result) T {
	t.Helper()
	v, ok := r.Structured.(T)
	if !ok {
		t.Fatalf("Structured is %T, want %T", r.Structured, v)
	}
	return v
}

func resultJSON(t *testing.T, r *Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantAPIStatus(t *testing.T, err error, status int) {
	t.Helper()
	var ae *atlasclient.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *atlasclient.APIError %d", err, err, status)
	}
	if ae.Status != status {
		t.Fatalf("status = %d (%v), want %d", ae.Status, ae, status)
	}
}

// progressLog collects progress notifications of a wait:true call.
type progressLog struct {
	mu   sync.Mutex
	msgs []string
}

func (p *progressLog) ctx(parent context.Context) context.Context {
	return WithProgress(parent, func(_, _ float64, msg string) {
		p.mu.Lock()
		p.msgs = append(p.msgs, msg)
		p.mu.Unlock()
	})
}

func (p *progressLog) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

// TestBadInputNeverReachesAtlas sends invalid arguments to a tool of every area
// and checks the simulator saw nothing.
func TestBadInputNeverReachesAtlas(t *testing.T) {
	env, sim := simEnv(t, false)
	cases := []struct {
		tool *Tool
		args string
	}{
		{getCluster(), `{"clusterName":"../../orgs"}`},
		{deleteCluster(), `{"clusterName":"../../orgs"}`},
		{createCluster(), `{"clusterName":"c","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"XL"}`},
		{getProject(), `{"projectId":"../../orgs"}`},
		{deleteProject(), `{}`},
		{getOrg(), `{"orgId":"x"}`},
		{createDBUser(), `{"username":"a","password":"short","roles":[{"roleName":"read","databaseName":"d"}]}`},
		{deleteDBUser(), `{"username":"a","databaseName":"local"}`},
		{createAccessList(), `{"cidrBlock":"10.0.0.0/33"}`},
		{deleteAccessList(), `{"entryValue":"../../orgs"}`},
		{createSnapshot(), `{"clusterName":"prod-analytics","description":"d","retentionInDays":400}`},
		{createRestoreJob(), `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"x","targetClusterName":"staging"}`},
		{createAlertConfig(), `{"eventTypeName":"NO_PRIMARY","notifications":[]}`},
		{createAPIKey(), `{"desc":"d","roles":["GROUP_OWNER"]}`},
		{deleteAPIKey(), `{"apiKeyId":"../x"}`},
		{getTrigger(), `{"appId":"` + atlassim.DemoAppID + `","triggerId":"x"}`},
	}
	for _, tc := range cases {
		if _, err := call(t, env, tc.tool, tc.args); err == nil {
			t.Errorf("%s %s succeeded", tc.tool.Name, tc.args)
		} else if ve := (*ValidationError)(nil); !errors.As(err, &ve) {
			t.Errorf("%s %s: %v (%T), want a ValidationError", tc.tool.Name, tc.args, err, err)
		}
	}
	if reqs := apiRequests(sim); len(reqs) > 0 {
		t.Errorf("invalid input reached the simulator: %+v", reqs)
	}
}

// TestDryRunSendsNothing plans every kind of write and checks no write was
// sent: planning may read (the resource a delete names), never write.
func TestDryRunSendsNothing(t *testing.T) {
	env, sim := simEnv(t, false)
	writes := []struct {
		tool *Tool
		args string
	}{
		{createCluster(), `{"dryRun":true,"clusterName":"c9","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`},
		{updateCluster(), `{"dryRun":true,"clusterName":"staging","instanceSize":"M20"}`},
		{deleteCluster(), `{"dryRun":true,"clusterName":"staging"}`},
		{createProject(), `{"dryRun":true,"name":"p9"}`},
		{deleteProject(), `{"dryRun":true,"projectId":"` + atlassim.DemoProject2ID + `"}`},
		{createDBUser(), `{"dryRun":true,"username":"u9","password":"longenough","roles":[{"roleName":"read","databaseName":"d"}]}`},
		{deleteDBUser(), `{"dryRun":true,"username":"app-user"}`},
		{createAccessList(), `{"dryRun":true,"ipAddress":"192.0.2.9"}`},
		{deleteAccessList(), `{"dryRun":true,"entryValue":"198.51.100.0/24"}`},
		{createSnapshot(), `{"dryRun":true,"clusterName":"prod-analytics","description":"d"}`},
		{createRestoreJob(), `{"dryRun":true,"clusterName":"prod-analytics","deliveryType":"download","snapshotId":"` + testHexID + `"}`},
		{createAlertConfig(), `{"dryRun":true,"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"GROUP"}]}`},
		{createAPIKey(), `{"dryRun":true,"desc":"d","roles":["ORG_READ_ONLY"]}`},
		{deleteAPIKey(), `{"dryRun":true,"apiKeyId":"` + atlassim.DemoReadOnlyAPIKeyID + `"}`},
	}
	for _, w := range writes {
		c, err := w.tool.Decode(json.RawMessage(w.args), env)
		if err != nil {
			t.Fatalf("%s: %v", w.tool.Name, err)
		}
		if !c.DryRun {
			t.Errorf("%s: DryRun not set", w.tool.Name)
		}
		p, err := c.Plan(t.Context(), testAgent)
		if err != nil || len(p.Requests) == 0 {
			t.Fatalf("%s: plan %v, %v", w.tool.Name, p, err)
		}
		if last := p.Requests[len(p.Requests)-1]; last.Method == "GET" || !strings.HasPrefix(last.Path, "/api/atlas/v2/") {
			t.Errorf("%s: last request %+v is not the write", w.tool.Name, last)
		}
	}
	for _, r := range apiRequests(sim) {
		if r.Method != "GET" {
			t.Errorf("planning sent a write: %+v", r)
		}
	}
}

// planAndRun plans a decoded call and executes the plan, under ctx.
func planAndRun(t *testing.T, c *Call, ctx context.Context) (*Result, error) {
	t.Helper()
	p, err := c.Plan(ctx, testAgent)
	if err != nil {
		return nil, err
	}
	return c.Execute(ctx, p)
}
