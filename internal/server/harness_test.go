package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasspec"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// harness is a server wired to a simulator over real HTTP, with an audit log in
// a temporary directory.
type harness struct {
	sim       *atlassim.Sim
	http      *httptest.Server
	server    *Server
	auditPath string
	secrets   []string
}

type harnessOpts struct {
	policy *policy.Policy
	cloud  atlasclient.Cloud
	sim    atlassim.Options
	// limits are the client's token buckets (default: Atlas's published ones).
	limits map[string]atlasclient.Limit
	// metrics, when set, measures the client, the audit log and the server.
	metrics *Metrics
	// audit overrides the audit log's options (Path included).
	audit *audit.Options
	// approvals is the out-of-band approval service (approval_test.go).
	approvals *approvals.Service
	// consoleSSO signs approvers in to /approvals with the identity provider.
	consoleSSO *approvals.SSO
	// outputSchemas advertises output schemas (--output-schemas).
	outputSchemas bool
	// toolsets keeps only these areas' tools (--toolsets); nil: all.
	toolsets []tools.Area
}

func newHarness(t *testing.T, o harnessOpts) *harness { return newHarnessTB(t, o) }

func newHarnessTB(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	o.sim.Seed = true
	if o.sim.ClusterTransition == 0 {
		o.sim.ClusterTransition = -1
	}
	if o.sim.JobDuration == 0 {
		o.sim.JobDuration = -1
	}
	if o.cloud == "" {
		o.cloud = atlasclient.Commercial
	}
	o.sim.Gov = o.cloud == atlasclient.Gov
	o.sim.StrictBodies = true
	sim := atlassim.New(o.sim)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	creds := atlasclient.Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret, PublicKey: atlassim.DemoPublicKey, PrivateKey: atlassim.DemoPrivateKey}
	client, err := atlasclient.New(atlasclient.Config{BaseURL: hs.URL, AppServicesBaseURL: hs.URL + "/api/admin/v3.0", Credentials: creds, Limits: o.limits, Hook: o.metrics.AtlasHook()})
	if err != nil {
		t.Fatal(err)
	}
	pol := o.policy
	if pol == nil {
		pol = policy.Default(policy.Options{})
	}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	aopts := audit.Options{Path: path, Observer: o.metrics.AuditObserver()}
	if o.audit != nil {
		aopts = *o.audit
		path = aopts.Path
	}
	log, err := audit.Open(aopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	secrets := []string{atlassim.DemoClientSecret, atlassim.DemoPrivateKey}
	srv, err := New(Options{
		Tools:         tools.InAreas(tools.ForCloud(o.cloud), o.toolsets),
		Env:           &tools.Env{Client: client, Cloud: o.cloud, DefaultProjectID: atlassim.DemoProjectID, DefaultOrgID: atlassim.DemoOrgID, PollInterval: time.Millisecond, Bodies: atlasspec.New()},
		Policy:        pol,
		Audit:         log,
		Version:       "test",
		Secrets:       secrets,
		Metrics:       o.metrics,
		Approvals:     o.approvals,
		ConsoleSSO:    o.consoleSSO,
		OutputSchemas: o.outputSchemas,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{sim: sim, http: hs, server: srv, auditPath: path, secrets: secrets}
}

// client connects an in-process MCP client at the newest protocol version.
func (h *harness) client(t testing.TB, opts ...mcpclient.ClientOption) *mcpclient.Client {
	t.Helper()
	return h.clientWithProtocol(t, mcp.LATEST_PROTOCOL_VERSION, opts...)
}

func call(t *testing.T, c *mcpclient.Client, name string, args string) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	var m map[string]any
	if err := json.Unmarshal([]byte(args), &m); err != nil {
		t.Fatalf("bad test args %s: %v", args, err)
	}
	req.Params.Arguments = m
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if t, ok := mcp.AsTextContent(c); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// records reads the audit log.
func (h *harness) records(t *testing.T) []audit.Record {
	t.Helper()
	f, err := os.Open(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// requestsTo counts simulator requests with the method whose path contains part.
func (h *harness) requestsTo(method, part string) int {
	n := 0
	for _, r := range h.sim.Requests() {
		if (method == "" || r.Method == method) && strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

// apiRequests counts requests that reached the Admin or App Services API (not the token endpoint).
func (h *harness) apiRequests() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if strings.HasPrefix(r.Path, "/api/atlas/") || strings.HasPrefix(r.Path, "/api/admin/v3.0/groups") {
			n++
		}
	}
	return n
}

// callRecords drops intent records: what remains is one record per call, the
// outcome of a write naming its intent.
func callRecords(recs []audit.Record) []audit.Record {
	var out []audit.Record
	for _, r := range recs {
		if r.Kind != audit.KindIntent {
			out = append(out, r)
		}
	}
	return out
}
