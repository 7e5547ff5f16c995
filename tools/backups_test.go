package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestSnapshotToolsPrepare(t *testing.T) {
	t.Run("list", func(t *testing.T) {
		runPrepCases(t, listSnapshots(), []prepCase{
			{name: "cluster", args: `{"clusterName":"Cluster0"}`, check: func(t *testing.T, c *Call) {
				if c.Facts.ClusterName != "Cluster0" || c.Facts.ProjectID != testProjectID {
					t.Errorf("facts = %+v", c.Facts)
				}
			}},
			{name: "no cluster", args: `{}`, field: "clusterName"},
			{name: "traversal cluster name", args: `{"clusterName":"../../orgs"}`, field: "clusterName"},
		})
	})
	t.Run("get", func(t *testing.T) {
		runPrepCases(t, getSnapshot(), []prepCase{
			{name: "ok", args: `{"clusterName":"Cluster0","snapshotId":"` + testHexID + `"}`},
			{name: "missing snapshot", args: `{"clusterName":"Cluster0"}`, field: "snapshotId"},
			{name: "bad snapshot", args: `{"clusterName":"Cluster0","snapshotId":"latest"}`, field: "snapshotId"},
		})
	})
	t.Run("create", func(t *testing.T) {
		runPrepCases(t, createSnapshot(), []prepCase{
			{name: "default retention", args: `{"clusterName":"Cluster0","description":"before migration"}`, check: func(t *testing.T, c *Call) {
				mustContain(t, "plan", planJSON(t, c), `"retentionInDays":1`, `"description":"before migration"`, "/clusters/Cluster0/backup/snapshots")
			}},
			{name: "retention 365", args: `{"clusterName":"Cluster0","description":"d","retentionInDays":365}`},
			{name: "retention 366", args: `{"clusterName":"Cluster0","description":"d","retentionInDays":366}`, field: "retentionInDays"},
			{name: "negative retention", args: `{"clusterName":"Cluster0","description":"d","retentionInDays":-1}`, field: "retentionInDays"},
			{name: "no description", args: `{"clusterName":"Cluster0"}`, field: "description"},
			{name: "bad cluster", args: `{"clusterName":"a b","description":"d"}`, field: "clusterName"},
		})
	})
}

