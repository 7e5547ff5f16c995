package tools

import (
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestListOrgsPrepare(t *testing.T) {
	runPrepCases(t, listOrgs(), []prepCase{
		{name: "no arguments", args: `{}`},
		{name: "null arguments", args: `null`},
		{name: "name prefix", args: `{"name":"Demo"}`},
		{name: "control character in name", args: `{"name":"a\nb"}`, field: "name"},
		{name: "name too long", args: `{"name":"` + strings.Repeat("a", 65) + `"}`, field: "name"},
		{name: "itemsPerPage too large", args: `{"itemsPerPage":501}`, field: "itemsPerPage"},
		{name: "negative page", args: `{"pageNum":-1}`, field: "pageNum"},
		{name: "unknown argument", args: `{"orgName":"x"}`, field: "orgName"},
		{name: "wrong type", args: `{"name":5}`, field: "name"},
	})
}

func TestGetOrgPrepare(t *testing.T) {
	runPrepCases(t, getOrg(), []prepCase{
		{name: "default org", args: `{}`, check: func(t *testing.T, c *Call) {
			if got := c.Input.(*GetOrgInput).OrgID; got != testOrgID {
				t.Errorf("orgId = %q, want the default %q", got, testOrgID)
			}
			if c.Facts.OrgID != testOrgID {
				t.Errorf("Facts.OrgID = %q", c.Facts.OrgID)
			}
		}},
		{name: "explicit org", args: `{"orgId":"` + testHexID + `"}`, check: func(t *testing.T, c *Call) {
			if c.Facts.OrgID != testHexID {
				t.Errorf("Facts.OrgID = %q, want %q", c.Facts.OrgID, testHexID)
			}
		}},
		{name: "upper-case hex", args: `{"orgId":"0123456789ABCDEF01234567"}`, field: "orgId"},
		{name: "path traversal", args: `{"orgId":"../../groups"}`, field: "orgId"},
	})
}

func TestOrgToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listOrgs(), `{}`)
	orgs := structured[*ListOutput[Org]](t, r)
	if orgs.TotalCount != 1 || len(orgs.Results) != 1 || orgs.Results[0].ID != atlassim.DemoOrgID || orgs.Results[0].Name != "demo-org" {
		t.Fatalf("orgs = %+v", orgs)
	}
	mustContain(t, "data", r.Data, "demo-org", atlassim.DemoOrgID)
	mustContain(t, "summary", r.Summary, "1 organizations in total")

	r = mustRun(t, env, listOrgs(), `{"name":"DEMO"}`)
	if got := structured[*ListOutput[Org]](t, r).TotalCount; got != 1 {
		t.Errorf("name prefix DEMO: %d orgs, want 1 (the filter is case-insensitive)", got)
	}
	if !sentQuery(sim, "/orgs", "name=DEMO") {
		t.Error("the name filter was not sent as the name query parameter")
	}
	r = mustRun(t, env, listOrgs(), `{"name":"nope"}`)
	if got := structured[*ListOutput[Org]](t, r); got.TotalCount != 0 || len(got.Results) != 0 {
		t.Errorf("name prefix nope: %+v", got)
	}
	mustContain(t, "summary", r.Summary, "No organizations")

	r = mustRun(t, env, getOrg(), `{"verbose":true}`)
	out := structured[*OrgOutput](t, r)
	if out.Org.Name != "demo-org" || len(out.Raw) == 0 {
		t.Errorf("get-org = %+v", out)
	}
	_, err := call(t, env, getOrg(), `{"orgId":"`+testHexID+`"}`)
	wantAPIStatus(t, err, 404)
}

func sentQuery(sim *atlassim.Sim, pathSuffix, query string) bool {
	for _, r := range apiRequests(sim) {
		if strings.HasSuffix(r.Path, pathSuffix) && strings.Contains(r.RawQuery, query) {
			return true
		}
	}
	return false
}
