package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// confirmAll accepts every confirmation, typing the name when asked to.
type confirmAll struct{}

var typeName = regexp.MustCompile(`type "([^"]+)"`)

func (confirmAll) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	schema, _ := req.Params.RequestedSchema.(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	field, _ := props[confirmID].(map[string]any)
	var v any = true
	if field["type"] == "string" {
		m := typeName.FindStringSubmatch(req.Params.Message)
		if m == nil {
			return nil, fmt.Errorf("no name in %q", req.Params.Message)
		}
		v = m[1]
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{confirmID: v}}}, nil
}

// Every tool runs with secret-bearing arguments (passwords, notification keys,
// and the configured credentials pasted into free text); neither the audit file
// nor the operational log may contain any secret afterwards.
func TestNoSecretReachesTheAuditLogOrTheLogs(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var logs bytes.Buffer
	h.server.log = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(&logs), zap.DebugLevel))
	c := h.client(t, mcpclient.WithElicitationHandler(confirmAll{}))

	const (
		dbPassword    = "Db-Passw0rd-never-logged"
		webhookSecret = "whsec-never-logged-123456"
		serviceKey    = "pdkey-never-logged-654321"
	)
	clientSecret, privateKey := atlassim.DemoClientSecret, atlassim.DemoPrivateKey
	secrets := []string{dbPassword, webhookSecret, serviceKey, clientSecret, privateKey}

	snaps := call(t, c, "atlas-list-snapshots", `{"clusterName":"prod-analytics"}`)
	snapID := firstID(t, snaps, "id")

	steps := []struct{ tool, args string }{
		{"atlas-whoami", `{}`},
		{"atlas-list-orgs", `{}`},
		{"atlas-get-org", `{}`},
		{"atlas-list-projects", `{}`},
		{"atlas-get-project", `{}`},
		{"atlas-create-project", `{"name":"secret-test"}`},
		{"atlas-list-clusters", `{}`},
		{"atlas-get-cluster", `{"clusterName":"prod-analytics"}`},
		{"atlas-create-cluster", `{"clusterName":"sec-cluster","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`},
		{"atlas-update-cluster", `{"clusterName":"sec-cluster","instanceSize":"M20"}`},
		{"atlas-list-db-users", `{}`},
		{"atlas-create-db-user", `{"username":"sec-user","password":"` + dbPassword + `","roles":[{"roleName":"read","databaseName":"app"}],"description":"pasted ` + clientSecret + `"}`},
		{"atlas-create-db-user", `{"username":"sec-user-dry","password":"` + dbPassword + `","roles":[{"roleName":"read","databaseName":"app"}],"dryRun":true}`},
		{"atlas-delete-db-user", `{"username":"sec-user"}`},
		{"atlas-list-access-list", `{}`},
		{"atlas-create-access-list", `{"ipAddress":"203.0.113.9","comment":"key ` + privateKey[:20] + `"}`},
		{"atlas-create-access-list", `{"cidrBlock":"203.0.113.0/28","comment":"` + clientSecret + `"}`},
		{"atlas-delete-access-list", `{"entryValue":"203.0.113.9"}`},
		{"atlas-list-snapshots", `{"clusterName":"prod-analytics"}`},
		{"atlas-get-snapshot", `{"clusterName":"prod-analytics","snapshotId":"` + snapID + `"}`},
		{"atlas-create-snapshot", `{"clusterName":"prod-analytics","description":"` + clientSecret + `"}`},
		{"atlas-list-restore-jobs", `{"clusterName":"prod-analytics"}`},
		{"atlas-create-restore-job", `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"` + snapID + `","targetClusterName":"sec-cluster"}`},
		{"atlas-list-alerts", `{}`},
		{"atlas-list-alert-configs", `{}`},
		{"atlas-create-alert-config", `{"body":{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example/x","webhookSecret":"` + webhookSecret + `"},{"typeName":"PAGER_DUTY","serviceKey":"` + serviceKey + `"}]}}`},
		{"atlas-list-api-keys", `{}`},
		{"atlas-create-api-key", `{"desc":"secret test","roles":["ORG_READ_ONLY"]}`},
		{"appservices-list-apps", `{}`},
		{"appservices-get-app", `{"appId":"` + atlassim.DemoAppID + `"}`},
		{"appservices-list-triggers", `{"appId":"` + atlassim.DemoAppID + `"}`},
		{"appservices-get-trigger", `{"appId":"` + atlassim.DemoAppID + `","triggerId":"` + atlassim.DemoTriggerDatabaseID + `"}`},
		{"atlas-delete-cluster", `{"clusterName":"sec-cluster"}`},
	}
	ran := map[string]bool{"atlas-list-snapshots": true}
	var apiKeyID string
	for _, st := range steps {
		res := call(t, c, st.tool, st.args)
		if res.IsError {
			t.Errorf("%s %s: %s", st.tool, st.args, resultText(res))
			continue
		}
		ran[st.tool] = true
		if st.tool == "atlas-create-api-key" {
			// The new key's private key is shown once, to the caller, and is a
			// secret from then on.
			sc, _ := json.Marshal(res.StructuredContent)
			var out struct {
				APIKey     struct{ ID string } `json:"apiKey"`
				PrivateKey string              `json:"privateKey"`
			}
			_ = json.Unmarshal(sc, &out)
			if out.PrivateKey == "" || !strings.Contains(resultText(res), out.PrivateKey) {
				t.Fatalf("the new private key is not shown to the caller: %s", resultText(res))
			}
			secrets = append(secrets, out.PrivateKey)
			apiKeyID = out.APIKey.ID
		}
		if st.tool == "atlas-create-restore-job" {
			sc, _ := json.Marshal(res.StructuredContent)
			var out struct {
				RestoreJob struct{ ID string } `json:"restoreJob"`
			}
			_ = json.Unmarshal(sc, &out)
			if r := call(t, c, "atlas-get-restore-job", `{"clusterName":"prod-analytics","restoreJobId":"`+out.RestoreJob.ID+`"}`); !r.IsError {
				ran["atlas-get-restore-job"] = true
			} else {
				t.Errorf("get restore job: %s", resultText(r))
			}
		}
	}
	if apiKeyID != "" {
		if res := call(t, c, "atlas-delete-api-key", `{"apiKeyId":"`+apiKeyID+`"}`); !res.IsError {
			ran["atlas-delete-api-key"] = true
		}
	}
	newProject := h.projectID(t, c, "secret-test")
	if res := call(t, c, "atlas-delete-project", `{"projectId":"`+newProject+`"}`); res.IsError {
		t.Errorf("delete project: %s", resultText(res))
	} else {
		ran["atlas-delete-project"] = true
	}
	for _, tl := range tools.All() {
		if !ran[tl.Name] {
			t.Errorf("%s was not exercised", tl.Name)
		}
	}

	auditBytes, err := os.ReadFile(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(auditBytes, []byte(s)) {
			t.Errorf("secret %q found in the audit log", s)
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("secret %q found in the logs", s)
		}
	}
	if !bytes.Contains(auditBytes, []byte("[REDACTED]")) {
		t.Error("the audit log shows no redaction at all")
	}
}

