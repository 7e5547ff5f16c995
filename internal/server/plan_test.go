package server

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// capped is an agent limited as issue 11's attacks assumed: M30 at most, AWS
// only, US regions only, writes in the demo project only.
const capped = `version: 1
agents:
  capped:
    default: true
    grants:
      - area: "*"
        access: read
      - area: clusters
        access: [read, write]
        projects: ["` + atlassim.DemoProjectID + `"]
      - area: backups
        access: [read, write]
        projects: ["` + atlassim.DemoProjectID + `"]
      - area: databaseUsers
        access: [read, write]
        projects: ["` + atlassim.DemoProjectID + `"]
    constraints:
      clusters:
        maxInstanceSize: M30
        allowedProviders: [AWS]
        allowedRegions: ["US_*"]
      databaseUsers:
        deniedRoles: [atlasAdmin]
confirm:
  withoutElicitation: token
`

func cappedPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(capped), "capped.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAttacksOnThePlanAreRefusedAndNothingIsSent walks the classes of issue 11:
// each input reaches for Atlas around a check, and each must be refused with
// no write request in the simulator's log.
func TestAttacksOnThePlanAreRefusedAndNothingIsSent(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: cappedPolicy(t)})
	h.sim.AddClusters(atlassim.DemoProjectID, 1, "target")
	c := h.client(t)
	cases := []struct {
		name, tool, args string
		want             string // in the refusal text
	}{
		{"escape-hatch body resizes past the cap", "atlas-update-cluster",
			`{"clusterName":"target-1","body":{"replicationSpecs":[{"regionConfigs":[{"providerName":"AZURE","regionName":"EUROPE_WEST","priority":7,"electableSpecs":{"instanceSize":"M200","nodeCount":3}}]}]}}`, "M200"},
		{"replicationSpecs hide a big read-only tier", "atlas-create-cluster",
			`{"clusterName":"sneaky","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3},"readOnlySpecs":{"instanceSize":"M200","nodeCount":1}}]}]}`, "M200"},
		{"auto-scaling bound above the cap", "atlas-create-cluster",
			`{"clusterName":"scaler","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3},"autoScaling":{"compute":{"enabled":true,"scaleDownEnabled":true,"minInstanceSize":"M10","maxInstanceSize":"M300"}}}]}]}`, "M300"},
		{"a second region in another provider", "atlas-create-cluster",
			`{"clusterName":"twoclouds","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3}},{"providerName":"GCP","regionName":"CENTRAL_US","priority":6,"electableSpecs":{"instanceSize":"M10","nodeCount":2}}]}]}`, "GCP"},
		{"restore into a project without a grant", "atlas-create-restore-job",
			`{"clusterName":"target-1","deliveryType":"automated","snapshotId":"6650a0c0f0a1b2c3d4e5f699","targetClusterName":"elsewhere","targetProjectId":"aaaaaaaaaaaaaaaaaaaaaaaa"}`, "aaaaaaaaaaaaaaaaaaaaaaaa"},
		{"duplicate key, the last one wins in Go", "atlas-delete-db-user",
			`{"username":"a","username":"b"}`, "twice"},
		{"case-variant key", "atlas-delete-db-user",
			`{"Username":"a","username":"b"}`, "case"},
		{"a readOnly field in an escape hatch, named by the argument", "atlas-update-cluster",
			`{"clusterName":"target-1","body":{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3,"diskThroughput":5}}]}]}}`, "body.replicationSpecs[0].regionConfigs[0].electableSpecs.diskThroughput is readOnly"},
		{"an unknown field in an escape hatch", "atlas-update-cluster",
			`{"clusterName":"target-1","body":{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCnt":3}}]}]}}`, "nodeCnt"},
		{"case-variant key inside an escape hatch", "atlas-update-cluster",
			`{"clusterName":"target-1","body":{"paused":true,"Paused":false}}`, "case"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.sim.ResetRequests()
			res := callRaw(t, c, tc.tool, tc.args)
			if !res.IsError {
				t.Fatalf("not refused: %s", resultText(res))
			}
			if !strings.Contains(resultText(res), tc.want) {
				t.Fatalf("refusal does not name %q: %s", tc.want, resultText(res))
			}
			for _, r := range h.sim.Requests() {
				if r.Method != "GET" && strings.HasPrefix(r.Path, "/api/atlas/") {
					t.Fatalf("a refused call sent %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

// TestAYesIsBoundToThePlan: a confirmation token issued for one plan never
// runs another — not other arguments, and not the same arguments once the
// target was re-created under the same name.
func TestAYesIsBoundToThePlan(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: cappedPolicy(t)})
	h.sim.AddClusters(atlassim.DemoProjectID, 2, "victim")
	c := h.client(t)
	first := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-1"}`)
	token := tokenOf(t, first)
	if !strings.Contains(resultText(first), "victim-1") || !strings.Contains(resultText(first), "cannot be undone") {
		t.Fatalf("the person is not shown the plan: %s", resultText(first))
	}
	other := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-2","confirmationToken":"`+token+`"}`)
	if !other.IsError || h.requestsTo("DELETE", "/clusters/") != 0 {
		t.Fatalf("a token for victim-1 deleted victim-2: %s", resultText(other))
	}

	again := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-1"}`)
	token = tokenOf(t, again)
	if !h.sim.RecreateCluster(atlassim.DemoProjectID, "victim-1") {
		t.Fatal("could not re-create victim-1")
	}
	stale := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-1","confirmationToken":"`+token+`"}`)
	if !stale.IsError || h.requestsTo("DELETE", "/clusters/") != 0 {
		t.Fatalf("a yes for the old victim-1 deleted its namesake: %s", resultText(stale))
	}

	fresh := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-1"}`)
	token = tokenOf(t, fresh)
	done := call(t, c, "atlas-delete-cluster", `{"clusterName":"victim-1","confirmationToken":"`+token+`"}`)
	if done.IsError || h.requestsTo("DELETE", "/clusters/victim-1") != 1 {
		t.Fatalf("the confirmed plan did not run: %s", resultText(done))
	}
}

// TestElicitationShowsThePlanAndAChangedTargetIsRefused: the person reads the
// plan's rendering; if the target changes while they decide, the yes is void.
func TestElicitationShowsThePlanAndAChangedTargetIsRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.sim.AddClusters(atlassim.DemoProjectID, 1, "moving")
	a := &recreatingAnswer{sim: h.sim, name: "moving-1"}
	c := h.client(t, mcpclient.WithElicitationHandler(a))
	res := call(t, c, "atlas-delete-cluster", `{"clusterName":"moving-1"}`)
	if !res.IsError || h.requestsTo("DELETE", "/clusters/") != 0 {
		t.Fatalf("deleted a cluster re-created after the person's yes: %s", resultText(res))
	}
	if !strings.Contains(resultText(res), "plan changed") {
		t.Fatalf("the refusal does not say the plan changed: %s", resultText(res))
	}
	if len(a.asked) != 1 || !strings.Contains(a.asked[0], "moving-1") || !strings.Contains(a.asked[0], "Why you are asked") {
		t.Fatalf("prompt: %q", a.asked)
	}
	recs := h.records(t)
	if last := recs[len(recs)-1]; last.Outcome.ErrorCode != "CONFIRMATION_STALE" {
		t.Fatalf("audit outcome: %+v", last.Outcome)
	}
}

type recreatingAnswer struct {
	sim   *atlassim.Sim
	name  string
	asked []string
}

func (a *recreatingAnswer) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	a.asked = append(a.asked, req.Params.Message)
	a.sim.RecreateCluster(atlassim.DemoProjectID, a.name)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": a.name}}}, nil
}

// TestSecretsInEscapeHatchBodiesNeverReachTheLog: notification credentials
// given through alert-config's body reach Atlas and nothing else.
func TestSecretsInEscapeHatchBodiesNeverReachTheLog(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	secrets := []string{"pd-service-key-0123456789abcdef", "vo-routing-key-0123456789", "https://example.webhook.office.com/webhookb2/teams-secret-path", "hook-token-0123456789abcdef"}
	body := `{"eventTypeName":"NO_PRIMARY","enabled":true,"notifications":[` +
		`{"typeName":"PAGER_DUTY","serviceKey":"` + secrets[0] + `","region":"US","delayMin":0,"intervalMin":5},` +
		`{"typeName":"VICTOR_OPS","victorOpsApiKey":"vo-api-key-0123456789","victorOpsRoutingKey":"` + secrets[1] + `","delayMin":0,"intervalMin":5},` +
		`{"typeName":"MICROSOFT_TEAMS","microsoftTeamsWebhookUrl":"` + secrets[2] + `","delayMin":0,"intervalMin":5},` +
		`{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/in?token=` + secrets[3] + `","delayMin":0,"intervalMin":5}]}`
	for _, dry := range []string{`,"dryRun":true`, ``} {
		res := callRaw(t, c, "atlas-create-alert-config", `{"body":`+body+dry+`}`)
		if res.IsError {
			t.Fatalf("refused: %s", resultText(res))
		}
		for _, s := range secrets {
			if strings.Contains(resultText(res), s) {
				t.Fatalf("the answer shows a secret %q", s)
			}
		}
	}
	raw, err := os.ReadFile(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Fatalf("the audit log holds a secret %q", s)
		}
	}
}

func tokenOf(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	m, _ := r.StructuredContent.(map[string]any)
	tok, _ := m["confirmationToken"].(string)
	if tok == "" {
		t.Fatalf("no confirmation token: %s", resultText(r))
	}
	return tok
}

// callRaw sends arguments as raw JSON bytes, so duplicate and case-variant keys
// reach the server as a host would send them.
func callRaw(t *testing.T, c *mcpclient.Client, name, args string) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = rawArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res
}

// rawArgs keeps the arguments' bytes as written: json.Marshal of a RawMessage
// is the message itself.
func rawArgs(s string) any { return json.RawMessage(s) }
