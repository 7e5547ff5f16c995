package policy

import (
	"strings"
	"testing"
	"time"
)

func TestConfirmation(t *testing.T) {
	all := "agents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n"
	tests := []struct {
		name    string
		src     string
		tool    string
		args    Args
		confirm bool
		rule    string
		why     string
	}{
		{"destructive", all, "atlas-delete-cluster", Args{ClusterName: "x"}, true, ruleConfirmDestroy, "atlas-delete-cluster is destructive"},
		{"destructive restore", all, "atlas-create-restore-job", Args{}, true, ruleConfirmDestroy, "destructive"},
		{"api key by default", all, "atlas-create-api-key", Args{}, true, ruleConfirmTools, "creates an Atlas credential"},
		{"plain write", all, "atlas-create-cluster", Args{}, false, "", ""},
		{"read", all, "atlas-list-clusters", Args{}, false, "", ""},
		{"narrow v4 entry", all, "atlas-create-access-list", entries("203.0.113.0/24"), false, "", ""},
		{"wide v4 entry", all, "atlas-create-access-list", entries("203.0.112.0/23"), true, ruleConfirmWideEntry, "access list entry 203.0.112.0/23 opens 512 IPv4 addresses, more than the 256 (one /24) a call may open without confirmation (default.confirm.wideAccessList)"},
		{"narrow v6 entry", all, "atlas-create-access-list", entries("2001:db8:1:2::/64"), false, "", ""},
		{"wide v6 entry", all, "atlas-create-access-list", entries("2001:db8::/48"), true, ruleConfirmWideEntry, "2001:db8::/48"},
		{"several wide entries", all, "atlas-create-access-list", entries("10.0.0.0/16", "203.0.113.7", "10.2.0.0/16"), true, ruleConfirmWideEntry, "entries 10.0.0.0/16, 203.0.113.7/32, 10.2.0.0/16 together open 131,073 IPv4 addresses"},
		{"confirm.tools adds", all + "confirm:\n  tools: [atlas-create-db-user]\n", "atlas-create-db-user", Args{}, true, "confirm.tools[0]", "the policy lists atlas-create-db-user for confirmation (confirm.tools[0] (test.yaml:5))"},
		{"confirm.tools pattern", all + "confirm:\n  tools: [\"atlas-create-*\"]\n", "atlas-create-cluster", Args{}, true, "confirm.tools[0]", ""},
		{"confirm.skip removes api key", all + "confirm:\n  skip: [atlas-create-api-key]\n", "atlas-create-api-key", Args{}, false, "", ""},
		{"confirm.skip removes wide entry", all + "confirm:\n  skip: [atlas-create-access-list]\n", "atlas-create-access-list", entries("10.0.0.0/8"), false, "", ""},
		{"skip leaves the others", all + "confirm:\n  skip: [atlas-create-api-key]\n", "atlas-delete-cluster", Args{}, true, ruleConfirmDestroy, ""},
		{"destructive and listed", all + "confirm:\n  tools: [atlas-delete-cluster]\n", "atlas-delete-cluster", Args{}, true, ruleConfirmDestroy, "is destructive (default.confirm.destructive); the policy lists atlas-delete-cluster"},
		{"deleting a wide entry is destructive, not wide", all, "atlas-delete-access-list", entries("10.0.0.0/8"), true, ruleConfirmDestroy, "destructive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.src, testOpts())
			c := Call{Tool: tool(t, tt.tool), ProjectID: proj1, Args: tt.args}
			if tt.tool == "atlas-create-api-key" {
				c.ProjectID, c.OrgID = "", org1
			}
			d := p.Decide(p.Agents()[0], c)
			if !d.Allow {
				t.Fatalf("denied: %s", d.Reason)
			}
			if d.Confirm != tt.confirm || d.ConfirmRule != tt.rule {
				t.Errorf("Confirm=%v rule=%q, want %v %q (%s)", d.Confirm, d.ConfirmRule, tt.confirm, tt.rule, d.ConfirmWhy)
			}
			if !strings.Contains(d.ConfirmWhy, tt.why) {
				t.Errorf("ConfirmWhy %q lacks %q", d.ConfirmWhy, tt.why)
			}
			if !tt.confirm && d.ConfirmWhy != "" {
				t.Errorf("ConfirmWhy set without Confirm: %q", d.ConfirmWhy)
			}
		})
	}
}

func TestConfirmModeDefaults(t *testing.T) {
	p := mustParse(t, "agents:\n  a: {}\n", testOpts())
	if p.WithoutElicitation() != ConfirmRefuse || p.TokenTTL() != 5*time.Minute {
		t.Errorf("defaults: %q %v", p.WithoutElicitation(), p.TokenTTL())
	}
	p = mustParse(t, "agents:\n  a: {}\nconfirm:\n  withoutElicitation: token\n  tokenTTL: 90s\n", testOpts())
	if p.WithoutElicitation() != ConfirmToken || p.TokenTTL() != 90*time.Second {
		t.Errorf("set: %q %v", p.WithoutElicitation(), p.TokenTTL())
	}
}
