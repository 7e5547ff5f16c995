package server

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

func TestListClustersIsACompactFencedTable(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.sim.AddClusters(atlassim.DemoProjectID, 50, "bulk")
	c := h.client(t)
	res := call(t, c, "atlas-list-clusters", `{"itemsPerPage": 100}`)
	if res.IsError {
		t.Fatalf("error: %s", resultText(res))
	}
	text := resultText(res)
	for _, want := range []string{"NAME", "TIER", "PROVIDER/REGION", "STATE", "bulk", untrustedOpen[:len("<untrusted-atlas-data>")], "in total"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	sc, ok := res.StructuredContent.(map[string]any)
	if !ok || sc["totalCount"].(float64) < 50 {
		t.Fatalf("structured content: %#v", res.StructuredContent)
	}
	if strings.Contains(text, `"replicationSpecs"`) {
		t.Error("the compact answer carries raw Atlas documents")
	}
}

func TestBadInputNeverReachesAtlas(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	cases := []struct{ tool, args, field string }{
		{"atlas-get-cluster", `{"clusterName":"../../orgs"}`, "clusterName"},
		{"atlas-get-cluster", `{"clusterName":"x","projectId":"abc"}`, "projectId"},
		{"atlas-create-access-list", `{"cidrBlock":"10.0.0.0/33"}`, "cidrBlock"},
		{"atlas-list-clusters", `{"itemsPerPage":501}`, "itemsPerPage"},
		{"atlas-list-clusters", `{"bogus":1}`, "bogus"},
		{"atlas-create-cluster", `{"clusterName":"a","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"XL"}`, "instanceSize"},
	}
	before := h.apiRequests()
	for _, tc := range cases {
		res := call(t, c, tc.tool, tc.args)
		if !res.IsError || !strings.Contains(resultText(res), tc.field) {
			t.Errorf("%s %s: want an error naming %s, got %q", tc.tool, tc.args, tc.field, resultText(res))
		}
	}
	if n := h.apiRequests() - before; n != 0 {
		t.Fatalf("%d requests reached the simulator", n)
	}
	recs := h.records(t)
	if len(recs) != len(cases) {
		t.Fatalf("audit has %d records for %d calls", len(recs), len(cases))
	}
	for _, r := range recs {
		if r.Decision.Allow || r.Outcome.OK || r.Outcome.ErrorCode != "INVALID_ARGUMENT" {
			t.Errorf("record %+v", r)
		}
	}
}

func TestAtlasErrorsBecomeUsefulResults(t *testing.T) {
	h := newHarness(t, harnessOpts{sim: atlassim.Options{ClusterTransition: time.Hour}})
	c := h.client(t)

	res := call(t, c, "atlas-get-cluster", `{"clusterName":"nope"}`)
	if !res.IsError || !strings.Contains(resultText(res), "404 CLUSTER_NOT_FOUND") || !strings.Contains(resultText(res), "What to do") {
		t.Errorf("404: %s", resultText(res))
	}

	res = call(t, c, "atlas-create-cluster", `{"clusterName":"fresh","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`)
	if res.IsError {
		t.Fatalf("create: %s", resultText(res))
	}
	res = call(t, c, "atlas-update-cluster", `{"clusterName":"fresh","paused":true}`)
	if !res.IsError || !strings.Contains(resultText(res), "409") {
		t.Errorf("409: %s", resultText(res))
	}

	h.sim.InjectFault(atlassim.Fault{Method: "GET", Path: "/api/atlas/v2/orgs", Status: 429, ErrorCode: "RATE_LIMITED_TOKEN_BUCKET", Header: map[string][]string{"Retry-After": {"3600"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "atlas-list-orgs"
	r429, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("429: protocol error %v", err)
	}
	if !r429.IsError || !strings.Contains(resultText(r429), "429") || !strings.Contains(strings.ToLower(resultText(r429)), "retry") {
		t.Errorf("429: %s", resultText(r429))
	}
}

func TestDryRunSendsNothingAndRedactsSecrets(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	before := h.apiRequests()
	res := call(t, c, "atlas-create-cluster", `{"clusterName":"planned","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M30","dryRun":true}`)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if !strings.Contains(resultText(res), "POST") || !strings.Contains(resultText(res), "/api/atlas/v2/groups/"+atlassim.DemoProjectID+"/clusters") {
		t.Errorf("plan text: %s", resultText(res))
	}
	res = call(t, c, "atlas-create-db-user", `{"username":"planned","password":"hunter2-Very-Secret","roles":[{"roleName":"read","databaseName":"app"}],"dryRun":true}`)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if strings.Contains(resultText(res), "hunter2-Very-Secret") {
		t.Error("dry run shows the password")
	}
	if n := h.apiRequests() - before; n != 0 {
		t.Fatalf("dry runs sent %d requests", n)
	}
	for _, r := range h.records(t) {
		if !r.DryRun {
			t.Errorf("record not marked dryRun: %+v", r)
		}
	}
}

func TestDefaultPolicyRefusesOpenAccessListWithTheRuleNamed(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	res := call(t, c, "atlas-create-access-list", `{"cidrBlock":"0.0.0.0/0","comment":"everyone"}`)
	if !res.IsError || !strings.Contains(resultText(res), "Refused by policy rule") {
		t.Fatalf("got %s", resultText(res))
	}
	if n := h.requestsTo("POST", "/accessList"); n != 0 {
		t.Fatalf("simulator saw %d POSTs", n)
	}
	recs := h.records(t)
	if len(recs) != 1 || recs[0].Decision.Allow || recs[0].Decision.Rule == "" {
		t.Fatalf("audit: %+v", recs)
	}
}

// answer is an elicitation handler with a fixed response.
type answer struct {
	action  mcp.ElicitationResponseAction
	content any
	asked   []string
}

func (a *answer) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	a.asked = append(a.asked, req.Params.Message)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: a.action, Content: a.content}}, nil
}

func TestConfirmationByElicitation(t *testing.T) {
	for _, proto := range []string{"2025-11-25", mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			h := newHarness(t, harnessOpts{})
			h.sim.AddClusters(atlassim.DemoProjectID, 3, "victim")
			cases := []struct {
				name    string
				a       *answer
				cluster string
				deleted bool
				outcome string
			}{
				{"accept with the name typed", &answer{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": "victim-1"}}, "victim-1", true, "accepted"},
				{"accept with the wrong name", &answer{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": "victim"}}, "victim-2", false, "declined"},
				{"decline", &answer{action: mcp.ElicitationResponseActionDecline}, "victim-2", false, "declined"},
				{"cancel", &answer{action: mcp.ElicitationResponseActionCancel}, "victim-3", false, "declined"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := h.clientWithProtocol(t, proto, mcpclient.WithElicitationHandler(tc.a))
					before := h.requestsTo("DELETE", "/clusters/"+tc.cluster)
					res := call(t, c, "atlas-delete-cluster", `{"clusterName":"`+tc.cluster+`"}`)
					got := h.requestsTo("DELETE", "/clusters/"+tc.cluster) - before
					if tc.deleted != (got == 1) || tc.deleted == res.IsError {
						t.Fatalf("deleted=%v (DELETEs %d), isError=%v: %s", tc.deleted, got, res.IsError, resultText(res))
					}
					if len(tc.a.asked) != 1 || !strings.Contains(tc.a.asked[0], tc.cluster) || !strings.Contains(tc.a.asked[0], "cannot be undone") {
						t.Fatalf("prompt: %q", tc.a.asked)
					}
					recs := h.records(t)
					last := recs[len(recs)-1]
					if last.Tool != "atlas-delete-cluster" || string(last.Confirmation) != tc.outcome {
						t.Fatalf("audit: %+v", last)
					}
					var methods []string
					for _, r := range last.Requests {
						methods = append(methods, r.Method)
					}
					if tc.deleted && !slices.Contains(methods, "DELETE") {
						t.Fatalf("the record lacks the DELETE it made: %v", methods)
					}
					if !tc.deleted && slices.Contains(methods, "DELETE") {
						t.Fatalf("a refused delete records a DELETE: %v", methods)
					}
				})
			}
			// One record per call (plus an intent before each delete that
			// was sent), however many legs the confirmation took.
			if n := len(callRecords(h.records(t))); n != len(cases) {
				t.Fatalf("%d records for %d calls", n, len(cases))
			}
		})
	}
}

func (h *harness) clientWithProtocol(t testing.TB, proto string, opts ...mcpclient.ClientOption) *mcpclient.Client {
	t.Helper()
	c, err := mcpclient.NewInProcessClientWithOptions(h.server.MCP(), append(opts, mcpclient.WithProtocolVersion(proto))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = proto
	init.Params.ClientInfo = mcp.Implementation{Name: "go-test-host", Version: proto}
	if len(opts) > 0 { // the tests' only client options are elicitation handlers
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestWithoutElicitationRefuseOrToken(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	res := call(t, c, "atlas-delete-project", `{"projectId":"`+atlassim.DemoProject2ID+`"}`)
	if !res.IsError || !strings.Contains(resultText(res), "does not support MCP elicitation") {
		t.Fatalf("refuse mode: %s", resultText(res))
	}
	if h.requestsTo("DELETE", "") != 0 {
		t.Fatal("a DELETE was sent")
	}

	data, err := os.ReadFile("../../testdata/policies/token-confirm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse(data, "token-confirm.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h = newHarness(t, harnessOpts{policy: pol})
	c = h.client(t)
	args := `{"projectId":"` + atlassim.DemoProject2ID + `"}`
	first := call(t, c, "atlas-delete-project", args)
	sc, _ := first.StructuredContent.(map[string]any)
	token, _ := sc["confirmationToken"].(string)
	if !first.IsError || token == "" {
		t.Fatalf("token mode first call: %s", resultText(first))
	}
	wrong := call(t, c, "atlas-delete-project", `{"projectId":"`+atlassim.DemoProjectID+`","confirmationToken":"`+token+`"}`)
	if !wrong.IsError {
		t.Fatal("a token for other arguments was accepted")
	}
	// The refused attempt used the token up.
	again := call(t, c, "atlas-delete-project", args)
	sc, _ = again.StructuredContent.(map[string]any)
	token, _ = sc["confirmationToken"].(string)
	ok := call(t, c, "atlas-delete-project", `{"projectId":"`+atlassim.DemoProject2ID+`","confirmationToken":"`+token+`"}`)
	if ok.IsError {
		t.Fatalf("redeem: %s", resultText(ok))
	}
	if n := h.requestsTo("DELETE", "/groups/"+atlassim.DemoProject2ID); n != 1 {
		t.Fatalf("%d DELETEs", n)
	}
	replay := call(t, c, "atlas-delete-project", `{"projectId":"`+atlassim.DemoProject2ID+`","confirmationToken":"`+token+`"}`)
	if !replay.IsError {
		t.Fatal("a used token was accepted again")
	}
}

func TestEveryCallLeavesOneVerifiableRecord(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	calls := []struct{ tool, args string }{
		{"atlas-whoami", `{}`},
		{"atlas-list-orgs", `{}`},
		{"atlas-list-projects", `{}`},
		{"atlas-list-clusters", `{}`},
		{"atlas-get-cluster", `{"clusterName":"nope"}`},
		{"atlas-list-db-users", `{}`},
		{"atlas-list-access-list", `{}`},
		{"atlas-list-alerts", `{}`},
		{"atlas-create-access-list", `{"cidrBlock":"0.0.0.0/0"}`},
		{"atlas-get-cluster", `{"clusterName":"../x"}`},
	}
	for _, cl := range calls {
		call(t, c, cl.tool, cl.args)
	}
	recs := h.records(t)
	if len(recs) != len(calls) {
		t.Fatalf("%d records for %d calls", len(recs), len(calls))
	}
	for i, r := range recs {
		if r.Tool != calls[i].tool || r.Agent == "" || r.Host.Name != "go-test-host" {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if recs[3].Requests == nil || recs[3].Requests[0].Status != 200 || !strings.Contains(recs[3].Requests[0].Path, "/clusters") {
		t.Errorf("list-clusters record lacks its Atlas request: %+v", recs[3].Requests)
	}
	rep, err := audit.Verify(h.auditPath)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
