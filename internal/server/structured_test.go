package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// Every structuredContent valid against what is advertised: a host that
// validates (the Go and TypeScript SDKs do) must never reject an answer. Every
// tool of the catalogue answers at least once, each write also as a dry run,
// in both modes: with --output-schemas against the compact schema it lists,
// and always against the full committed schema, which the compact one only
// loosens.
func TestEveryStructuredContentIsValidAgainstWhatIsAdvertised(t *testing.T) {
	for _, withOutput := range []bool{false, true} {
		t.Run(fmt.Sprintf("outputSchemas=%v", withOutput), func(t *testing.T) {
			checkStructuredContent(t, withOutput)
		})
	}
}

func checkStructuredContent(t *testing.T, withOutput bool) {
	h := newHarness(t, harnessOpts{outputSchemas: withOutput})
	c := h.client(t, mcpclient.WithElicitationHandler(confirmAll{}))
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	advertised := map[string]*jsonschema.Schema{}
	full := map[string]*jsonschema.Schema{}
	for _, mt := range list.Tools {
		wire, err := json.Marshal(mt)
		if err != nil {
			t.Fatal(err)
		}
		var sent struct {
			OutputSchema json.RawMessage `json:"outputSchema"`
		}
		if err := json.Unmarshal(wire, &sent); err != nil {
			t.Fatal(err)
		}
		if withOutput {
			if len(sent.OutputSchema) == 0 {
				t.Fatalf("%s: no output schema with --output-schemas", mt.Name)
			}
			advertised[mt.Name] = compileSchema(t, mt.Name+".advertised", sent.OutputSchema)
		}
		if tl := tools.Find(tools.All(), mt.Name); tl != nil {
			raw, err := tl.OutputSchema()
			if err != nil {
				t.Fatal(err)
			}
			full[mt.Name] = compileSchema(t, mt.Name+".full", raw)
		}
	}
	answered := map[string]bool{}
	check := func(tool, args string) *mcp.CallToolResult {
		t.Helper()
		res := call(t, c, tool, args)
		if res.IsError {
			t.Fatalf("%s %s: %s", tool, args, resultText(res))
		}
		if res.StructuredContent == nil {
			t.Fatalf("%s: no structuredContent", tool)
		}
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for kind, set := range map[string]map[string]*jsonschema.Schema{"advertised": advertised, "committed": full} {
			if s := set[tool]; s != nil {
				if err := s.Validate(v); err != nil {
					t.Errorf("%s %s: structuredContent invalid against the %s output schema: %v\n%s", tool, args, kind, err, b)
				}
			}
		}
		answered[tool] = true
		return res
	}

	snapID := firstID(t, check("atlas-list-snapshots", `{"clusterName":"prod-analytics"}`), "id")
	// Dry runs first: each write's {dryRun, plan} answer, before anything changes.
	const later = "later"
	dry := map[string]string{
		"atlas-create-project":      `{"name":"sc-test"}`,
		"atlas-delete-project":      later, // needs an empty project: below
		"atlas-create-cluster":      `{"clusterName":"sc-cluster","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`,
		"atlas-update-cluster":      `{"clusterName":"prod-analytics","instanceSize":"M40"}`,
		"atlas-delete-cluster":      `{"clusterName":"staging"}`,
		"atlas-create-db-user":      `{"username":"sc-user","password":"Sc-Passw0rd-12","roles":[{"roleName":"read","databaseName":"app"}]}`,
		"atlas-delete-db-user":      `{"username":"analytics-ro"}`,
		"atlas-create-access-list":  `{"ipAddress":"203.0.113.9"}`,
		"atlas-delete-access-list":  `{"entryValue":"198.51.100.0/24"}`,
		"atlas-create-snapshot":     `{"clusterName":"prod-analytics","description":"sc"}`,
		"atlas-create-restore-job":  `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"` + snapID + `","targetClusterName":"staging"}`,
		"atlas-create-alert-config": `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"ops@example.com"}]}`,
		"atlas-create-api-key":      `{"desc":"sc","roles":["ORG_READ_ONLY"]}`,
		"atlas-delete-api-key":      `{"apiKeyId":"` + atlassim.DemoReadOnlyAPIKeyID + `"}`,
	}
	for _, tl := range tools.All() {
		if tl.Access != tools.Write {
			continue
		}
		args, ok := dry[tl.Name]
		if !ok {
			t.Errorf("%s: no dry-run case; add one here", tl.Name)
			continue
		}
		if args == later {
			continue
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(args), &m)
		m["dryRun"] = true
		b, _ := json.Marshal(m)
		check(tl.Name, string(b))
	}

	for _, st := range []struct{ tool, args string }{
		{"atlas-list-orgs", `{}`},
		{"atlas-get-org", `{}`},
		{"atlas-list-projects", `{}`},
		{"atlas-get-project", `{}`},
		{"atlas-create-project", `{"name":"sc-test"}`},
		{"atlas-list-clusters", `{}`},
		{"atlas-get-cluster", `{"clusterName":"prod-analytics"}`},
		{"atlas-create-cluster", `{"clusterName":"sc-cluster","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`},
		{"atlas-update-cluster", `{"clusterName":"sc-cluster","instanceSize":"M20"}`},
		{"atlas-list-db-users", `{"verbose":true}`},
		{"atlas-create-db-user", `{"username":"sc-user","password":"Sc-Passw0rd-12","roles":[{"roleName":"read","databaseName":"app"}]}`},
		{"atlas-delete-db-user", `{"username":"sc-user"}`},
		{"atlas-list-access-list", `{}`},
		{"atlas-create-access-list", `{"ipAddress":"203.0.113.9"}`},
		{"atlas-delete-access-list", `{"entryValue":"203.0.113.9"}`},
		{"atlas-get-snapshot", `{"clusterName":"prod-analytics","snapshotId":"` + snapID + `"}`},
		{"atlas-create-snapshot", `{"clusterName":"prod-analytics","description":"sc"}`},
		{"atlas-list-restore-jobs", `{"clusterName":"prod-analytics"}`},
		{"atlas-list-alerts", `{}`},
		{"atlas-list-alert-configs", `{"verbose":true}`},
		{"atlas-create-alert-config", `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"ops@example.com"}]}`},
		{"atlas-list-api-keys", `{}`},
		{"appservices-list-apps", `{}`},
		{"appservices-get-app", `{"appId":"` + atlassim.DemoAppID + `"}`},
		{"appservices-list-triggers", `{"appId":"` + atlassim.DemoAppID + `"}`},
		{"appservices-get-trigger", `{"appId":"` + atlassim.DemoAppID + `","triggerId":"` + atlassim.DemoTriggerDatabaseID + `"}`},
		{"atlas-delete-cluster", `{"clusterName":"sc-cluster"}`},
	} {
		check(st.tool, st.args)
	}
	res := check("atlas-create-restore-job", `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+snapID+`","targetClusterName":"staging"}`)
	var job struct {
		RestoreJob struct{ ID string } `json:"restoreJob"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &job)
	check("atlas-get-restore-job", `{"clusterName":"prod-analytics","restoreJobId":"`+job.RestoreJob.ID+`"}`)
	res = check("atlas-create-api-key", `{"desc":"sc","roles":["ORG_READ_ONLY"]}`)
	var key struct {
		APIKey struct{ ID string } `json:"apiKey"`
	}
	b, _ = json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &key)
	check("atlas-delete-api-key", `{"apiKeyId":"`+key.APIKey.ID+`"}`)
	empty := h.projectID(t, c, "sc-test")
	check("atlas-delete-project", `{"projectId":"`+empty+`","dryRun":true}`)
	check("atlas-delete-project", `{"projectId":"`+empty+`"}`)

	for _, tl := range tools.All() {
		if !answered[tl.Name] {
			t.Errorf("%s never answered here; add a call", tl.Name)
		}
	}
}

func compileSchema(t *testing.T, name string, raw json.RawMessage) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	comp := jsonschema.NewCompiler()
	url := "mem://" + name + ".json"
	if err := comp.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := comp.Compile(url)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}
