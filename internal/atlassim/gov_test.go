package atlassim

import (
	"strings"
	"testing"
)

func TestGovRules(t *testing.T) {
	h := newHarness(t, Options{Seed: true, Gov: true, ClusterTransition: -1, JobDuration: -1})
	demo := groupPath(DemoProjectID, "/clusters")
	gov := groupPath(DemoGovProjectID, "/clusters")

	// The gov seed holds only what Atlas for Government allows.
	for _, c := range h.must(200, "GET", demo, nil).json(t)["results"].([]any) {
		if size := instanceSize(t, c.(map[string]any)); tierBelowM20(size) {
			t.Errorf("gov seed has a %s cluster", size)
		}
		if srv := c.(map[string]any)["connectionStrings"].(map[string]any)["standardSrv"].(string); !strings.HasSuffix(srv, ".mongodbgov.net") {
			t.Errorf("gov connection string %s", srv)
		}
	}

	bad := []struct {
		name, path string
		body       map[string]any
		code       string
		quote      string
	}{
		{"M10", demo, clusterBody("g1", "AWS", "US_EAST_1", "M10"), codeGovInstanceSize, "M20 or higher"},
		{"free tier", demo, clusterBody("g2", "TENANT", "US_EAST_1", "M0"), codeGovInstanceSize, "M20 or higher"},
		{"Azure", demo, clusterBody("g3", "AZURE", "US_EAST_2", "M30"), codeGovProvider, "Azure is unavailable"},
		{"non-US region", demo, clusterBody("g4", "AWS", "EU_WEST_1", "M30"), codeGovRegion, "United States"},
		{"GovCloud in a standard project", demo, clusterBody("g5", "AWS", "US_GOV_WEST_1", "M30"), codeGovRegion, "across government and standard regions"},
		{"standard region in a gov project", gov, clusterBody("g6", "AWS", "US_EAST_1", "M30"), codeGovRegion, "across government and standard regions"},
		{"small read-only nodes", demo, func() map[string]any {
			b := clusterBody("g7", "AWS", "US_EAST_1", "M30")
			rc := b["replicationSpecs"].([]any)[0].(map[string]any)["regionConfigs"].([]any)[0].(map[string]any)
			rc["readOnlySpecs"] = map[string]any{"instanceSize": "M10", "nodeCount": 1}
			return b
		}(), codeGovInstanceSize, "M20 or higher"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := h.must(400, "POST", tc.path, tc.body)
			if r.errorCode(t) != tc.code {
				t.Fatalf("errorCode %s, want %s: %s", r.errorCode(t), tc.code, r.raw)
			}
			if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, tc.quote) {
				t.Errorf("detail %q does not quote the rule (%q)", d, tc.quote)
			}
		})
	}
	h.must(201, "POST", demo, clusterBody("fedramp", "AWS", "US_EAST_1", "M20"))
	h.must(201, "POST", gov, clusterBody("govcloud", "AWS", "US_GOV_EAST_1", "M30"))
	h.must(201, "POST", gov, clusterBody("assured", "GCP", "CENTRAL_US_AW", "M30"))
	if r := h.must(400, "PATCH", demo+"/fedramp", map[string]any{"replicationSpecs": []any{map[string]any{"regionConfigs": []any{
		map[string]any{"providerName": "AWS", "regionName": "US_EAST_1", "electableSpecs": map[string]any{"instanceSize": "M10"}}}}}}); r.errorCode(t) != codeGovInstanceSize {
		t.Fatalf("resize to M10: %s", r.raw)
	}

	// Projects choose their region usage; GOV_REGIONS_ONLY exists here.
	p := h.must(200, "POST", "/groups", map[string]any{"name": "gov-2", "orgId": DemoOrgID, "regionUsageRestrictions": "GOV_REGIONS_ONLY"}).json(t)
	if p["regionUsageRestrictions"] != "GOV_REGIONS_ONLY" {
		t.Fatalf("project %v", p)
	}
	if p := h.must(200, "POST", "/groups", map[string]any{"name": "std-2", "orgId": DemoOrgID}).json(t); p["regionUsageRestrictions"] != "COMMERCIAL_FEDRAMP_REGIONS_ONLY" {
		t.Fatalf("default restriction %v", p["regionUsageRestrictions"])
	}

	// Restores stay on their side of the line.
	snaps := h.must(200, "GET", demo+"/prod-analytics/backup/snapshots", nil).json(t)["results"].([]any)
	snapID := snaps[0].(map[string]any)["id"].(string)
	restores := demo + "/prod-analytics/backup/restoreJobs"
	r := h.must(400, "POST", restores, map[string]any{"deliveryType": "automated", "snapshotId": snapID,
		"targetClusterName": "gov-cluster", "targetGroupId": DemoGovProjectID})
	if r.errorCode(t) != codeGovRestore || !strings.Contains(string(r.raw), "Restores between standard projects and Gov region-only projects are not allowed") {
		t.Fatalf("cross restore: %s", r.raw)
	}
	h.must(200, "POST", restores, map[string]any{"deliveryType": "automated", "snapshotId": snapID,
		"targetClusterName": "staging", "targetGroupId": DemoProjectID})

	// Triggers are unavailable in Atlas for Government; apps still list.
	tok := asLogin(t, h, DemoPublicKey, DemoPrivateKey)["access_token"].(string)
	auth := withAuth("Bearer " + tok)
	h.must(200, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps", nil, auth)
	for _, path := range []string{"/triggers", "/triggers/" + DemoTriggerDatabaseID} {
		r := h.must(404, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps/"+DemoAppID+path, nil, auth)
		if !strings.Contains(r.json(t)["error"].(string), "unavailable in Atlas for Government") {
			t.Errorf("%s: %s", path, r.raw)
		}
	}
}

func TestCommercialHasNoGovProject(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	h.must(404, "GET", groupPath(DemoGovProjectID), nil)
	// Commercial allows what gov refuses.
	h.must(201, "POST", groupPath(DemoProjectID, "/clusters"), clusterBody("c10", "AWS", "EU_WEST_1", "M10"))
	h.must(201, "POST", groupPath(DemoProjectID, "/clusters"), clusterBody("caz", "AZURE", "EUROPE_WEST", "M10"))
}
