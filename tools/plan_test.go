package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// writeCases are, for every write tool, arguments that succeed against the
// seeded simulator (in this order: later cases may use what earlier ones
// made). Bodies carry characters json.Marshal would re-escape (&, <, >).
func writeCases(t *testing.T, snapID string) []struct{ tool, args string } {
	soon := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	return []struct{ tool, args string }{
		{"atlas-create-project", `{"name":"R&D-(2)"}`},
		{"atlas-delete-project", `{"projectId":"` + atlassim.DemoProject2ID + `"}`},
		{"atlas-create-cluster", `{"clusterName":"wire","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`},
		{"atlas-update-cluster", `{"clusterName":"wire","instanceSize":"M20"}`},
		{"atlas-delete-cluster", `{"clusterName":"wire","retainBackups":true}`},
		{"atlas-create-db-user", `{"username":"wire&user","password":"pa<ss>&word","roles":[{"roleName":"read","databaseName":"sales","collectionName":"orders"}],"description":"R&D <bi>"}`},
		{"atlas-delete-db-user", `{"username":"wire&user"}`},
		{"atlas-create-access-list", `{"entries":[{"cidrBlock":"10.9.0.0/16","comment":"R&D <vpc>"},{"ipAddress":"2001:db8::7","deleteAfterDate":"` + soon + `"}]}`},
		{"atlas-delete-access-list", `{"entryValue":"2001:db8::7"}`},
		{"atlas-create-api-key", `{"desc":"R&D <reader>","roles":["ORG_READ_ONLY"]}`},
		{"atlas-delete-api-key", `{"apiKeyId":"` + atlassim.DemoReadOnlyAPIKeyID + `"}`},
		{"atlas-create-snapshot", `{"clusterName":"prod-analytics","description":"before <R&D> migration"}`},
		{"atlas-create-restore-job", `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"` + snapID + `","targetClusterName":"staging"}`},
		{"atlas-create-alert-config", `{"body":{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/x?a=1&token=s3cr3t-t0ken","webhookSecret":"<shh>&"}]}}`},
	}
}

// TestEveryWriteSendsItsPlan: for every write tool, what the simulator
// received is the plan byte for byte — method, path, query, Accept and body —
// and nothing else was written.
func TestEveryWriteSendsItsPlan(t *testing.T) {
	env, sim := simEnv(t, false)
	snaps := structured[*ListOutput[Snapshot]](t, mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`))
	covered := map[string]bool{}
	for _, tc := range writeCases(t, snaps.Results[0].ID) {
		tool := Find(All(), tc.tool)
		covered[tc.tool] = true
		c, err := tool.Decode(json.RawMessage(tc.args), env)
		if err != nil {
			t.Fatalf("%s: %v", tc.tool, err)
		}
		p := planOf(t, c)
		sim.ResetRequests()
		if _, err := c.Execute(t.Context(), p); err != nil {
			t.Fatalf("%s: Execute: %v", tc.tool, err)
		}
		var writes []atlassim.LoggedRequest
		for _, r := range apiRequests(sim) {
			if r.Method != "GET" {
				writes = append(writes, r)
			}
		}
		if len(writes) != len(p.Requests) {
			t.Fatalf("%s: %d writes reached the simulator, the plan has %d: %+v", tc.tool, len(writes), len(p.Requests), writes)
		}
		for i, want := range p.Requests {
			got := writes[i]
			// The simulator logs the decoded path; the plan holds it escaped.
			path, _ := url.PathUnescape(want.Path)
			if got.Method != want.Method || got.Path != path || got.RawQuery != want.Query || got.Accept != want.Accept {
				t.Errorf("%s: sent %s %s?%s (%s), planned %s %s?%s (%s)", tc.tool, got.Method, got.Path, got.RawQuery, got.Accept, want.Method, want.Path, want.Query, want.Accept)
			}
			if !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s: body sent\n%s\nplanned\n%s", tc.tool, got.Body, want.Body)
			}
			if got.Status/100 != 2 {
				t.Errorf("%s: simulator answered %d", tc.tool, got.Status)
			}
		}
	}
	for _, tool := range All() {
		if tool.Access == Write && !covered[tool.Name] {
			t.Errorf("write tool %s has no case here", tool.Name)
		}
	}
}

// fakeBodies refuses one named member anywhere in a body, as the request
// schema validator does for readOnly and unknown fields.
type fakeBodies struct{ refuse string }

type fakeFieldError struct{ path string }

func (e fakeFieldError) Error() string       { return e.path + " is not accepted" }
func (e fakeFieldError) FieldPath() string   { return e.path }
func (e fakeFieldError) ProblemText() string { return "is readOnly or unknown for this operation" }
func (e fakeFieldError) FixText() string     { return "remove it" }

func (f fakeBodies) Validate(_, _, _ string, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	var found string
	walkMembers(v, "", func(path, key string, _ any) bool {
		if key == f.refuse {
			found = path
			return false
		}
		return true
	})
	if found != "" {
		return fakeFieldError{path: "body." + found}
	}
	return nil
}

// TestEscapeHatchBodiesAreValidated: an update-cluster body with a readOnly
// or unknown member is refused naming it, and nothing is written.
func TestEscapeHatchBodiesAreValidated(t *testing.T) {
	for _, tc := range []struct{ refuse, body, field string }{
		{"diskThroughput", `{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M40","nodeCount":3,"diskThroughput":125}}]}]}`, "body.replicationSpecs[0].regionConfigs[0].electableSpecs.diskThroughput"},
		{"notAField", `{"paused":false,"notAField":1}`, "body.notAField"},
	} {
		env, sim := simEnv(t, false)
		env.Bodies = fakeBodies{refuse: tc.refuse}
		_, err := call(t, env, updateCluster(), `{"clusterName":"staging","body":`+tc.body+`}`)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v (%T), want a ValidationError on %s", tc.refuse, err, err, tc.field)
		}
		if sent(sim, "PATCH", "/clusters/staging") {
			t.Errorf("%s: the refused body was sent", tc.refuse)
		}
	}
}