func TestRestoreJobToolsPrepare(t *testing.T) {
	past := time.Now().Add(-time.Hour).Unix()
	future := time.Now().Add(time.Hour).Unix()
	t.Run("list and get", func(t *testing.T) {
		runPrepCases(t, listRestoreJobs(), []prepCase{
			{name: "ok", args: `{"clusterName":"Cluster0"}`},
			{name: "bad cluster", args: `{"clusterName":"-x"}`, field: "clusterName"},
		})
		runPrepCases(t, getRestoreJob(), []prepCase{
			{name: "ok", args: `{"clusterName":"Cluster0","restoreJobId":"` + testHexID + `"}`},
			{name: "bad id", args: `{"clusterName":"Cluster0","restoreJobId":"1"}`, field: "restoreJobId"},
		})
	})
	snap := `"snapshotId":"` + testHexID + `"`
	runPrepCases(t, createRestoreJob(), []prepCase{
		{name: "automated defaults target project", args: `{"clusterName":"Cluster0","deliveryType":"automated",` + snap + `,"targetClusterName":"Restore1"}`, check: func(t *testing.T, c *Call) {
			in := c.Input.(*CreateRestoreJobInput)
			if in.TargetProjectID != testProjectID {
				t.Errorf("targetProjectId = %q, want the project", in.TargetProjectID)
			}
			if c.Facts.ClusterName != "Restore1" {
				t.Errorf("Facts.ClusterName = %q, want the target cluster", c.Facts.ClusterName)
			}
			b, _ := json.Marshal(in.request().Body)
			mustContain(t, "body", string(b), `"targetGroupId":"`+testProjectID+`"`, `"targetClusterName":"Restore1"`, `"deliveryType":"automated"`)
		}},
		{name: "download", args: `{"clusterName":"Cluster0","deliveryType":"download",` + snap + `}`},
		{name: "point in time", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"Restore1","pointInTimeUTCSeconds":%d}`, past)},
		{name: "oplog", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"Restore1","oplogTs":%d,"oplogInc":3}`, past)},
		{name: "missing deliveryType", args: `{"clusterName":"Cluster0",` + snap + `}`, field: "deliveryType"},
		{name: "bad deliveryType", args: `{"clusterName":"Cluster0","deliveryType":"manual",` + snap + `}`, field: "deliveryType"},
		{name: "automated without snapshot", args: `{"clusterName":"Cluster0","deliveryType":"automated","targetClusterName":"R"}`, field: "snapshotId"},
		{name: "automated without target", args: `{"clusterName":"Cluster0","deliveryType":"automated",` + snap + `}`, field: "targetClusterName"},
		{name: "automated bad target", args: `{"clusterName":"Cluster0","deliveryType":"automated",` + snap + `,"targetClusterName":"../../orgs"}`, field: "targetClusterName"},
		{name: "automated bad target project", args: `{"clusterName":"Cluster0","deliveryType":"automated",` + snap + `,"targetClusterName":"R","targetProjectId":"nope"}`, field: "targetProjectId"},
		{name: "automated with time", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"automated",`+snap+`,"targetClusterName":"R","pointInTimeUTCSeconds":%d}`, past), field: "pointInTimeUTCSeconds"},
		{name: "download with target", args: `{"clusterName":"Cluster0","deliveryType":"download",` + snap + `,"targetClusterName":"R"}`, field: "targetClusterName"},
		{name: "pointInTime with snapshot", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime",`+snap+`,"targetClusterName":"R","pointInTimeUTCSeconds":%d}`, past), field: "snapshotId"},
		{name: "pointInTime without time", args: `{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"R"}`, field: "pointInTimeUTCSeconds"},
		{name: "pointInTime in the future", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"R","pointInTimeUTCSeconds":%d}`, future), field: "pointInTimeUTCSeconds"},
		{name: "pointInTime in milliseconds", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"R","pointInTimeUTCSeconds":%d}`, past*1000), field: "pointInTimeUTCSeconds"},
		{name: "oplogTs without inc", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"R","oplogTs":%d}`, past), field: "oplogInc"},
		{name: "time and oplog", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","targetClusterName":"R","pointInTimeUTCSeconds":%d,"oplogTs":%d,"oplogInc":1}`, past, past), field: "pointInTimeUTCSeconds"},
		{name: "pointInTime without target", args: fmt.Sprintf(`{"clusterName":"Cluster0","deliveryType":"pointInTime","pointInTimeUTCSeconds":%d}`, past), field: "targetClusterName"},
		{name: "gov same project is fine locally", args: `{"clusterName":"Cluster0","deliveryType":"automated",` + snap + `,"targetClusterName":"R"}`, gov: true},
	})
}

