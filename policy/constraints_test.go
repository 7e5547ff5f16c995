package policy

import (
	"strings"
	"testing"
	"time"
)

const constraintsPolicy = `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      networkAccess:
        deniedCidrs: ["10.99.0.0/16"]
      clusters:
        maxInstanceSize: M10
  b:
    grants: [{area: "*", access: [read, write]}]
constraints:
  networkAccess:
    allowedCidrs: ["10.0.0.0/8", "2001:db8::/32"]
    deniedCidrs: ["10.66.0.0/16"]
    maxLifetime: 24h
  clusters:
    maxInstanceSize: M30
    allowedProviders: [AWS, TENANT]
    allowedRegions: ["US_*", EU_WEST_1]
    protectedNames: ["prod-*"]
  databaseUsers:
    allowedRoles: [readWrite, "read*"]
    deniedRoles: [atlasAdmin]
  apiKeys:
    allowedRoles: [ORG_READ_ONLY, ORG_MEMBER]
`

func entries(cidrs ...string) Args {
	var a Args
	for _, c := range cidrs {
		a.AccessEntries = append(a.AccessEntries, AccessEntry{CIDR: c, Comment: "office"})
	}
	return a
}

// roles are database user roles on admin, written role or role@db.
func roles(names ...string) []Role {
	var out []Role
	for _, n := range names {
		name, db, ok := strings.Cut(n, "@")
		if !ok {
			db = "admin"
		}
		out = append(out, Role{Name: name, Database: db})
	}
	return out
}