// TestCreateClusterSpecsSentWhole: readOnlySpecs and autoScaling of the
// replicationSpecs escape hatch are sent (not dropped), and every tier,
// provider and region in them is in the facts.
func TestCreateClusterSpecsSentWhole(t *testing.T) {
	env, sim := simEnv(t, false)
	specs := `[{"regionConfigs":[
		{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3},"readOnlySpecs":{"instanceSize":"M40","nodeCount":2},
		 "autoScaling":{"compute":{"enabled":true,"scaleDownEnabled":true,"minInstanceSize":"M20","maxInstanceSize":"M60"}}},
		{"providerName":"GCP","regionName":"CENTRAL_US","priority":6,"electableSpecs":{"instanceSize":"M30","nodeCount":2},"analyticsSpecs":{"instanceSize":"M50","nodeCount":1}}]}]`
	c, err := createCluster().Decode(json.RawMessage(`{"clusterName":"whole","replicationSpecs":`+specs+`}`), env)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(t, c)
	for _, want := range []string{"M20", "M30", "M40", "M50", "M60"} {
		if !slices.Contains(p.Facts.InstanceSizes, want) {
			t.Errorf("Facts.InstanceSizes = %v, lacks %s", p.Facts.InstanceSizes, want)
		}
	}
	if !slices.Contains(p.Facts.Providers, "AWS") || !slices.Contains(p.Facts.Providers, "GCP") || !slices.Contains(p.Facts.Regions, "US_EAST_1") || !slices.Contains(p.Facts.Regions, "CENTRAL_US") {
		t.Errorf("facts = %+v", p.Facts)
	}
	if p.Facts.TotalNodes != 8 {
		t.Errorf("TotalNodes = %d, want 8", p.Facts.TotalNodes)
	}
	mustContain(t, "rendering", p.Render.Text(), "AWS/US_EAST_1 readOnly: M40 × 2", "GCP/CENTRAL_US analytics: M50 × 1", "minInstanceSize")
	if _, err := c.Execute(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var post []byte
	for _, r := range apiRequests(sim) {
		if r.Method == "POST" {
			post = r.Body
		}
	}
	mustContain(t, "body sent", string(post), `"readOnlySpecs":{"instanceSize":"M40","nodeCount":2}`, `"maxInstanceSize":"M60"`, `"analyticsSpecs"`)
}

// TestFactsFromEscapeHatch: what the policy judges is taken from the body
// that is sent, whatever put it there.
func TestFactsFromEscapeHatch(t *testing.T) {
	env, _ := simEnv(t, false)
	t.Run("resize to M200 on Azure in Europe through body", func(t *testing.T) {
		c, err := updateCluster().Decode(json.RawMessage(`{"clusterName":"staging","body":{"replicationSpecs":[{"regionConfigs":[{"providerName":"AZURE","regionName":"EUROPE_WEST","priority":7,"electableSpecs":{"instanceSize":"M200","nodeCount":3}}]}]}}`), env)
		if err != nil {
			t.Fatal(err)
		}
		f := planOf(t, c).Facts
		if !slices.Contains(f.InstanceSizes, "M200") || !slices.Contains(f.Providers, "AZURE") || !slices.Contains(f.Regions, "EUROPE_WEST") {
			t.Errorf("facts = %+v", f)
		}
		if len(f.Clusters) != 1 || !f.Clusters[0].Overwritten || f.Clusters[0].Name != "staging" {
			t.Errorf("Clusters = %+v", f.Clusters)
		}
	})
	t.Run("restore into another project", func(t *testing.T) {
		mustRun(t, env, createCluster(), `{"projectId":"`+atlassim.DemoProject2ID+`","clusterName":"elsewhere","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`)
		snaps := structured[*ListOutput[Snapshot]](t, mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`))
		c, err := createRestoreJob().Decode(json.RawMessage(`{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+snaps.Results[0].ID+`","targetClusterName":"elsewhere","targetProjectId":"`+atlassim.DemoProject2ID+`"}`), env)
		if err != nil {
			t.Fatal(err)
		}
		p := planOf(t, c)
		f := p.Facts
		if !reflect.DeepEqual(f.Projects, []string{atlassim.DemoProjectID, atlassim.DemoProject2ID}) {
			t.Errorf("Projects = %v, want source then target", f.Projects)
		}
		want := ClusterRef{ProjectID: atlassim.DemoProject2ID, Name: "elsewhere", Overwritten: true}
		if !slices.Contains(f.Clusters, want) || !slices.Contains(f.Clusters, ClusterRef{ProjectID: atlassim.DemoProjectID, Name: "prod-analytics"}) {
			t.Errorf("Clusters = %+v, want the source and the overwritten target", f.Clusters)
		}
		if p.Render.TypeToConfirm != "elsewhere" || p.Observed["targetCluster.id"] == "" {
			t.Errorf("TypeToConfirm %q, observed %v", p.Render.TypeToConfirm, p.Observed)
		}
		mustContain(t, "rendering", p.Render.Text(), atlassim.DemoProject2ID, "another project", "replaced")
	})
}

// TestNotificationSecretsNeverInTheClear: credentials of notifications given
// through the body escape hatch are masked in the recorded plan and in the
// rendering, and reach Atlas intact.
func TestNotificationSecretsNeverInTheClear(t *testing.T) {
	env, sim := simEnv(t, false)
	const (
		pagerKey   = "pd-service-key-0123456789"
		routingKey = "vo-routing-key-0123456789"
		voAPIKey   = "vo-api-key-0123456789abcd"
		teamsURL   = "https://example.webhook.office.com/webhookb2/teams-secret-path-0123456789/IncomingWebhook/abc"
		hookToken  = "hook-query-token-0123456789"
	)
	body := fmt.Sprintf(`{"eventTypeName":"NO_PRIMARY","enabled":true,"notifications":[
		{"typeName":"PAGER_DUTY","serviceKey":%q,"region":"US","intervalMin":5},
		{"typeName":"VICTOR_OPS","victorOpsApiKey":%q,"victorOpsRoutingKey":%q,"intervalMin":5},
		{"typeName":"MICROSOFT_TEAMS","microsoftTeamsWebhookUrl":%q,"intervalMin":5},
		{"typeName":"EMAIL","emailAddress":"ops@example.com","intervalMin":5}]}`, pagerKey, voAPIKey, routingKey, teamsURL)
	secrets := []string{pagerKey, routingKey, voAPIKey, "teams-secret-path-0123456789"}
	for _, args := range []string{
		`{"body":` + body + `}`,
		// A token in the query of a webhook URL.
		`{"body":{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/alert?token=` + hookToken + `"}]}}`,
	} {
		c, err := createAlertConfig().Decode(json.RawMessage(args), env)
		if err != nil {
			t.Fatal(err)
		}
		p := planOf(t, c)
		rec, err := json.Marshal(p.Redacted())
		if err != nil {
			t.Fatal(err)
		}
		all := append(secrets, hookToken)
		mustNotContain(t, "recorded plan", string(rec), all...)
		mustNotContain(t, "rendering", p.Render.Text(), all...)
		mustContain(t, "rendering", p.Render.Text(), "event NO_PRIMARY")
		sim.ResetRequests()
		if _, err := c.Execute(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		var got string
		for _, r := range apiRequests(sim) {
			if r.Method == "POST" {
				got = string(r.Body)
			}
		}
		if strings.Contains(args, "PAGER_DUTY") {
			mustContain(t, "body Atlas received", got, secrets[:3]...)
			mustContain(t, "body Atlas received", got, teamsURL)
			mustContain(t, "rendering", p.Render.Text(), "notify PAGER_DUTY", "notify VICTOR_OPS", "notify MICROSOFT_TEAMS", "notify EMAIL: emailAddress ops@example.com")
		} else {
			mustContain(t, "body Atlas received", got, hookToken)
		}
	}
	// Stored credentials are masked before the agent sees them.
	r := mustRun(t, env, listAlertConfigs(), `{"verbose":true,"itemsPerPage":500}`)
	mustNotContain(t, "verbose list", resultJSON(t, r), append(secrets, hookToken)...)
	// The simulator returns them as stored: the masking is ours.
	mustContain(t, "verbose list", resultJSON(t, r), `"serviceKey":"[REDACTED]"`, `"victorOpsRoutingKey":"[REDACTED]"`, `"webhookUrl":"[REDACTED]"`)
}

// TestRedactBody masks by name at any depth, and URL credentials in any
// string, and stays canonical and idempotent.
func TestRedactBody(t *testing.T) {
	in := json.RawMessage(`{"a":{"b":[{"Password":"p1","ok":"x"}]},"serviceKey":"k","note":"see https://u:pw@h.example/p?token=t1&x=2#frag","empty":"","custom":"c","apiToken":null}`)
	out := string(redactBody(in, []string{"CUSTOM"}))
	mustNotContain(t, "redacted", out, "p1", `"k"`, "pw@", "t1", "frag", `"c"`)
	mustContain(t, "redacted", out, `"Password":"[REDACTED]"`, `"ok":"x"`, `"empty":""`, `"apiToken":null`, "https://[REDACTED]@h.example/p?token=[REDACTED]&x=[REDACTED]#[REDACTED]")
	if again := string(redactBody(json.RawMessage(out), []string{"CUSTOM"})); again != out {
		t.Errorf("not idempotent:\n%s\n%s", out, again)
	}
	if c, err := jcs.Transform([]byte(out)); err != nil || string(c) != out {
		t.Errorf("not canonical JSON: %s (%v)", out, err)
	}
}

// TestStrictKeysEveryTool: for every tool, a key given twice, two keys that
// differ only by case, and a key spelt with another case are refused naming
// the key — at top level and inside nested objects (body, entries[], roles[],
// notifications[] …) — before anything could be sent.
func TestStrictKeysEveryTool(t *testing.T) {
	env := offlineEnv(t, false)
	variant := func(k string) string {
		if u := strings.ToUpper(k[:1]) + k[1:]; u != k {
			return u
		}
		return strings.ToLower(k[:1]) + k[1:]
	}
	type tc struct{ args, field string }
	for _, tool := range All() {
		fields, _ := jsonFields(tool.InputType)
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		slices.Sort(names)
		first := names[0]
		cases := []tc{
			{fmt.Sprintf(`{%q:null,%q:null}`, first, first), first},
			{fmt.Sprintf(`{%q:null,%q:null}`, first, variant(first)), variant(first)},
			{fmt.Sprintf(`{%q:null}`, variant(first)), variant(first)},
		}
		for _, n := range names {
			ft := fields[n]
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft == rawMessageType:
				cases = append(cases, tc{fmt.Sprintf(`{%q:{"k":1,"K":2}}`, n), n + ".K"}, tc{fmt.Sprintf(`{%q:[{"a":{"k":1,"k":2}}]}`, n), n + "[0].a.k"})
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				inner, _ := jsonFields(ft.Elem())
				var e string
				for k := range inner {
					if e == "" || k < e {
						e = k
					}
				}
				cases = append(cases,
					tc{fmt.Sprintf(`{%q:[{%q:null,%q:null}]}`, n, e, e), n + "[0]." + e},
					tc{fmt.Sprintf(`{%q:[{},{%q:null}]}`, n, variant(e)), n + "[1]." + variant(e)})
			case ft.Kind() == reflect.Struct:
				inner, _ := jsonFields(ft)
				for k := range inner {
					cases = append(cases, tc{fmt.Sprintf(`{%q:{%q:null,%q:null}}`, n, k, variant(k)), n + "." + variant(k)})
					break
				}
			}
		}
		for _, c := range cases {
			_, err := tool.Decode(json.RawMessage(c.args), env)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Errorf("%s %s: %v, want a ValidationError on %s", tool.Name, c.args, err, c.field)
			}
		}
	}
}

