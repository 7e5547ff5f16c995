package atlassim

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

func stateOf(t *testing.T, h *harness, name string) string {
	t.Helper()
	r := h.do("GET", groupPath(DemoProjectID, "/clusters/"+name), nil)
	if r.status == 404 {
		return "GONE"
	}
	if r.status != 200 {
		t.Fatalf("GET cluster %s: %d %s", name, r.status, r.raw)
	}
	return r.json(t)["stateName"].(string)
}

func instanceSize(t *testing.T, m map[string]any) string {
	t.Helper()
	rs := m["replicationSpecs"].([]any)[0].(map[string]any)
	rc := rs["regionConfigs"].([]any)[0].(map[string]any)
	return rc["electableSpecs"].(map[string]any)["instanceSize"].(string)
}

func TestClusterLifecycle(t *testing.T) {
	h := newHarness(t, Options{Seed: true}) // default 3 s transitions on the fake clock
	clusters := groupPath(DemoProjectID, "/clusters")

	created := h.must(201, "POST", clusters, clusterBody("life", "AWS", "US_EAST_1", "M10")).json(t)
	if created["stateName"] != "CREATING" || created["groupId"] != DemoProjectID || !isObjectID(created["id"].(string)) {
		t.Fatalf("create answer: %v", created)
	}
	cs := created["connectionStrings"].(map[string]any)
	if !strings.HasPrefix(cs["standardSrv"].(string), "mongodb+srv://life.") || !strings.HasPrefix(cs["standard"].(string), "mongodb://life-shard-00-00.") {
		t.Errorf("connection strings %v", cs)
	}
	if got := stateOf(t, h, "life"); got != "CREATING" {
		t.Fatalf("state %s", got)
	}
	r := h.must(409, "PATCH", clusters+"/life", map[string]any{"paused": false})
	if r.errorCode(t) != codeClusterNotIdle {
		t.Fatalf("PATCH while CREATING: %s", r.raw)
	}

	h.clock.Advance(3 * time.Second)
	if got := stateOf(t, h, "life"); got != "IDLE" {
		t.Fatalf("after the transition: %s", got)
	}
	upd := h.must(200, "PATCH", clusters+"/life", map[string]any{"replicationSpecs": []any{map[string]any{"regionConfigs": []any{
		map[string]any{"providerName": "AWS", "regionName": "US_EAST_1", "priority": 7,
			"electableSpecs": map[string]any{"instanceSize": "M30", "nodeCount": 3}}}}}}).json(t)
	if upd["stateName"] != "UPDATING" || instanceSize(t, upd) != "M30" {
		t.Fatalf("PATCH answer: state %v size %s", upd["stateName"], instanceSize(t, upd))
	}
	if upd["replicationSpecs"].([]any)[0].(map[string]any)["id"] != created["replicationSpecs"].([]any)[0].(map[string]any)["id"] {
		t.Error("resize changed the replication spec id")
	}
	h.must(409, "PATCH", clusters+"/life", map[string]any{"backupEnabled": true})
	h.clock.Advance(3 * time.Second)
	if got := stateOf(t, h, "life"); got != "IDLE" {
		t.Fatalf("after update: %s", got)
	}

	h.must(202, "DELETE", clusters+"/life", nil)
	if got := stateOf(t, h, "life"); got != "DELETING" {
		t.Fatalf("after DELETE: %s", got)
	}
	if r := h.must(400, "DELETE", clusters+"/life", nil); r.errorCode(t) != codeClusterDeleteRequested {
		t.Fatalf("second DELETE: %s", r.raw)
	}
	h.clock.Advance(3 * time.Second)
	if got := stateOf(t, h, "life"); got != "GONE" {
		t.Fatalf("after deletion: %s", got)
	}
	if r := h.must(404, "GET", clusters+"/life", nil); r.errorCode(t) != codeClusterNotFound {
		t.Fatalf("GET deleted: %s", r.raw)
	}
}

