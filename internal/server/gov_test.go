package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// Atlas for Government: every rule of the reference is refused locally with
// the rule quoted and nothing sent; the simulator's gov mode refuses the same
// requests server-side, as Atlas would; and a valid gov cluster is created.
func TestGovRulesLocallyAndServerSide(t *testing.T) {
	gov := newHarness(t, harnessOpts{cloud: atlasclient.Gov})
	c := gov.client(t)
	cases := []struct {
		name, tool, args, quote string
	}{
		{"M10 is too small", "atlas-create-cluster", `{"projectId":"` + atlassim.DemoGovProjectID + `","clusterName":"small","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M10"}`, "M20 or higher"},
		{"free tier", "atlas-create-cluster", `{"projectId":"` + atlassim.DemoGovProjectID + `","clusterName":"free","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M0"}`, "M20 or higher"},
		{"Azure", "atlas-create-cluster", `{"projectId":"` + atlassim.DemoGovProjectID + `","clusterName":"blue","providerName":"AZURE","regionName":"US_GOV_VIRGINIA","instanceSize":"M30"}`, "Azure"},
		{"resize below M20", "atlas-update-cluster", `{"projectId":"` + atlassim.DemoGovProjectID + `","clusterName":"gov-cluster","instanceSize":"M10"}`, "M20 or higher"},
		{"SCRAM-SHA-1", "atlas-create-db-user", `{"projectId":"` + atlassim.DemoGovProjectID + `","username":"old","password":"Passw0rd-long","mechanism":"SCRAM-SHA-1","roles":[{"roleName":"read","databaseName":"app"}]}`, "SCRAM-SHA-256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := gov.apiRequests()
			res := call(t, c, tc.tool, tc.args)
			if !res.IsError || !strings.Contains(resultText(res), "Atlas for Government") || !strings.Contains(resultText(res), tc.quote) {
				t.Fatalf("got: %s", resultText(res))
			}
			if gov.apiRequests() != before {
				t.Fatal("the refused request reached the simulator")
			}
		})
	}

	// What Atlas itself would say: the same bodies sent straight to the gov simulator.
	client, err := atlasclient.New(atlasclient.Config{BaseURL: gov.http.URL, Credentials: atlasclient.Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	body := func(provider, region, size string) map[string]any {
		return map[string]any{"name": "direct", "clusterType": "REPLICASET", "replicationSpecs": []any{map[string]any{"regionConfigs": []any{map[string]any{
			"providerName": provider, "regionName": region, "priority": 7, "electableSpecs": map[string]any{"instanceSize": size, "nodeCount": 3}}}}}}
	}
	for _, b := range []map[string]any{body("AWS", "US_GOV_WEST_1", "M10"), body("AZURE", "US_GOV_VIRGINIA", "M30")} {
		_, err := client.Do(context.Background(), &atlasclient.Request{Method: http.MethodPost, Template: "/groups/{groupId}/clusters", Params: map[string]string{"groupId": atlassim.DemoGovProjectID}, Body: b}, nil)
		var api *atlasclient.APIError
		if !errors.As(err, &api) || api.Status != 400 {
			t.Errorf("simulator accepted a body Atlas for Government refuses: %v", err)
		}
	}

	// A valid gov cluster: M30 on AWS GovCloud in a gov-regions project.
	res := call(t, c, "atlas-create-cluster", `{"projectId":"`+atlassim.DemoGovProjectID+`","clusterName":"gov-m30","providerName":"AWS","regionName":"US_GOV_WEST_1","instanceSize":"M30","wait":true}`)
	if res.IsError || !strings.Contains(resultText(res), "IDLE") {
		t.Fatalf("M30 on AWS gov: %s", resultText(res))
	}
	res = call(t, c, "atlas-create-project", `{"name":"gov-only","regionUsageRestrictions":"GOV_REGIONS_ONLY"}`)
	if res.IsError {
		t.Fatalf("gov project: %s", resultText(res))
	}

	// The same M10 is fine in commercial Atlas.
	com := newHarness(t, harnessOpts{})
	res = call(t, com.client(t), "atlas-create-cluster", `{"clusterName":"small","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`)
	if res.IsError {
		t.Fatalf("commercial M10: %s", resultText(res))
	}
}
