package policy

import (
	"strings"
	"testing"
)

const rolesPolicy = `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
constraints:
  databaseUsers:
    deniedRoles: [atlasAdmin, "readWrite@secrets", "dbAdmin@*"]
    allowedRoles: ["read", "read?ny*", "readWrite@app", "readWrite@app_*", "clusterMonitor"]
  apiKeys:
    deniedRoles: [ORG_BILLING_ADMIN, "group_*_admin"]
    allowedRoles: [ORG_READ_ONLY, org_member, GROUP_READ_ONLY]
`

// TestRoleSpellings: roles compare case-insensitively after trimming, may
// name their database, and a role that includes a denied one is denied.
func TestRoleSpellings(t *testing.T) {
	p := mustParse(t, rolesPolicy, testOpts())
	a := p.Agents()[0]
	const (
		denied0 = "constraints.databaseUsers.deniedRoles[0]"
		denied1 = "constraints.databaseUsers.deniedRoles[1]"
		denied2 = "constraints.databaseUsers.deniedRoles[2]"
		allowed = "constraints.databaseUsers.allowedRoles"
	)
	tests := []struct {
		name   string
		roles  []Role
		allow  bool
		rule   string
		reason string
	}{
		{"canonical atlasAdmin", roles("atlasAdmin"), false, denied0, "database user role atlasAdmin@admin is denied by this policy (atlasAdmin)"},
		{"capitalised", roles("AtlasAdmin"), false, denied0, ""},
		{"trailing space", roles("atlasAdmin "), false, denied0, ""},
		{"upper case", roles("ATLASADMIN"), false, denied0, ""},
		{"allowed on its database", roles("readWrite@app"), true, "", ""},
		{"database case folded", roles("ReadWrite@APP"), true, "", ""},
		{"database pattern", roles("readWrite@app_eu"), true, "", ""},
		{"collection inside an allowed database", []Role{{Name: "readWrite", Database: "app", Collection: "orders"}}, true, "", ""},
		{"wrong database", roles("readWrite@billing"), false, allowed, "database user role readWrite@billing is not allowed by this policy; allowed: read, read?ny*, readWrite@app, readWrite@app_*, clusterMonitor"},
		{"denied database", roles("readWrite@secrets"), false, denied1, ""},
		{"denied database, other case", roles("READWRITE@Secrets"), false, denied1, ""},
		{"unknown database is assumed the denied one", []Role{{Name: "readWrite"}}, false, denied1, ""},
		{"unknown database is not an allowed one", []Role{{Name: "clusterMonitor"}, {Name: "readWrite", Database: ""}}, false, denied1, ""},
		{"any-database role reaches a denied database", roles("readWriteAnyDatabase"), false, denied1, "readWriteAnyDatabase@admin is denied by this policy (readWrite@secrets)"},
		{"any-database role spelled oddly", roles(" readwriteanydatabase"), false, denied1, ""},
		{"read-only any database is allowed by a pattern", roles("readAnyDatabase"), true, "", ""},
		{"dbAdmin anywhere is denied", roles("dbAdmin@app"), false, denied2, ""},
		{"dbAdminAnyDatabase includes dbAdmin", roles("dbAdminAnyDatabase"), false, denied2, ""},
		{"cluster role without database", roles("clusterMonitor"), true, "", ""},
		{"one bad role among good ones", roles("read@app", "readWrite@app", "AtlasAdmin"), false, denied0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(a, Call{Tool: tool(t, "atlas-create-db-user"), ProjectID: proj1, Args: Args{DBRoles: tt.roles}})
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if !tt.allow && (d.Rule != tt.rule || !strings.Contains(d.Reason, tt.reason)) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Reason, tt.rule, tt.reason)
			}
		})
	}
}

func TestAPIKeyRoleSpellings(t *testing.T) {
	p := mustParse(t, rolesPolicy, testOpts())
	a := p.Agents()[0]
	tests := []struct {
		roles []string
		allow bool
		rule  string
	}{
		{[]string{"ORG_READ_ONLY"}, true, ""},
		{[]string{"org_read_only"}, true, ""},
		{[]string{" ORG_MEMBER "}, true, ""},
		{[]string{"group_read_only"}, true, ""},
		{[]string{"ORG_billing_admin"}, false, "constraints.apiKeys.deniedRoles[0]"},
		{[]string{"ORG_READ_ONLY", "ORG_OWNER"}, false, "constraints.apiKeys.deniedRoles[0]"}, // the owner includes the denied role
		{[]string{"Group_Cluster_Admin"}, false, "constraints.apiKeys.deniedRoles[1]"},
		{[]string{"GROUP_OWNER"}, false, "constraints.apiKeys.deniedRoles[1]"},
		{[]string{"ORG_GROUP_CREATOR"}, false, "constraints.apiKeys.allowedRoles"},
	}
	for _, tt := range tests {
		d := p.Decide(a, Call{Tool: tool(t, "atlas-create-api-key"), OrgID: org1, Args: Args{APIKeyRoles: tt.roles}})
		if d.Allow != tt.allow || (!tt.allow && d.Rule != tt.rule) {
			t.Errorf("%v: %v %s %q, want %v %s", tt.roles, d.Allow, d.Rule, d.Reason, tt.allow, tt.rule)
		}
	}
}

func TestRoleParseErrors(t *testing.T) {
	for _, tt := range []struct{ area, src, want string }{
		{"databaseUsers", `allowedRoles: ["readAnyDatabase@admin"]`, "readAnyDatabase applies to every database, so it cannot be limited to one; write readAnyDatabase alone"},
		{"databaseUsers", `deniedRoles: ["AtlasAdmin@app"]`, "applies to every database"},
		{"databaseUsers", `allowedRoles: ["read@"]`, "names no database after '@'"},
		{"databaseUsers", `allowedRoles: ["@app"]`, "names no role"},
		{"databaseUsers", `deniedRoles: ["read@[app"]`, "is not a valid pattern"},
		{"apiKeys", `allowedRoles: ["ORG_READ_ONLY@app"]`, "API key roles have no database"},
		{"apiKeys", `deniedRoles: [PROJECT_OWNER]`, "is not an API key role"},
	} {
		src := "agents:\n  a:\n    constraints:\n      " + tt.area + ":\n        " + tt.src + "\n"
		_, err := Parse([]byte(src), "test.yaml", testOpts())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.src, err, tt.want)
		}
	}
	// "role@*" is the same as the role alone, so it may name any-database roles.
	if _, err := Parse([]byte("agents:\n  a:\n    constraints:\n      databaseUsers:\n        deniedRoles: [\"atlasAdmin@*\"]\n"), "t.yaml", testOpts()); err != nil {
		t.Error(err)
	}
}