func TestConstraints(t *testing.T) {
	p := mustParse(t, constraintsPolicy, testOpts())
	cluster := func(size, provider, region string) Args {
		return Args{ClusterName: "test-1", InstanceSizes: []string{size}, Providers: []string{provider}, Regions: []string{region}}
	}
	tests := []struct {
		name   string
		agent  string
		tool   string
		args   Args
		allow  bool
		rule   string
		line   int
		reason string
	}{
		// networkAccess
		{"inside allowed", "b", "atlas-create-access-list", entries("10.1.0.0/16"), true, "", 0, ""},
		{"bare address form", "b", "atlas-create-access-list", entries("10.1.2.3"), true, "", 0, ""},
		{"inside a denied range", "b", "atlas-create-access-list", entries("10.66.1.0/24"), false, "constraints.networkAccess.deniedCidrs[0]", 14, "overlaps 10.66.0.0/16"},
		{"wider range overlapping a denied one", "b", "atlas-create-access-list", entries("8.0.0.0/5"), false, "constraints.networkAccess.deniedCidrs[0]", 14, "overlaps"},
		{"outside allowed", "b", "atlas-create-access-list", entries("192.168.1.1/32"), false, "constraints.networkAccess.allowedCidrs", 13, "not inside the ranges this policy allows (10.0.0.0/8, 2001:db8::/32)"},
		{"ipv6 inside", "b", "atlas-create-access-list", entries("2001:db8::1/128"), true, "", 0, ""},
		{"ipv6 outside", "b", "atlas-create-access-list", entries("2001:db9::/32"), false, "constraints.networkAccess.allowedCidrs", 13, ""},
		{"wider than an allowed range", "b", "atlas-create-access-list", entries("2001:db8::/31"), false, "constraints.networkAccess.allowedCidrs", 13, ""},
		{"whole internet v4", "b", "atlas-create-access-list", entries("0.0.0.0/0"), false, ruleDefaultNetDeny, 0, "every address on the internet"},
		{"whole internet v6", "b", "atlas-create-access-list", entries("::/0"), false, ruleDefaultNetDeny, 0, ""},
		{"whole internet as mapped v6", "b", "atlas-create-access-list", entries("::ffff:0.0.0.0/96"), false, ruleDefaultNetDeny, 0, ""},
		{"mapped v6 host inside allowed", "b", "atlas-create-access-list", entries("::ffff:10.1.2.3"), true, "", 0, ""},
		{"agent's own denied range", "a", "atlas-create-access-list", entries("10.99.1.1"), false, "agents.a.constraints.networkAccess.deniedCidrs[0]", 6, ""},
		{"second entry refused", "b", "atlas-create-access-list", entries("10.1.0.0/16", "172.16.0.0/12"), false, "constraints.networkAccess.allowedCidrs", 13, "172.16.0.0/12"},
		{"garbage entry", "b", "atlas-create-access-list", entries("10.1.0.0/99"), false, ruleBadCall, 0, "is not a CIDR block"},
		{"deleting is not constrained", "b", "atlas-delete-access-list", entries("0.0.0.0/0"), true, "", 0, ""},
		{"no comment, no expiry", "b", "atlas-create-access-list",
			Args{AccessEntries: []AccessEntry{{CIDR: "10.1.1.1/32"}}}, false, "constraints.networkAccess.maxLifetime", 15, "no later than 24h0m0s from now (2026-03-02T12:00:00Z)"},
		{"blank comment counts as none", "b", "atlas-create-access-list",
			Args{AccessEntries: []AccessEntry{{CIDR: "10.1.1.1/32", Comment: "  "}}}, false, "constraints.networkAccess.maxLifetime", 15, ""},
		{"no comment, expires in time", "b", "atlas-create-access-list",
			Args{AccessEntries: []AccessEntry{{CIDR: "10.1.1.1/32", DeleteAfter: timePtr(fixedNow.Add(23 * time.Hour))}}}, true, "", 0, ""},
		{"no comment, expires exactly at the limit", "b", "atlas-create-access-list",
			Args{AccessEntries: []AccessEntry{{CIDR: "10.1.1.1/32", DeleteAfter: timePtr(fixedNow.Add(24 * time.Hour))}}}, true, "", 0, ""},
		{"no comment, expires too late", "b", "atlas-create-access-list",
			Args{AccessEntries: []AccessEntry{{CIDR: "10.1.1.1/32", DeleteAfter: timePtr(fixedNow.Add(25 * time.Hour))}}}, false, "constraints.networkAccess.maxLifetime", 15, "expires at 2026-03-02T13:00:00Z"},

		// clusters
		{"within limits", "b", "atlas-create-cluster", cluster("M30", "AWS", "US_EAST_1"), true, "", 0, ""},
		{"case-insensitive values", "b", "atlas-create-cluster", cluster("m20", "aws", "us_west_2"), true, "", 0, ""},
		{"shared tier", "b", "atlas-create-cluster", cluster("M0", "TENANT", "US_EAST_1"), true, "", 0, ""},
		{"flex counts as smallest", "b", "atlas-create-cluster", cluster("FLEX", "AWS", "EU_WEST_1"), true, "", 0, ""},
		{"too big", "b", "atlas-create-cluster", cluster("M40", "AWS", "US_EAST_1"), false, "constraints.clusters.maxInstanceSize", 17, "instance size M40 is larger than this policy allows (at most M30); choose M30 or smaller"},
		{"low-cpu tier by number", "b", "atlas-create-cluster", cluster("R40", "AWS", "US_EAST_1"), false, "constraints.clusters.maxInstanceSize", 17, ""},
		{"nvme tier by number", "b", "atlas-create-cluster", cluster("M40_NVME", "AWS", "US_EAST_1"), false, "constraints.clusters.maxInstanceSize", 17, ""},
		{"unreadable size fails closed", "b", "atlas-create-cluster", cluster("XL", "AWS", "US_EAST_1"), false, "constraints.clusters.maxInstanceSize", 17, "is not one the policy can compare"},
		{"agent's narrower limit", "a", "atlas-create-cluster", cluster("M20", "AWS", "US_EAST_1"), false, "agents.a.constraints.clusters.maxInstanceSize", 8, "at most M10"},
		{"update is checked too", "b", "atlas-update-cluster", Args{ClusterName: "test-1", InstanceSizes: []string{"M50"}}, false, "constraints.clusters.maxInstanceSize", 17, ""},
		{"provider", "b", "atlas-create-cluster", cluster("M10", "GCP", "US_EAST_1"), false, "constraints.clusters.allowedProviders", 18, "use AWS or TENANT"},
		{"region", "b", "atlas-create-cluster", cluster("M10", "AWS", "EU_CENTRAL_1"), false, "constraints.clusters.allowedRegions", 19, "region EU_CENTRAL_1 is not allowed"},
		{"updating a protected cluster is fine by default", "b", "atlas-update-cluster", Args{ClusterName: "prod-1", InstanceSizes: []string{"M30"}}, true, "", 0, ""},
		{"deleting a protected cluster", "b", "atlas-delete-cluster", Args{ClusterName: "prod-1"}, false, "constraints.clusters.protectedNames[0]", 20, "cluster prod-1 is protected"},
		{"protection ignores case", "b", "atlas-delete-cluster", Args{ClusterName: "Prod-EU"}, false, "constraints.clusters.protectedNames[0]", 20, ""},
		{"restoring over a protected cluster", "b", "atlas-create-restore-job", Args{ClusterName: "prod-1"}, false, "constraints.clusters.protectedNames[0]", 20, ""},
		{"deleting another cluster", "b", "atlas-delete-cluster", Args{ClusterName: "staging-1", InstanceSizes: []string{"M200"}}, true, "", 0, ""},

		// databaseUsers
		{"allowed roles", "b", "atlas-create-db-user", Args{DBRoles: roles("readWrite", "read")}, true, "", 0, ""},
		{"role by pattern", "b", "atlas-create-db-user", Args{DBRoles: roles("readAnyDatabase")}, true, "", 0, ""},
		{"denied role", "b", "atlas-create-db-user", Args{DBRoles: roles("read", "atlasAdmin")}, false, "constraints.databaseUsers.deniedRoles[0]", 23, "database user role atlasAdmin@admin is denied"},
		{"role not allowed", "b", "atlas-create-db-user", Args{DBRoles: roles("dbAdmin")}, false, "constraints.databaseUsers.allowedRoles", 22, "allowed: readWrite, read*"},

		// apiKeys
		{"api key role allowed", "b", "atlas-create-api-key", Args{APIKeyRoles: []string{"ORG_READ_ONLY"}}, true, "", 0, ""},
		{"api key role refused", "b", "atlas-create-api-key", Args{APIKeyRoles: []string{"ORG_MEMBER", "ORG_OWNER"}}, false, "constraints.apiKeys.allowedRoles", 25, "API key role ORG_OWNER is not allowed"},

		// reads are never constrained
		{"read with odd args", "b", "atlas-list-clusters", cluster("M400", "GCP", "MARS_1"), true, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Call{Tool: tool(t, tt.tool), ProjectID: proj1, Args: tt.args}
			if tt.tool == "atlas-create-api-key" {
				c.ProjectID, c.OrgID = "", org1
			}
			d := p.Decide(mustAgent(t, p, tt.agent), c)
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if tt.allow {
				return
			}
			if d.Rule != tt.rule || d.Line != tt.line {
				t.Errorf("rule %s line %d, want %s line %d (%s)", d.Rule, d.Line, tt.rule, tt.line, d.Reason)
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", d.Reason, tt.reason)
			}
		})
	}
}