// TestRoleSpellings: built-in role names are case-sensitive in Atlas; a
// different spelling is refused with the right one, custom roles pass.
func TestRoleSpellings(t *testing.T) {
	env := offlineEnv(t, false)
	for _, tc := range []struct{ role, fix string }{
		{"AtlasAdmin", `"atlasAdmin"`},
		{"atlasAdmin ", `"atlasAdmin"`},
		{" readWrite", `"readWrite"`},
		{"READ", `"read"`},
		{"readwriteanydatabase", `"readWriteAnyDatabase"`},
		{"myRole ", "remove the spaces"},
	} {
		db := `,"databaseName":"admin"`
		_, err := createDBUser().Decode(json.RawMessage(`{"username":"u","password":"longenough","roles":[{"roleName":"read","databaseName":"x"},{"roleName":`+fmt.Sprintf("%q", tc.role)+db+`}]}`), env)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "roles[1].roleName" || !strings.Contains(ve.Fix, tc.fix) {
			t.Errorf("%q: %v, want roles[1].roleName refused with %s", tc.role, err, tc.fix)
		}
	}
	c, err := createDBUser().Decode(json.RawMessage(`{"username":"u","password":"longenough","roles":[{"roleName":"atlasAdmin"},{"roleName":"reportingReader"}]}`), env)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(t, c)
	if !reflect.DeepEqual(p.Facts.DBRoles, []Role{{Name: "atlasAdmin", Database: "admin"}, {Name: "reportingReader", Database: "admin"}}) {
		t.Errorf("DBRoles = %+v", p.Facts.DBRoles)
	}
	mustContain(t, "rendering", p.Render.Text(), "role atlasAdmin on database admin (every database of the project)", "role reportingReader on database admin", "scopes: every cluster", "expires: never")
	mustNotContain(t, "rendering", p.Render.Text(), "longenough")
}