func firstID(t *testing.T, res *mcp.CallToolResult, key string) string {
	t.Helper()
	b, _ := json.Marshal(res.StructuredContent)
	var out struct{ Results []map[string]any }
	_ = json.Unmarshal(b, &out)
	if len(out.Results) == 0 {
		t.Fatalf("no results in %s", b)
	}
	id, _ := out.Results[0][key].(string)
	return id
}

func (h *harness) projectID(t *testing.T, c *mcpclient.Client, name string) string {
	t.Helper()
	res := call(t, c, "atlas-list-projects", `{}`)
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Results []struct{ ID, Name string }
	}
	_ = json.Unmarshal(b, &out)
	for _, p := range out.Results {
		if p.Name == name {
			return p.ID
		}
	}
	t.Fatalf("project %s not found in %s", name, b)
	return ""
}

// A secret the call itself carries (the password of the user it creates) is
// scrubbed from the record wherever it turns up, not only in the field that
// held it: here Atlas's error quotes it back.
func TestACallsOwnSecretIsScrubbedFromAtlasErrors(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t, mcpclient.WithElicitationHandler(confirmAll{}))
	const password = "Quoted-Back-Passw0rd-77"
	h.sim.InjectFault(atlassim.Fault{
		Method: "POST", Path: "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/databaseUsers", Status: 400,
		Body: []byte(`{"error":400,"errorCode":"INVALID_ATTRIBUTE","reason":"Bad Request","detail":"Invalid attribute password specified: ` + password + `."}`),
	})
	res := call(t, c, "atlas-create-db-user", `{"username":"quoted","password":"`+password+`","roles":[{"roleName":"read","databaseName":"app"}]}`)
	if !res.IsError {
		t.Fatalf("the injected 400 did not reach the answer: %s", resultText(res))
	}
	auditBytes, err := os.ReadFile(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(auditBytes, []byte(password)) {
		t.Errorf("the call's own password is in the audit log:\n%s", auditBytes)
	}
	if !bytes.Contains(auditBytes, []byte("Invalid attribute password specified: [REDACTED]")) {
		t.Errorf("Atlas's message is not in the record, scrubbed:\n%s", auditBytes)
	}
}