func TestConstraintLinesPointAtTheRule(t *testing.T) {
	lines := strings.Split(strings.TrimPrefix(constraintsPolicy, "\n"), "\n")
	for line, want := range map[int]string{
		6: `deniedCidrs: ["10.99.0.0/16"]`, 8: "maxInstanceSize: M10", 13: "allowedCidrs:", 14: "deniedCidrs:",
		15: "maxLifetime: 24h", 17: "maxInstanceSize: M30", 18: "allowedProviders:", 19: "allowedRegions:",
		20: "protectedNames:", 22: "allowedRoles: [readWrite", 23: "deniedRoles: [atlasAdmin]", 25: "allowedRoles: [ORG_READ_ONLY",
	} {
		if got := strings.TrimSpace(lines[line-1]); !strings.HasPrefix(got, want) {
			t.Errorf("line %d is %q, want %q…", line, got, want)
		}
	}
}

func TestProtectUpdates(t *testing.T) {
	p := mustParse(t, `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      clusters:
        protectedNames: ["prod-*", "billing"]
        protectUpdates: true
`, testOpts())
	a := p.Agents()[0]
	tests := []struct {
		tool, cluster string
		allow         bool
	}{
		{"atlas-update-cluster", "prod-1", false},
		{"atlas-create-cluster", "prod-2", false},
		{"atlas-update-cluster", "billing", false},
		{"atlas-update-cluster", "billing-2", true},
		{"atlas-delete-cluster", "prod-1", false},
		{"atlas-update-cluster", "staging", true},
		{"atlas-create-snapshot", "prod-1", true}, // a snapshot changes no cluster
		{"atlas-get-cluster", "prod-1", true},
	}
	for _, tt := range tests {
		d := p.Decide(a, Call{Tool: tool(t, tt.tool), ProjectID: proj1, Args: Args{ClusterName: tt.cluster}})
		if d.Allow != tt.allow {
			t.Errorf("%s %s: Allow = %v, want %v (%s)", tt.tool, tt.cluster, d.Allow, tt.allow, d.Reason)
		}
		if !tt.allow && !strings.HasPrefix(d.Rule, "agents.a.constraints.clusters.protectedNames[") {
			t.Errorf("%s %s: rule %s", tt.tool, tt.cluster, d.Rule)
		}
	}
}

func TestAllowAnywhere(t *testing.T) {
	p := mustParse(t, `
agents:
  open:
    grants: [{area: networkAccess, access: [read, write]}]
    constraints:
      networkAccess:
        allowAnywhere: true
  closed:
    grants: [{area: networkAccess, access: [read, write]}]
`, testOpts())
	call := Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: entries("0.0.0.0/0")}
	d := p.Decide(mustAgent(t, p, "open"), call)
	if !d.Allow || !d.Confirm || !strings.Contains(d.ConfirmWhy, "access list entry 0.0.0.0/0 opens 4,294,967,296 IPv4 addresses (the whole IPv4 internet)") {
		t.Errorf("open: %+v", d)
	}
	if d := p.Decide(mustAgent(t, p, "closed"), call); d.Allow || d.Rule != ruleDefaultNetDeny {
		t.Errorf("closed: %+v", d)
	}
}