// TestAccessEntryForms: compressed IPv6 is sent in the full form the spec's
// pattern accepts, IPv4-mapped forms are refused with their IPv4 spelling,
// and the rendering says what every entry opens, and all of them together.
func TestAccessEntryForms(t *testing.T) {
	env := offlineEnv(t, false)
	for _, tc := range []struct{ args, field, fix string }{
		{`{"ipAddress":"::ffff:203.0.113.7"}`, "ipAddress", "203.0.113.7"},
		{`{"cidrBlock":"::ffff:10.0.0.0/104"}`, "cidrBlock", "10.0.0.0/8"},
		{`{"entries":[{"cidrBlock":"::ffff:0:0/96"}]}`, "entries[0].cidrBlock", "0.0.0.0/0"},
	} {
		_, err := createAccessList().Decode(json.RawMessage(tc.args), env)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !strings.Contains(ve.Fix, tc.fix) {
			t.Errorf("%s: %v, want %s refused with %s", tc.args, err, tc.field, tc.fix)
		}
	}
	c, err := createAccessList().Decode(json.RawMessage(`{"entries":[{"cidrBlock":"0.0.0.0/1"},{"cidrBlock":"128.0.0.0/1"},{"cidrBlock":"2001:db8::/32"},{"cidrBlock":"::fffe:0:0/95"}]}`), env)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(t, c)
	mustContain(t, "body", string(p.Requests[0].Body), `"cidrBlock":"2001:0db8:0000:0000:0000:0000:0000:0000/32"`)
	mustContain(t, "rendering", p.Render.Text(), "0.0.0.0/1 — 2,147,483,648 addresses", "2001:db8::/32 — 2^96 addresses",
		"::fffe:0:0/95 — 8,589,934,592 addresses (contains ::ffff:0:0/96", "in all: 4,294,967,296 IPv4 addresses — the whole IPv4 internet")
	if len(p.Facts.AccessEntries) != 4 || p.Facts.AccessEntries[2].CIDR != "2001:db8::/32" {
		t.Errorf("AccessEntries = %+v", p.Facts.AccessEntries)
	}
	if got := resolvedPath(t, mustDecode(t, deleteAccessList(), `{"entryValue":"2001:db8::7"}`).Input.(*DeleteAccessListInput).request()); !strings.HasSuffix(got, "/accessList/2001:0db8:0000:0000:0000:0000:0000:0007") {
		t.Errorf("delete path = %s", got)
	}
}

