package tools

import (
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestAPIKeyToolsPrepare(t *testing.T) {
	runPrepCases(t, listAPIKeys(), []prepCase{
		{name: "default org", args: `{}`, check: func(t *testing.T, c *Call) {
			if c.Facts.OrgID != testOrgID {
				t.Errorf("Facts.OrgID = %q", c.Facts.OrgID)
			}
		}},
		{name: "bad org", args: `{"orgId":"org"}`, field: "orgId"},
	})
	runPrepCases(t, createAPIKey(), []prepCase{
		{name: "read-only key", args: `{"desc":"CI reader","roles":["ORG_READ_ONLY"]}`, check: func(t *testing.T, c *Call) {
			if f := planOf(t, c).Facts; strings.Join(f.APIKeyRoles, ",") != "ORG_READ_ONLY" || f.OrgID != testOrgID {
				t.Errorf("facts = %+v", f)
			}
			mustContain(t, "plan", planJSON(t, c), `"body":{"desc":"CI reader","roles":["ORG_READ_ONLY"]}`, "/orgs/"+testOrgID+"/apiKeys")
		}},
		{name: "two roles", args: `{"desc":"d","roles":["ORG_MEMBER","ORG_BILLING_READ_ONLY"]}`},
		{name: "no desc", args: `{"roles":["ORG_READ_ONLY"]}`, field: "desc"},
		{name: "desc too long", args: `{"desc":"` + strings.Repeat("d", 251) + `","roles":["ORG_READ_ONLY"]}`, field: "desc"},
		{name: "no roles", args: `{"desc":"d"}`, field: "roles"},
		{name: "project role", args: `{"desc":"d","roles":["GROUP_OWNER"]}`, field: "roles[0]"},
		{name: "role object instead of name", args: `{"desc":"d","roles":[{"roleName":"ORG_OWNER"}]}`, field: "roles[0]"},
		{name: "repeated role", args: `{"desc":"d","roles":["ORG_MEMBER","ORG_MEMBER"]}`, field: "roles[1]"},
	})
	runPrepCases(t, deleteAPIKey(), []prepCase{
		{name: "maps apiKeyId to apiUserId", args: `{"apiKeyId":"` + testHexID + `"}`, check: func(t *testing.T, c *Call) {
			res, err := offlineEnv(t, false).Client.Resolve(c.Input.(*DeleteAPIKeyInput).request())
			if err != nil || res.Method != "DELETE" || !strings.HasSuffix(res.Path, "/orgs/"+testOrgID+"/apiKeys/"+testHexID) {
				t.Errorf("request = %+v, %v", res, err)
			}
		}},
		{name: "public key instead of id", args: `{"apiKeyId":"abcdefgh"}`, field: "apiKeyId"},
		{name: "Atlas's name is not ours", args: `{"apiUserId":"` + testHexID + `"}`, field: "apiUserId"},
	})
}

func TestAPIKeyToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listAPIKeys(), `{"verbose":true}`)
	keys := structured[*ListOutput[APIKey]](t, r)
	if keys.TotalCount != 1 || keys.Results[0].PublicKey != atlassim.DemoReadOnlyPublicKey || len(keys.Raw) != 1 {
		t.Fatalf("keys = %+v", keys)
	}
	mustNotContain(t, "list", resultJSON(t, r), "privateKey", atlassim.DemoReadOnlyPrivateKey)

	r = mustRun(t, env, createAPIKey(), `{"desc":"nightly export","roles":["ORG_READ_ONLY","ORG_BILLING_READ_ONLY"]}`)
	out := structured[*CreateAPIKeyOutput](t, r)
	if out.PrivateKey == "" || out.APIKey.ID == "" || out.APIKey.PublicKey == "" {
		t.Fatalf("created key = %+v", out)
	}
	mustContain(t, "summary", r.Summary, out.PrivateKey, "will not be shown again", "store it")
	mustNotContain(t, "data", r.Data, out.PrivateKey)
	if got := strings.Join(out.APIKey.Roles, ","); !strings.Contains(got, "ORG_READ_ONLY") || !strings.Contains(got, "ORG_BILLING_READ_ONLY") {
		t.Errorf("roles = %s", got)
	}

	r = mustRun(t, env, listAPIKeys(), `{"verbose":true}`)
	if n := structured[*ListOutput[APIKey]](t, r).TotalCount; n != 2 {
		t.Errorf("after create: %d keys", n)
	}
	mustNotContain(t, "list after create", resultJSON(t, r)+r.Data, out.PrivateKey)

	dc, conf := confirm(t, env, deleteAPIKey(), `{"apiKeyId":"`+out.APIKey.ID+`"}`)
	mustContain(t, "confirmation", conf.Render.Text(), out.APIKey.ID, out.APIKey.PublicKey, "nightly export", "role ORG_READ_ONLY", "role ORG_BILLING_READ_ONLY", atlassim.DemoOrgID, "cannot be undone")
	if _, err := dc.Execute(t.Context(), conf); err != nil {
		t.Fatal(err)
	}
	if !sent(sim, "DELETE", "/apiKeys/"+out.APIKey.ID) {
		t.Error("no DELETE reached the simulator")
	}
	if n := structured[*ListOutput[APIKey]](t, mustRun(t, env, listAPIKeys(), `{}`)).TotalCount; n != 1 {
		t.Errorf("after delete: %d keys", n)
	}
}
