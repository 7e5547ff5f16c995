package tools

import (
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestAppServicesToolsPrepare(t *testing.T) {
	app := `"appId":"` + testHexID + `"`
	runPrepCases(t, listApps(), []prepCase{
		{name: "default project", args: `{}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "path", c.Input.(*ListAppsInput).ProjectID, testProjectID)
		}},
		{name: "bad paging", args: `{"itemsPerPage":1000}`, field: "itemsPerPage"},
	})
	runPrepCases(t, getApp(), []prepCase{
		{name: "ok", args: `{` + app + `}`},
		{name: "client app id", args: `{"appId":"myapp-abcde"}`, field: "appId"},
		{name: "missing", args: `{}`, field: "appId"},
	})
	runPrepCases(t, listTriggers(), []prepCase{
		{name: "ok", args: `{` + app + `}`},
		{name: "traversal", args: `{"appId":"../../orgs"}`, field: "appId"},
	})
	runPrepCases(t, getTrigger(), []prepCase{
		{name: "ok", args: `{` + app + `,"triggerId":"` + testHexID + `"}`},
		{name: "missing trigger", args: `{` + app + `}`, field: "triggerId"},
		{name: "bad trigger", args: `{` + app + `,"triggerId":"onInsert"}`, field: "triggerId"},
	})
}

func TestAppServicesToolsAreNotOfferedInGov(t *testing.T) {
	for _, tool := range []*Tool{listApps(), getApp(), listTriggers(), getTrigger()} {
		if !tool.GovUnavailable {
			t.Errorf("%s is offered in Atlas for Government", tool.Name)
		}
		if tool.Access != Read || tool.Area != AreaAppServices {
			t.Errorf("%s: access %s area %s", tool.Name, tool.Access, tool.Area)
		}
		mustContain(t, tool.Name+" description", tool.Description, "2025-09-30")
		if Find(ForCloud(atlasclient.Gov), tool.Name) != nil {
			t.Errorf("ForCloud(Gov) offers %s", tool.Name)
		}
		if Find(ForCloud(atlasclient.Commercial), tool.Name) == nil {
			t.Errorf("ForCloud(Commercial) lacks %s", tool.Name)
		}
	}
}

func TestAppServicesToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listApps(), `{}`)
	apps := structured[*ListOutput[App]](t, r)
	if apps.TotalCount != 1 || apps.Results[0].ID != atlassim.DemoAppID || apps.Results[0].ClientAppID != "demo-app-abcde" {
		t.Fatalf("apps = %+v", apps)
	}
	mustContain(t, "notice", r.Notice, "end-of-life", "2025-09-30", "Database triggers remain available")
	mustNotContain(t, "summary", r.Summary, "end-of-life")
	mustContain(t, "data", r.Data, "demo-app", atlassim.DemoAppID)

	r = mustRun(t, env, getApp(), `{"appId":"`+atlassim.DemoAppID+`","verbose":true}`)
	if a := structured[*AppOutput](t, r); a.App.Name != "demo-app" || len(a.Raw) == 0 || r.Notice == "" {
		t.Errorf("get app = %+v, notice %q", a, r.Notice)
	}

	r = mustRun(t, env, listTriggers(), `{"appId":"`+atlassim.DemoAppID+`"}`)
	trig := structured[*ListOutput[Trigger]](t, r)
	if trig.TotalCount != 2 {
		t.Fatalf("triggers = %+v", trig)
	}
	mustContain(t, "data", r.Data, "orders-audit", "sales.orders INSERT,UPDATE", "auditOrder", "nightly-cleanup", "0 3 * * *")

	// The App Services API returns whole lists; paging happens here.
	r = mustRun(t, env, listTriggers(), `{"appId":"`+atlassim.DemoAppID+`","itemsPerPage":1,"pageNum":2}`)
	page := structured[*ListOutput[Trigger]](t, r)
	if page.TotalCount != 2 || len(page.Results) != 1 || page.Results[0].ID != trig.Results[1].ID {
		t.Errorf("page 2 of 1 = %+v", page)
	}
	r = mustRun(t, env, listTriggers(), `{"appId":"`+atlassim.DemoAppID+`","itemsPerPage":5,"pageNum":9}`)
	if page := structured[*ListOutput[Trigger]](t, r); page.TotalCount != 2 || len(page.Results) != 0 {
		t.Errorf("page past the end = %+v", page)
	}

	r = mustRun(t, env, getTrigger(), `{"appId":"`+atlassim.DemoAppID+`","triggerId":"`+atlassim.DemoTriggerScheduledID+`"}`)
	if tr := structured[*TriggerOutput](t, r).Trigger; tr.Name != "nightly-cleanup" || tr.Type != "SCHEDULED" || tr.Schedule != "0 3 * * *" {
		t.Errorf("get trigger = %+v", tr)
	}
	_, err := call(t, env, getTrigger(), `{"appId":"`+atlassim.DemoAppID+`","triggerId":"`+testHexID+`"}`)
	wantAPIStatus(t, err, 404)
	if !sent(sim, "GET", "/api/admin/v3.0/groups/"+atlassim.DemoProjectID+"/apps") {
		t.Error("apps were not listed through the App Services API")
	}
}