func mustDecode(t *testing.T, tool *Tool, args string) *Call {
	t.Helper()
	c, err := tool.Decode(json.RawMessage(args), offlineEnv(t, false))
	if err != nil {
		t.Fatalf("%s %s: %v", tool.Name, args, err)
	}
	return c
}

// TestGovRulesOnFinalBody: under --cloud gov, what an update-cluster body
// sets is judged like the flat arguments, and nothing is sent.
func TestGovRulesOnFinalBody(t *testing.T) {
	env, sim := simEnv(t, true)
	base := `{"projectId":"` + atlassim.DemoGovProjectID + `","clusterName":"gov-cluster","body":`
	for _, tc := range []struct{ name, body, field string }{
		{"M10 in a body", `{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_GOV_WEST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3}}]}]}`, "instanceSize"},
		{"auto-scaling down to M10", `{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_GOV_WEST_1","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3},"autoScaling":{"compute":{"enabled":true,"scaleDownEnabled":true,"minInstanceSize":"M10","maxInstanceSize":"M40"}}}]}]}`, "minInstanceSize"},
		{"Azure", `{"replicationSpecs":[{"regionConfigs":[{"providerName":"AZURE","regionName":"US_GOV_VIRGINIA","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3}}]}]}`, "providerName"},
		{"shared tier", `{"replicationSpecs":[{"regionConfigs":[{"providerName":"TENANT","backingProviderName":"AWS","regionName":"US_GOV_WEST_1","priority":7,"electableSpecs":{"instanceSize":"M5"}}]}]}`, "instanceSize"},
	} {
		_, err := call(t, env, updateCluster(), base+tc.body+`}`)
		var ge *GovRuleError
		if !errors.As(err, &ge) || ge.Field != tc.field {
			t.Errorf("%s: %v (%T), want a GovRuleError on %s", tc.name, err, err, tc.field)
		}
	}
	if sent(sim, "PATCH", "/clusters/gov-cluster") {
		t.Error("a body the gov rules refuse was sent")
	}
	// M30 passes.
	if _, err := call(t, env, updateCluster(), base+`{"replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_GOV_WEST_1","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3}}]}]}}`); err != nil {
		t.Errorf("M30: %v", err)
	}
}

