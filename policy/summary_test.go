package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	p, err := Load(examplePath("multi-agent.yaml"), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	s := mustAgent(t, p, "bob").Summary()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{
		`"name":"bob"`, `"auth":"tokenSha256"`, `"default":false`,
		`{"rule":"agents.bob.grants[1]","area":"clusters","access":["read"],"projects":["6a1b2c3d4e5f6a7b8c9d0e1f"]}`,
		`{"rule":"deny[0]","tool":"atlas-delete-project","reason":"projects are deleted by the platform team only"}`,
		`{"rule":"agents.bob.deny[0]","tool":"atlas-delete-db-user"`,
		`"networkAccess":{"deniedCidrs":["169.254.0.0/16"]}`,
		`"clusters":{"maxInstanceSize":"M50","protectedNames":["prod-*"],"protectUpdates":true}`,
		`"networkAccess":{"allowedCidrs":["10.0.0.0/8","192.168.0.0/16"],"maxLifetime":"24h0m0s"}`,
		`"databaseUsers":{"allowedRoles":["read","readWrite"]}`,
		`{"rule":"default.networkAccess.deniedCidrs","networkAccess":{"deniedCidrs":["0.0.0.0/0","::/0"]}}`,
		`"confirmation":{"destructive":true,"tools":["atlas-create-api-key","atlas-create-db-user"],"wideAccessList":true,"withoutElicitation":"refuse","tokenTTL":"5m0s"}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("summary lacks %s\n%s", want, js)
		}
	}
	if strings.Contains(js, "97dd3707") {
		t.Error("summary leaks the token hash")
	}
	// deny[1] names only carol: bob must not see it.
	if strings.Contains(js, `"deny[1]"`) {
		t.Error("bob's summary shows a rule for carol")
	}
	if c := mustAgent(t, p, "carol").Summary(); len(c.Denies) != 2 || c.Denies[1].Rule != "deny[1]" {
		t.Errorf("carol's denies = %+v", c.Denies)
	}
}

func TestSummaryDefault(t *testing.T) {
	s := Default(Options{ReadOnly: true}).DefaultAgent().Summary()
	if s.Name != "local" || !s.Default || s.Auth != "none" || !s.ReadOnly || len(s.Grants) != 1 || s.Grants[0].Area != "*" {
		t.Errorf("%+v", s)
	}
	if len(s.Constraints) != 1 || s.Constraints[0].Rule != ruleDefaultNetDeny {
		t.Errorf("constraints %+v", s.Constraints)
	}
	// An Agent made outside the package has no policy: no panic, no grants.
	if s := (&Agent{Name: "x"}).Summary(); len(s.Grants) != 0 {
		t.Errorf("%+v", s)
	}
}

func TestSummaryAllowAnywhereAndSkip(t *testing.T) {
	p := mustParse(t, `
agents:
  a:
    grants: [{area: networkAccess, access: [read, write]}]
constraints:
  networkAccess:
    allowAnywhere: true
confirm:
  skip: [atlas-create-api-key, atlas-create-access-list]
`, testOpts())
	s := p.Agents()[0].Summary()
	for _, c := range s.Constraints {
		if c.Rule == ruleDefaultNetDeny {
			t.Error("allowAnywhere still lists the built-in deny")
		}
	}
	if s.Confirmation.WideAccessList || len(s.Confirmation.Tools) != 0 || len(s.Confirmation.Skip) != 2 {
		t.Errorf("%+v", s.Confirmation)
	}
}
