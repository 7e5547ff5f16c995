package tools

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestClusterToolsPrepare(t *testing.T) {
	runPrepCases(t, listClusters(), []prepCase{
		{name: "default project", args: `{}`},
		{name: "page", args: `{"pageNum":2,"itemsPerPage":10}`},
		{name: "bad project", args: `{"projectId":"demo"}`, field: "projectId"},
	})
	runPrepCases(t, getCluster(), []prepCase{
		{name: "ok", args: `{"clusterName":"Cluster0"}`},
		{name: "traversal", args: `{"clusterName":"../../orgs"}`, field: "clusterName"},
		{name: "missing", args: `{}`, field: "clusterName"},
		{name: "too long", args: `{"clusterName":"` + strings.Repeat("c", 65) + `"}`, field: "clusterName"},
	})
	runPrepCases(t, createCluster(), []prepCase{
		{name: "flat M10", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`, check: func(t *testing.T, c *Call) {
			if f := planOf(t, c).Facts; strings.Join(f.InstanceSizes, ",") != "M10" || strings.Join(f.Providers, ",") != "AWS" || strings.Join(f.Regions, ",") != "US_EAST_1" || f.TotalNodes != 3 {
				t.Errorf("facts = %+v", f)
			}
			mustContain(t, "plan", planJSON(t, c), `"clusterType":"REPLICASET"`, `"nodeCount":3`, "application/vnd.atlas.2024-10-23+json")
		}},
		{name: "free tier is TENANT", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M0"}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), `"providerName":"TENANT"`, `"backingProviderName":"AWS"`)
		}},
		{name: "traversal name", args: `{"clusterName":"../../orgs","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`, field: "clusterName"},
		{name: "no provider", args: `{"clusterName":"c1","regionName":"US_EAST_1","instanceSize":"M10"}`, field: "providerName"},
		{name: "bad provider", args: `{"clusterName":"c1","providerName":"IBM","regionName":"US_EAST_1","instanceSize":"M10"}`, field: "providerName"},
		{name: "lower-case region", args: `{"clusterName":"c1","providerName":"AWS","regionName":"us-east-1","instanceSize":"M10"}`, field: "regionName"},
		{name: "bad tier", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"large"}`, field: "instanceSize"},
		{name: "bad node count", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","nodeCount":4}`, field: "nodeCount"},
		{name: "specs with flat", args: `{"clusterName":"c1","providerName":"AWS","replicationSpecs":[]}`, field: "replicationSpecs"},
		{name: "gov M10", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M10"}`, gov: true, govRule: true, field: "instanceSize"},
		{name: "gov M0", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M0"}`, gov: true, govRule: true, field: "instanceSize"},
		{name: "gov AZURE", args: `{"clusterName":"c1","providerName":"AZURE","regionName":"US_EAST_2","instanceSize":"M30"}`, gov: true, govRule: true, field: "providerName"},
		{name: "gov M20 AWS", args: `{"clusterName":"c1","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M20"}`, gov: true},
		{name: "gov M10 in replicationSpecs", args: `{"clusterName":"c1","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_GOV_WEST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3}}]}]}`, gov: true, govRule: true, field: "instanceSize"},
	})
	runPrepCases(t, updateCluster(), []prepCase{
		{name: "resize", args: `{"clusterName":"c1","instanceSize":"M30"}`},
		{name: "pause", args: `{"clusterName":"c1","paused":true}`},
		{name: "nothing to change", args: `{"clusterName":"c1"}`, field: "instanceSize"},
		{name: "traversal", args: `{"clusterName":"../../orgs","paused":true}`, field: "clusterName"},
		{name: "gov M10", args: `{"clusterName":"c1","instanceSize":"M10"}`, gov: true, govRule: true, field: "instanceSize"},
		{name: "body and flat", args: `{"clusterName":"c1","paused":true,"body":{"paused":false}}`, field: "body"},
	})
	runPrepCases(t, deleteCluster(), []prepCase{
		{name: "ok", args: `{"clusterName":"c1"}`},
		{name: "traversal", args: `{"clusterName":"../../orgs"}`, field: "clusterName"},
	})
}

func TestProjectToolsPrepare(t *testing.T) {
	runPrepCases(t, listProjects(), []prepCase{
		{name: "ok", args: `{}`},
		{name: "bad paging", args: `{"itemsPerPage":0,"pageNum":-3}`, field: "itemsPerPage"},
	})
	runPrepCases(t, getProject(), []prepCase{
		{name: "default", args: `{}`},
		{name: "bad", args: `{"projectId":"../../orgs"}`, field: "projectId"},
	})
	runPrepCases(t, createProject(), []prepCase{
		{name: "ok", args: `{"name":"analytics"}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), `"orgId":"`+testOrgID+`"`, `"name":"analytics"`)
		}},
		{name: "space in name", args: `{"name":"my project"}`, field: "name"},
		{name: "no name", args: `{}`, field: "name"},
		{name: "gov-only outside gov", args: `{"name":"p","regionUsageRestrictions":"GOV_REGIONS_ONLY"}`, field: "regionUsageRestrictions"},
		{name: "gov-only in gov", args: `{"name":"p","regionUsageRestrictions":"GOV_REGIONS_ONLY"}`, gov: true},
	})
	runPrepCases(t, deleteProject(), []prepCase{
		{name: "explicit id", args: `{"projectId":"` + testProject2ID + `"}`},
		{name: "never defaulted", args: `{}`, field: "projectId"},
	})
}

func TestClusterToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listClusters(), `{}`)
	list := structured[*ListOutput[ClusterSummary]](t, r)
	if list.TotalCount != 3 || len(list.Results) != 3 || list.Raw != nil {
		t.Fatalf("list = %+v", list)
	}
	mustContain(t, "data", r.Data, "prod-analytics", "M30", "AWS/US_EAST_1", "IDLE", "dev-sandbox")

	r = mustRun(t, env, listClusters(), `{"itemsPerPage":2,"verbose":true}`)
	list = structured[*ListOutput[ClusterSummary]](t, r)
	if list.TotalCount != 3 || len(list.Results) != 2 || len(list.Raw) != 2 {
		t.Errorf("page of 2: total %d, %d results, %d raw", list.TotalCount, len(list.Results), len(list.Raw))
	}
	mustContain(t, "summary", r.Summary, "More exist: call again with pageNum 2")

	r = mustRun(t, env, getCluster(), `{"clusterName":"prod-analytics"}`)
	got := structured[*ClusterOutput](t, r).Cluster
	if got.InstanceSize != "M30" || got.State != "IDLE" || got.ConnectionStringSrv == "" {
		t.Errorf("get prod-analytics = %+v", got)
	}
	_, err := call(t, env, getCluster(), `{"clusterName":"no-such-cluster"}`)
	wantAPIStatus(t, err, 404)

	// Create and wait: the simulator settles at once, so the wait ends on
	// its first poll, after reporting progress.
	var progress progressLog
	c, err := createCluster().Decode([]byte(`{"clusterName":"c-new","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","wait":true}`), env)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Wait {
		t.Error("Call.Wait not set by wait:true")
	}
	r, err = planAndRun(t, c, progress.ctx(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "summary", r.Summary, "Created cluster c-new", "IDLE")
	if len(progress.messages()) == 0 {
		t.Error("wait:true reported no progress")
	}
	if n := structured[*ListOutput[ClusterSummary]](t, mustRun(t, env, listClusters(), `{}`)).TotalCount; n != 4 {
		t.Errorf("after create: %d clusters, want 4", n)
	}

	r = mustRun(t, env, updateCluster(), `{"clusterName":"staging","instanceSize":"M20","wait":true}`)
	if size := structured[*ClusterOutput](t, r).Cluster.InstanceSize; size != "M20" {
		t.Errorf("after resize: %s, want M20", size)
	}
	got = structured[*ClusterOutput](t, mustRun(t, env, getCluster(), `{"clusterName":"staging"}`)).Cluster
	if got.InstanceSize != "M20" {
		t.Errorf("simulator still has staging at %s", got.InstanceSize)
	}
	mustRun(t, env, updateCluster(), `{"clusterName":"staging","paused":true}`)
	if !structured[*ClusterOutput](t, mustRun(t, env, getCluster(), `{"clusterName":"staging"}`)).Cluster.Paused {
		t.Error("staging is not paused")
	}

	dc, conf := confirm(t, env, deleteCluster(), `{"clusterName":"c-new"}`)
	mustContain(t, "confirmation", conf.Render.Text(), "c-new", atlassim.DemoProjectID, "cannot be undone")
	if conf.Render.TypeToConfirm != "c-new" {
		t.Errorf("TypeToConfirm = %q", conf.Render.TypeToConfirm)
	}
	r, err = dc.Execute(t.Context(), conf)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "summary", r.Summary, "c-new")
	if !sent(sim, "DELETE", "/clusters/c-new") {
		t.Error("no DELETE reached the simulator")
	}
	if n := structured[*ListOutput[ClusterSummary]](t, mustRun(t, env, listClusters(), `{}`)).TotalCount; n != 3 {
		t.Errorf("after delete: %d clusters, want 3", n)
	}
}

func TestProjectToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listProjects(), `{}`)
	ps := structured[*ListOutput[Project]](t, r)
	if ps.TotalCount != 2 {
		t.Fatalf("projects = %+v", ps)
	}
	mustContain(t, "data", r.Data, "demo-project", "empty-project", atlassim.DemoProjectID)

	r = mustRun(t, env, getProject(), `{}`)
	if p := structured[*ProjectOutput](t, r).Project; p.Name != "demo-project" || p.ClusterCount != 3 {
		t.Errorf("get default project = %+v", p)
	}

	r = mustRun(t, env, createProject(), `{"name":"analytics-2"}`)
	created := structured[*ProjectOutput](t, r).Project
	if created.ID == "" || created.OrgID != atlassim.DemoOrgID {
		t.Errorf("created = %+v", created)
	}
	mustContain(t, "summary", r.Summary, created.ID)
	if n := structured[*ListOutput[Project]](t, mustRun(t, env, listProjects(), `{}`)).TotalCount; n != 3 {
		t.Errorf("after create: %d projects", n)
	}

	// A project with clusters is refused before any DELETE is sent.
	_, err := call(t, env, deleteProject(), `{"projectId":"`+atlassim.DemoProjectID+`"}`)
	var se *StateError
	if !errors.As(err, &se) {
		t.Fatalf("deleting demo-project: %v, want *StateError", err)
	}
	if sent(sim, "DELETE", "/groups/"+atlassim.DemoProjectID) {
		t.Error("a DELETE of a project with clusters reached Atlas")
	}

	dc, conf := confirm(t, env, deleteProject(), `{"projectId":"`+atlassim.DemoProject2ID+`"}`)
	if conf.Render.TypeToConfirm != "empty-project" {
		t.Errorf("TypeToConfirm = %q, want the project name", conf.Render.TypeToConfirm)
	}
	mustContain(t, "confirmation", conf.Render.Text(), "empty-project", "0 cluster(s)", "cannot be undone")
	if _, err := dc.Execute(t.Context(), conf); err != nil {
		t.Fatal(err)
	}
	_, err = call(t, env, getProject(), `{"projectId":"`+atlassim.DemoProject2ID+`"}`)
	wantAPIStatus(t, err, 404)
}

// TestClusterWaitStopsAtCancellation: the cluster stays CREATING; the caller
// gives up after the first poll and gets a WaitError, however the
// cancellation lands (between polls or during one).
func TestClusterWaitStopsAtCancellation(t *testing.T) {
	env, _ := simEnvWith(t, atlassim.Options{Seed: true, ClusterTransition: time.Hour, JobDuration: -1})
	c, err := createCluster().Decode([]byte(`{"clusterName":"slow","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","wait":true}`), env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err = planAndRun(t, c, WithProgress(ctx, func(_, _ float64, _ string) { cancel() }))
	var we *WaitError
	if !errors.As(err, &we) {
		t.Fatalf("Run = %v (%T), want *WaitError", err, err)
	}
	if we.LastState != "CREATING" || we.Resource != "cluster slow" {
		t.Errorf("WaitError = %+v", we)
	}
	mustContain(t, "error", err.Error(), "continues in Atlas")
}

// Resizing sends the cluster's layout back with the new tier, without the
// fields the API marks readOnly (a strict server refuses them).
func TestResizeBodyDropsReadOnlyFields(t *testing.T) {
	var current map[string]any
	if err := json.Unmarshal([]byte(`{"replicationSpecs":[{"id":"abc","zoneId":"z1","zoneName":"Zone 1","regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,
		"electableSpecs":{"instanceSize":"M10","nodeCount":3,"diskThroughput":125},
		"effectiveElectableSpecs":{"instanceSize":"M10","nodeCount":3},
		"readOnlySpecs":{"instanceSize":"M10","nodeCount":0,"diskThroughput":125}}]}]}`), &current); err != nil {
		t.Fatal(err)
	}
	in := &UpdateClusterInput{ClusterName: "c", InstanceSize: "M40"}
	body, err := in.patchBody(current)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(body)
	got := string(b)
	// zoneName only on geosharded clusters; no spec of zero nodes (its
	// diskThroughput is readOnly).
	for _, bad := range []string{`"id"`, `"zoneId"`, `"diskThroughput"`, `"effectiveElectableSpecs"`, `"zoneName"`, `"readOnlySpecs"`} {
		if strings.Contains(got, bad) {
			t.Errorf("PATCH body carries %s: %s", bad, got)
		}
	}
	if !strings.Contains(got, `"electableSpecs":{"instanceSize":"M40","nodeCount":3}`) {
		t.Errorf("PATCH body: %s", got)
	}
}