func TestClusterValidation(t *testing.T) {
	h := newHarness(t, Options{Seed: true, ClusterTransition: -1})
	clusters := groupPath(DemoProjectID, "/clusters")
	withExtra := clusterBody("extra", "AWS", "US_EAST_1", "M10")
	withExtra["diskSizeGBTypo"] = 10
	noSpecs := clusterBody("nospecs", "AWS", "US_EAST_1", "M10")
	delete(noSpecs, "replicationSpecs")
	cases := []struct {
		name string
		body any
		code string
	}{
		{"duplicate", clusterBody("prod-analytics", "AWS", "US_EAST_1", "M10"), codeDuplicateClusterName},
		{"bad name", clusterBody("-bad_name", "AWS", "US_EAST_1", "M10"), codeClusterNameInvalid},
		{"missing name", clusterBody("", "AWS", "US_EAST_1", "M10"), codeMissingAttribute},
		{"missing replicationSpecs", noSpecs, codeMissingAttribute},
		{"unknown attribute", withExtra, codeInvalidAttribute},
		{"size not offered by the provider", clusterBody("x1", "GCP", "CENTRAL_US", "M100"), codeInvalidEnumValue},
		{"region of another provider", clusterBody("x2", "GCP", "US_EAST_1", "M10"), codeInvalidRegion},
		{"GovCloud outside Atlas for Government", clusterBody("x3", "AWS", "US_GOV_WEST_1", "M30"), codeInvalidRegion},
		{"bad provider", clusterBody("x4", "ORACLE", "US_EAST_1", "M10"), codeInvalidEnumValue},
		{"malformed JSON", `{"name":`, codeInvalidJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.must(400, "POST", clusters, tc.body)
			if got := r.errorCode(t); got != tc.code {
				t.Fatalf("errorCode %s, want %s: %s", got, tc.code, r.raw)
			}
		})
	}
	// Instant transitions: the create answer says CREATING, the next read IDLE.
	if m := h.must(201, "POST", clusters, clusterBody("fast", "AWS", "US_EAST_1", "M10")).json(t); m["stateName"] != "CREATING" {
		t.Fatalf("create: %v", m["stateName"])
	}
	if got := stateOf(t, h, "fast"); got != "IDLE" {
		t.Fatalf("instant transition: %s", got)
	}
	// Termination protection blocks DELETE.
	h.must(200, "PATCH", clusters+"/fast", map[string]any{"terminationProtectionEnabled": true})
	if r := h.must(400, "DELETE", clusters+"/fast", nil); r.errorCode(t) != codeTerminationProtection {
		t.Fatalf("%s", r.raw)
	}
	// A paused cluster takes only an unpause.
	h.must(200, "PATCH", clusters+"/staging", map[string]any{"paused": true})
	if r := h.must(409, "PATCH", clusters+"/staging", map[string]any{"backupEnabled": true}); r.errorCode(t) != codeClusterPaused {
		t.Fatalf("%s", r.raw)
	}
	h.must(200, "PATCH", clusters+"/staging", map[string]any{"paused": false})
}