// TestGovCheckRestoreNeedsObservedProjects: a cross-project restore plan
// that does not carry both projects' region usage is refused, not let
// through; one that does is judged on it.
func TestGovCheckRestoreNeedsObservedProjects(t *testing.T) {
	plan := func(observed map[string]string) *Plan {
		return &Plan{Tool: "atlas-create-restore-job", Observed: observed, Requests: []PlannedRequest{{
			Method: "POST", Body: json.RawMessage(`{"deliveryType":"automated","snapshotId":"` + testHexID + `","targetClusterName":"t","targetGroupId":"` + testProject2ID + `"}`),
			op: atlasclient.CreateGroupClusterBackupRestoreJob, req: &atlasclient.Request{Params: map[string]string{"groupId": testProjectID, "clusterName": "c"}},
		}}}
	}
	var ge *GovRuleError
	if err := govCheck(Facts{}, plan(nil)); !errors.As(err, &ge) {
		t.Errorf("without observations: %v, want a GovRuleError", err)
	}
	if err := govCheck(Facts{}, plan(map[string]string{observedSrcKind: "GOV_REGIONS_ONLY", observedDstKind: "COMMERCIAL_FEDRAMP_REGIONS_ONLY"})); !errors.As(err, &ge) {
		t.Errorf("gov-only to standard: %v, want a GovRuleError", err)
	}
	if err := govCheck(Facts{}, plan(map[string]string{observedSrcKind: "GOV_REGIONS_ONLY", observedDstKind: "GOV_REGIONS_ONLY"})); err != nil {
		t.Errorf("gov-only to gov-only: %v", err)
	}
	if err := govCheck(Facts{}, &Plan{Requests: []PlannedRequest{{Body: json.RawMessage(`{"EventTypeName":"CREDIT_CARD_ABOUT_TO_EXPIRE"}`), op: atlasclient.CreateGroupAlertConfig}}}); !errors.As(err, &ge) {
		t.Errorf("payment alert: %v, want a GovRuleError", err)
	}
}