func TestRestoreJobConfirmationNamesTarget(t *testing.T) {
	env, _ := simEnv(t, false)
	c, err := createRestoreJob().Decode([]byte(`{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+testHexID+`","targetClusterName":"staging","targetProjectId":"`+atlassim.DemoProjectID+`"}`), env)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := c.Plan(t.Context(), testAgent)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "confirmation", conf.Render.Text(), "onto: cluster staging (id ", atlassim.DemoProjectID, "overwritten", "prod-analytics", testHexID)
	if conf.Render.TypeToConfirm != "staging" {
		t.Errorf("TypeToConfirm = %q, want the target cluster", conf.Render.TypeToConfirm)
	}
	c, err = createRestoreJob().Decode([]byte(`{"clusterName":"prod-analytics","deliveryType":"download","snapshotId":"`+testHexID+`"}`), env)
	if err != nil {
		t.Fatal(err)
	}
	conf, err = c.Plan(t.Context(), testAgent)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "confirmation", conf.Render.Text(), "download", "No data is overwritten")
}

func TestBackupToolsAgainstSim(t *testing.T) {
	env, _ := simEnv(t, false)

	r := mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`)
	snaps := structured[*ListOutput[Snapshot]](t, r)
	if snaps.TotalCount != 3 || snaps.Results[0].Status != "completed" {
		t.Fatalf("snapshots = %+v", snaps)
	}
	mustContain(t, "data", r.Data, "completed", "scheduled", "GiB")
	snapID := snaps.Results[0].ID

	r = mustRun(t, env, getSnapshot(), `{"clusterName":"prod-analytics","snapshotId":"`+snapID+`"}`)
	if s := structured[*SnapshotOutput](t, r).Snapshot; s.ID != snapID || s.Status != "completed" {
		t.Errorf("get snapshot = %+v", s)
	}

	r = mustRun(t, env, createSnapshot(), `{"clusterName":"prod-analytics","description":"before migration 42","retentionInDays":3}`)
	taken := structured[*SnapshotOutput](t, r).Snapshot
	if taken.ID == "" {
		t.Fatalf("created snapshot = %+v", taken)
	}
	mustContain(t, "summary", r.Summary, taken.ID, "3 day")
	r = mustRun(t, env, getSnapshot(), `{"clusterName":"prod-analytics","snapshotId":"`+taken.ID+`"}`)
	if s := structured[*SnapshotOutput](t, r).Snapshot; s.Status != "completed" || s.Description != "before migration 42" {
		t.Errorf("on-demand snapshot later = %+v", s)
	}

	r = mustRun(t, env, listRestoreJobs(), `{"clusterName":"prod-analytics"}`)
	if n := structured[*ListOutput[RestoreJob]](t, r).TotalCount; n != 0 {
		t.Errorf("seeded restore jobs: %d", n)
	}

	args := `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"` + snapID + `","targetClusterName":"staging","wait":true}`
	rc, conf := confirm(t, env, createRestoreJob(), args)
	mustContain(t, "confirmation", conf.Render.Text(), "onto cluster staging", "overwritten", snapID)
	if conf.Render.TypeToConfirm != "staging" || conf.Observed["targetCluster.id"] == "" {
		t.Errorf("TypeToConfirm %q, observed %v", conf.Render.TypeToConfirm, conf.Observed)
	}
	var progress progressLog
	r, err := rc.Execute(progress.ctx(t.Context()), conf)
	if err != nil {
		t.Fatal(err)
	}
	job := structured[*RestoreJobOutput](t, r).RestoreJob
	if job.State != "finished" || job.TargetClusterName != "staging" || job.TargetGroupID != atlassim.DemoProjectID {
		t.Errorf("restore job = %+v", job)
	}
	mustContain(t, "summary", r.Summary, job.ID, "finished")

	r = mustRun(t, env, getRestoreJob(), `{"clusterName":"prod-analytics","restoreJobId":"`+job.ID+`"}`)
	if got := structured[*RestoreJobOutput](t, r).RestoreJob; got.ID != job.ID || got.State != "finished" {
		t.Errorf("get restore job = %+v", got)
	}

	r = mustRun(t, env, createRestoreJob(), `{"clusterName":"prod-analytics","deliveryType":"download","snapshotId":"`+snapID+`","wait":true}`)
	dl := structured[*RestoreJobOutput](t, r).RestoreJob
	if len(dl.DeliveryURL) == 0 {
		t.Errorf("download job has no links: %+v", dl)
	}
	mustContain(t, "summary", r.Summary, "download link")
	mustNotContain(t, "data", r.Data, "http")

	pit := fmt.Sprintf(`{"clusterName":"prod-analytics","deliveryType":"pointInTime","targetClusterName":"staging","pointInTimeUTCSeconds":%d}`, time.Now().Add(-30*time.Minute).Unix())
	r = mustRun(t, env, createRestoreJob(), pit)
	if j := structured[*RestoreJobOutput](t, r).RestoreJob; j.DeliveryType != "pointInTime" || j.ID == "" {
		t.Errorf("point-in-time job = %+v", j)
	}

	r = mustRun(t, env, listRestoreJobs(), `{"clusterName":"prod-analytics"}`)
	if n := structured[*ListOutput[RestoreJob]](t, r).TotalCount; n != 3 {
		t.Errorf("restore jobs after three restores: %d", n)
	}
}

// TestRestoreWaitPolls lets restore jobs take a little while, so wait:true has
// to poll until the job reports finishedAt.
func TestRestoreWaitPolls(t *testing.T) {
	env, sim := simEnvWith(t, atlassim.Options{Seed: true, ClusterTransition: -1, JobDuration: 30 * time.Millisecond})
	snaps := structured[*ListOutput[Snapshot]](t, mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`))
	c, err := createRestoreJob().Decode([]byte(`{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+snaps.Results[0].ID+`","targetClusterName":"staging","wait":true}`), env)
	if err != nil {
		t.Fatal(err)
	}
	var progress progressLog
	r, err := planAndRun(t, c, progress.ctx(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	job := structured[*RestoreJobOutput](t, r).RestoreJob
	if job.State != "finished" || job.FinishedAt == "" {
		t.Errorf("after wait: %+v", job)
	}
	if !sent(sim, "GET", "/backup/restoreJobs/"+job.ID) || len(progress.messages()) == 0 {
		t.Errorf("wait:true did not poll (progress %q)", progress.messages())
	}
	mustContain(t, "progress", strings.Join(progress.messages(), "\n"), "restore job "+job.ID)
}

// TestRestoreWaitStopsAtCancellation: a job that never finishes; the caller
// gives up after the first poll and gets a WaitError naming the job and its
// last state, while the job itself was created.
func TestRestoreWaitStopsAtCancellation(t *testing.T) {
	env, sim := simEnvWith(t, atlassim.Options{Seed: true, ClusterTransition: -1, JobDuration: time.Hour})
	snaps := structured[*ListOutput[Snapshot]](t, mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`))
	c, err := createRestoreJob().Decode([]byte(`{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+snaps.Results[0].ID+`","targetClusterName":"staging","wait":true}`), env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ctx = WithProgress(ctx, func(_, _ float64, _ string) { cancel() })
	_, err = planAndRun(t, c, ctx)
	var we *WaitError
	if !errors.As(err, &we) {
		t.Fatalf("Run = %v (%T), want *WaitError", err, err)
	}
	if we.LastState != "inProgress" || !strings.HasPrefix(we.Resource, "restore job ") || !errors.Is(err, context.Canceled) {
		t.Errorf("WaitError = %+v", we)
	}
	if !sent(sim, "POST", "/backup/restoreJobs") {
		t.Error("the restore job was never created")
	}
}

func TestGovRestoreAcrossProjectKindsRefusedLocally(t *testing.T) {
	env, sim := simEnv(t, true)
	snaps := structured[*ListOutput[Snapshot]](t, mustRun(t, env, listSnapshots(), `{"clusterName":"prod-analytics"}`))
	args := `{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"` + snaps.Results[0].ID + `","targetClusterName":"gov-cluster","targetProjectId":"` + atlassim.DemoGovProjectID + `"}`

	c, err := createRestoreJob().Decode([]byte(args), env)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Plan(t.Context(), testAgent)
	var ge *GovRuleError
	if !errors.As(err, &ge) || ge.Field != "targetProjectId" {
		t.Fatalf("confirmation: %v (%T), want *GovRuleError on targetProjectId", err, err)
	}
	mustContain(t, "rule", ge.Error(), "Restores between standard projects and Gov region-only projects are not allowed")

	// Without a confirmation step (a policy that does not ask), Run refuses too.
	if _, err := call(t, env, createRestoreJob(), args); !errors.As(err, &ge) {
		t.Fatalf("run: %v, want *GovRuleError", err)
	}
	if sent(sim, "POST", "/backup/restoreJobs") {
		t.Error("the forbidden restore reached Atlas")
	}
	if !sent(sim, "GET", "/groups/"+atlassim.DemoGovProjectID) {
		t.Error("the target project was not read")
	}

	// Between two standard projects the rule does not apply.
	c, err = createRestoreJob().Decode([]byte(`{"clusterName":"prod-analytics","deliveryType":"automated","snapshotId":"`+snaps.Results[0].ID+`","targetClusterName":"x","targetProjectId":"`+atlassim.DemoProject2ID+`"}`), env)
	if err != nil {
		t.Fatal(err)
	}
	// (The target cluster does not exist: Atlas's 404, not the gov rule.)
	if _, err := c.Plan(t.Context(), testAgent); errors.As(err, &ge) {
		t.Errorf("standard to standard: %v", err)
	}
}