func TestProjects(t *testing.T) {
	h := newHarness(t, Options{Seed: true, ClusterTransition: 2 * time.Second})
	if r := h.must(409, "DELETE", groupPath(DemoProjectID), nil); r.errorCode(t) != codeGroupHasClusters {
		t.Fatalf("delete project with clusters: %s", r.raw)
	}
	h.must(204, "DELETE", groupPath(DemoProject2ID), nil)
	if r := h.must(404, "GET", groupPath(DemoProject2ID), nil); r.errorCode(t) != codeGroupNotFound {
		t.Fatalf("%s", r.raw)
	}

	p := h.must(200, "POST", "/groups", map[string]any{"name": "team-a", "orgId": DemoOrgID}).json(t)
	if p["clusterCount"] != float64(0) || p["orgId"] != DemoOrgID || p["regionUsageRestrictions"] != "COMMERCIAL_FEDRAMP_REGIONS_ONLY" {
		t.Fatalf("created project %v", p)
	}
	if r := h.must(409, "POST", "/groups", map[string]any{"name": "team-a", "orgId": DemoOrgID}); r.errorCode(t) != codeGroupExists {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(404, "POST", "/groups", map[string]any{"name": "team-b", "orgId": strings.Repeat("b", 24)}); r.errorCode(t) != codeOrgNotFound {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(400, "POST", "/groups", map[string]any{"name": "team-b"}); r.errorCode(t) != codeMissingAttribute {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(400, "POST", "/groups", map[string]any{"name": "team-b", "orgId": DemoOrgID, "regionUsageRestrictions": "GOV_REGIONS_ONLY"}); r.errorCode(t) != codeValidation {
		t.Fatalf("GOV_REGIONS_ONLY outside gov: %s", r.raw)
	}

	// A project is deletable only once its clusters are gone, not while DELETING.
	id := p["id"].(string)
	h.must(201, "POST", groupPath(id, "/clusters"), clusterBody("only", "AWS", "US_EAST_1", "M10"))
	h.clock.Advance(2 * time.Second)
	h.must(202, "DELETE", groupPath(id, "/clusters/only"), nil)
	h.must(409, "DELETE", groupPath(id), nil)
	h.clock.Advance(2 * time.Second)
	h.must(204, "DELETE", groupPath(id), nil)

	if r := h.must(400, "GET", "/groups/not-an-id", nil); r.errorCode(t) != codeInvalidGroupID {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(404, "GET", "/groups/"+DemoProjectID+"/nothing-here", nil); r.errorCode(t) != codeResourceNotFound {
		t.Fatalf("%s", r.raw)
	}
	h.must(405, "PUT", groupPath(DemoProjectID, "/clusters"), nil)
}

func TestAPIKeyPrivateKeyShownOnce(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	keys := "/orgs/" + DemoOrgID + "/apiKeys"
	created := h.must(200, "POST", keys, map[string]any{"desc": "ci", "roles": []any{"ORG_MEMBER"}}).json(t)
	priv, _ := created["privateKey"].(string)
	pub, _ := created["publicKey"].(string)
	if len(priv) != 36 || strings.Contains(priv, "*") || len(pub) != 8 {
		t.Fatalf("create answer: %v", created)
	}
	list := h.must(200, "GET", keys, nil).json(t)
	found := false
	for _, k := range list["results"].([]any) {
		km := k.(map[string]any)
		if km["id"] == created["id"] {
			found = true
			if want := "********-****-****-" + priv[len(priv)-12:]; km["privateKey"] != want {
				t.Errorf("listed private key %v, want %s", km["privateKey"], want)
			}
		}
		if strings.Contains(km["privateKey"].(string), DemoReadOnlyPrivateKey) {
			t.Error("the seeded key's private key is listed in clear")
		}
	}
	if !found {
		t.Fatal("created key not listed")
	}

	// The new key works (Digest), sees its org only, and ORG_MEMBER cannot write.
	c := &http.Client{Transport: &digest.Transport{Username: pub, Password: priv}}
	call := func(method, path string) int {
		req, _ := http.NewRequestWithContext(context.Background(), method, h.srv.URL+prefixV2+path, strings.NewReader(`{"name":"x","orgId":"`+DemoOrgID+`"}`))
		req.Header.Set("Accept", latest)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := call("GET", "/orgs/"+DemoOrgID); st != 200 {
		t.Fatalf("new key GET: %d", st)
	}
	if st := call("POST", "/groups"); st != 403 {
		t.Fatalf("ORG_MEMBER key POST: %d, want 403", st)
	}
	h.must(204, "DELETE", keys+"/"+created["id"].(string), nil)
	if st := call("GET", "/orgs/"+DemoOrgID); st != 401 {
		t.Fatalf("deleted key still works: %d", st)
	}
	if r := h.must(404, "DELETE", keys+"/"+created["id"].(string), nil); r.errorCode(t) != codeAPIKeyNotFound {
		t.Fatalf("%s", r.raw)
	}
	if r := h.must(400, "POST", keys, map[string]any{"desc": "x", "roles": []any{"GROUP_OWNER"}}); r.errorCode(t) != codeInvalidEnumValue {
		t.Fatalf("%s", r.raw)
	}
}

func TestDatabaseUsers(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	users := groupPath(DemoProjectID, "/databaseUsers")
	body := map[string]any{"username": "svc", "databaseName": "admin", "groupId": DemoProjectID, "password": "correct-horse",
		"roles": []any{map[string]any{"roleName": "read", "databaseName": "sales"}}}
	r := h.must(201, "POST", users, body)
	if strings.Contains(string(r.raw), "correct-horse") || strings.Contains(string(r.raw), `"password"`) {
		t.Fatalf("create answer carries the password: %s", r.raw)
	}
	if r := h.must(200, "GET", users, nil); strings.Contains(string(r.raw), "password") {
		t.Fatalf("list carries passwords: %s", r.raw)
	}
	if r := h.must(409, "POST", users, body); r.errorCode(t) != codeUserExists {
		t.Fatalf("%s", r.raw)
	}
	noPass := map[string]any{"username": "np", "databaseName": "admin", "roles": body["roles"]}
	if r := h.must(400, "POST", users, noPass); r.errorCode(t) != codeMissingAttribute {
		t.Fatalf("%s", r.raw)
	}
	h.must(204, "DELETE", users+"/admin/svc", nil)
	if r := h.must(404, "DELETE", users+"/admin/svc", nil); r.errorCode(t) != codeUsernameNotFound {
		t.Fatalf("%s", r.raw)
	}
	// Usernames with reserved characters travel escaped.
	odd := map[string]any{"username": "a@b/c", "databaseName": "admin", "password": "long-enough", "roles": body["roles"]}
	h.must(201, "POST", users, odd)
	h.must(204, "DELETE", users+"/admin/"+escape("a@b/c"), nil)
}

func TestAccessList(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	al := groupPath(DemoProjectID, "/accessList")
	m := h.must(200, "POST", al, []any{
		map[string]any{"cidrBlock": "10.0.0.0/24", "comment": "vpc"},
		map[string]any{"ipAddress": "192.0.2.44"},
	}).json(t)
	if m["totalCount"] != float64(4) {
		t.Fatalf("POST answers the whole list: %v", m["totalCount"])
	}
	// Posting an existing entry updates it.
	h.must(200, "POST", al, []any{map[string]any{"cidrBlock": "10.0.0.0/24", "comment": "renamed"}})
	m = h.must(200, "GET", al, nil).json(t)
	if m["totalCount"] != float64(4) || !strings.Contains(string(h.must(200, "GET", al, nil).raw), "renamed") {
		t.Fatalf("upsert: %v", m)
	}
	for _, e := range m["results"].([]any) {
		em := e.(map[string]any)
		if em["ipAddress"] == "192.0.2.44" && em["cidrBlock"] != "192.0.2.44/32" {
			t.Errorf("IP entry has cidrBlock %v", em["cidrBlock"])
		}
	}

	h.must(204, "DELETE", al+"/10.0.0.0%2F24", nil)
	h.must(204, "DELETE", al+"/192.0.2.44", nil)
	h.must(204, "DELETE", al+"/203.0.113.10", nil)
	if r := h.must(404, "DELETE", al+"/10.0.0.0%2F24", nil); r.errorCode(t) != codeAccessNotFound {
		t.Fatalf("%s", r.raw)
	}
	for _, bad := range []any{
		[]any{map[string]any{"cidrBlock": "10.0.0.1/24"}},
		[]any{map[string]any{"cidrBlock": "10.0.0.0/33"}},
		[]any{map[string]any{"ipAddress": "300.1.1.1"}},
	} {
		if r := h.must(400, "POST", al, bad); r.errorCode(t) != codeInvalidIPOrCIDR {
			t.Errorf("%v: %s", bad, r.raw)
		}
	}
	if r := h.must(400, "POST", al, map[string]any{"cidrBlock": "10.0.0.0/8"}); r.errorCode(t) != codeInvalidJSON {
		t.Errorf("object instead of array: %s", r.raw)
	}

	// deleteAfterDate: the entry disappears on its own.
	at := h.clock.Now().Add(30 * time.Minute).Format(time.RFC3339)
	h.must(200, "POST", al, []any{map[string]any{"ipAddress": "198.18.0.1", "deleteAfterDate": at}})
	if !strings.Contains(string(h.must(200, "GET", al, nil).raw), "198.18.0.1") {
		t.Fatal("temporary entry missing")
	}
	h.clock.Advance(30 * time.Minute)
	if strings.Contains(string(h.must(200, "GET", al, nil).raw), "198.18.0.1") {
		t.Fatal("temporary entry outlived its deleteAfterDate")
	}
}

func TestSnapshotsAndRestoreJobs(t *testing.T) {
	h := newHarness(t, Options{Seed: true, JobDuration: 3 * time.Second})
	snaps := groupPath(DemoProjectID, "/clusters/prod-analytics/backup/snapshots")
	restores := groupPath(DemoProjectID, "/clusters/prod-analytics/backup/restoreJobs")

	seeded := h.must(200, "GET", snaps, nil).json(t)
	if seeded["totalCount"] != float64(3) {
		t.Fatalf("seeded snapshots %v", seeded["totalCount"])
	}
	sn := h.must(200, "POST", snaps, map[string]any{"description": "before migration", "retentionInDays": 2}).json(t)
	id := sn["id"].(string)
	if sn["status"] != "queued" || sn["snapshotType"] != "onDemand" {
		t.Fatalf("take: %v", sn)
	}
	if r := h.must(400, "POST", snaps, map[string]any{}); r.errorCode(t) != codeUnfinishedSnapshot {
		t.Fatalf("second on-demand: %s", r.raw)
	}
	status := func() string { return h.must(200, "GET", snaps+"/"+id, nil).json(t)["status"].(string) }
	h.clock.Advance(time.Second)
	if s := status(); s != "inProgress" {
		t.Fatalf("after 1s: %s", s)
	}
	h.clock.Advance(2 * time.Second)
	if s := status(); s != "completed" {
		t.Fatalf("after 3s: %s", s)
	}
	if r := h.must(404, "GET", snaps+"/"+strings.Repeat("c", 24), nil); r.errorCode(t) != codeSnapshotNotFound {
		t.Fatalf("%s", r.raw)
	}

	if r := h.must(400, "POST", restores, map[string]any{"deliveryType": "automated", "snapshotId": id}); r.errorCode(t) != codeMissingAttribute {
		t.Fatalf("automated without target: %s", r.raw)
	}
	if r := h.must(400, "POST", restores, map[string]any{"snapshotId": id}); r.errorCode(t) != codeMissingAttribute {
		t.Fatalf("without deliveryType: %s", r.raw)
	}
	if r := h.must(404, "POST", restores, map[string]any{"deliveryType": "automated", "snapshotId": id,
		"targetClusterName": "nope", "targetGroupId": DemoProjectID}); r.errorCode(t) != codeClusterNotFound {
		t.Fatalf("unknown target: %s", r.raw)
	}
	job := h.must(200, "POST", restores, map[string]any{"deliveryType": "automated", "snapshotId": id,
		"targetClusterName": "staging", "targetGroupId": DemoProjectID}).json(t)
	if _, done := job["finishedAt"]; done || job["cancelled"] != false || job["failed"] != false {
		t.Fatalf("new job: %v", job)
	}
	jobPath := restores + "/" + job["id"].(string)
	if _, done := h.must(200, "GET", jobPath, nil).json(t)["finishedAt"]; done {
		t.Fatal("finished before JobDuration")
	}
	h.clock.Advance(3 * time.Second)
	if _, done := h.must(200, "GET", jobPath, nil).json(t)["finishedAt"]; !done {
		t.Fatal("not finished after JobDuration")
	}
	dl := h.must(200, "POST", restores, map[string]any{"deliveryType": "download", "snapshotId": id}).json(t)
	h.clock.Advance(3 * time.Second)
	got := h.must(200, "GET", restores+"/"+dl["id"].(string), nil).json(t)
	if urls := got["deliveryUrl"].([]any); len(urls) != 1 {
		t.Fatalf("download job delivery URLs %v", urls)
	}
	if r := h.must(404, "GET", restores+"/"+strings.Repeat("d", 24), nil); r.errorCode(t) != codeRestoreNotFound {
		t.Fatalf("%s", r.raw)
	}
	if n := len(h.must(200, "GET", restores, nil).json(t)["results"].([]any)); n != 2 {
		t.Fatalf("%d restore jobs listed", n)
	}
}

func TestAlerts(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	alerts := groupPath(DemoProjectID, "/alerts")
	count := func(q string) int {
		return len(h.must(200, "GET", alerts+q, nil).json(t)["results"].([]any))
	}
	if all, open, closed := count(""), count("?status=OPEN"), count("?status=CLOSED"); all != 2 || open != 1 || closed != 1 {
		t.Fatalf("alerts all/open/closed = %d/%d/%d, want 2/1/1", all, open, closed)
	}
	if r := h.must(400, "GET", alerts+"?status=NOPE", nil); r.errorCode(t) != codeInvalidQueryParameter {
		t.Fatalf("%s", r.raw)
	}
	cfgs := groupPath(DemoProjectID, "/alertConfigs")
	if r := h.must(400, "POST", cfgs, map[string]any{"eventTypeName": "NO_PRIMARY"}); r.errorCode(t) != codeMissingAttribute {
		t.Fatalf("%s", r.raw)
	}
	c := h.must(200, "POST", cfgs, map[string]any{"eventTypeName": "NO_PRIMARY",
		"notifications": []any{map[string]any{"typeName": "GROUP", "roles": []any{"GROUP_OWNER"}}}}).json(t)
	if c["enabled"] != false || c["groupId"] != DemoProjectID {
		t.Fatalf("config %v", c)
	}
	if n := len(h.must(200, "GET", cfgs, nil).json(t)["results"].([]any)); n != 2 {
		t.Fatalf("%d configs", n)
	}
}
