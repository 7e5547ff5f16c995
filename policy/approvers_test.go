package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

const approversPolicy = `
agents:
  bot:
    tokenSha256: %BOT%
    grants: [{area: '*', access: [read, write]}]
approvers:
  alice:
    tokenSha256: %ALICE%
    areas: [clusters]
  bob:
    tokenEnv: ATLAS_MCP_CAROL_TOKEN
    projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
    tools: ["atlas-delete-*"]
confirm:
  withoutElicitation: approval
  approvalWait: 2m
  approvalTTL: 30m
  rules:
    - tool: atlas-delete-cluster
      projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
      approvals: 2
      reason: production
    - tool: atlas-create-db-user
      approval: console
freezes:
  - from: 2026-03-01T00:00:00Z
    until: 2026-03-02T00:00:00Z
    tools: [atlas-create-cluster]
    action: refuse
    reason: year-end
  - from: 2026-03-01T00:00:00Z
    until: 2026-03-02T00:00:00Z
    tools: [atlas-update-cluster]
    approvals: 2
`

func approversSrc() string {
	return strings.NewReplacer("%BOT%", sha("bot-token-0123456789"), "%ALICE%", sha("alice-token-0123456789")).Replace(approversPolicy)
}

func TestApproversParse(t *testing.T) {
	p := mustParse(t, approversSrc(), testOpts())
	if p.WithoutElicitation() != ConfirmApproval || p.ApprovalWait().String() != "2m0s" || p.ApprovalTTL().String() != "30m0s" {
		t.Fatalf("mode %q wait %s ttl %s", p.WithoutElicitation(), p.ApprovalWait(), p.ApprovalTTL())
	}
	if !p.UsesApprovals() || len(p.Approvers()) != 2 {
		t.Fatalf("approvers: %v", p.Approvers())
	}
	if a := p.ApproverByToken("alice-token-0123456789"); a == nil || a.Name != "alice" {
		t.Fatalf("alice by token: %v", a)
	}
	if a := p.ApproverByToken("carol-token-0123456789"); a == nil || a.Name != "bob" {
		t.Fatalf("bob by tokenEnv: %v", a)
	}
	// An agent's credential never authenticates an approver.
	if a := p.ApproverByToken("bot-token-0123456789"); a != nil {
		t.Fatalf("agent token authenticated approver %s", a.Name)
	}
	alice, bob := p.ApproverByToken("alice-token-0123456789"), p.ApproverByToken("carol-token-0123456789")
	scopes := []struct {
		a       *Approver
		area    Area
		project string
		tool    string
		want    bool
	}{
		{alice, AreaClusters, proj2, "atlas-delete-cluster", true},
		{alice, AreaDatabaseUsers, proj1, "atlas-delete-db-user", false},
		{bob, AreaDatabaseUsers, proj1, "atlas-delete-db-user", true},
		{bob, AreaClusters, proj2, "atlas-delete-cluster", false},
		{bob, AreaClusters, proj1, "atlas-create-cluster", false},
		{bob, AreaAPIKeys, "", "atlas-delete-api-key", false},
	}
	for _, s := range scopes {
		if got := s.a.MayApprove(s.area, s.project, s.tool); got != s.want {
			t.Errorf("%s may approve %s %s %s = %v, want %v", s.a.Name, s.area, s.project, s.tool, got, s.want)
		}
	}
}

func TestApprovalRules(t *testing.T) {
	p := mustParse(t, approversSrc(), testOpts())
	bot := p.Agent("bot")
	tests := []struct {
		name      string
		tool      string
		project   string
		allow     bool
		approvals int
		via       string
		why       string
	}{
		{"two-person rule in production", "atlas-delete-cluster", proj1, true, 2, "", "production: atlas-delete-cluster needs 2 distinct approvers"},
		{"one person elsewhere", "atlas-delete-cluster", proj2, true, 1, "", "destructive"},
		{"console only", "atlas-create-db-user", proj1, true, 1, "console", "needs a person's approval"},
		{"freeze refuses", "atlas-create-cluster", proj1, false, 0, "", ""},
		{"freeze asks for two", "atlas-update-cluster", proj1, true, 2, "console", "change freeze freezes[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(bot, Call{Tool: tool(t, tt.tool), ProjectID: tt.project, Args: Args{ClusterName: "c"}})
			if d.Allow != tt.allow {
				t.Fatalf("allow = %v (%s)", d.Allow, d.Reason)
			}
			if !tt.allow {
				if !strings.Contains(d.Reason, "change freeze") || !strings.Contains(d.Reason, "year-end") {
					t.Fatalf("reason %q", d.Reason)
				}
				return
			}
			if !d.Confirm || d.Approvals != tt.approvals || d.ApprovalVia != tt.via || !strings.Contains(d.ConfirmWhy, tt.why) {
				t.Fatalf("confirm %v approvals %d via %q why %q", d.Confirm, d.Approvals, d.ApprovalVia, d.ConfirmWhy)
			}
		})
	}
}

func TestApproversParseErrors(t *testing.T) {
	base := "agents:\n  bot:\n    tokenSha256: " + sha("bot-token-0123456789") + "\n    grants: [{area: '*', access: [read]}]\n"
	tests := []struct{ name, src, want string }{
		{"approval mode without approvers", base + "confirm:\n  withoutElicitation: approval\n", "needs at least one approver"},
		{"agent token as approver", base + "approvers:\n  pat:\n    tokenSha256: " + sha("bot-token-0123456789") + "\n", "same token as agent \"bot\""},
		{"approver named like an agent", base + "approvers:\n  bot:\n    tokenSha256: " + sha("x") + "\n", "has the name of an agent"},
		{"no credential", base + "approvers:\n  pat:\n    areas: [clusters]\n", "has no credential"},
		{"too many approvers asked", base + "approvers:\n  pat:\n    tokenSha256: " + sha("x") + "\nconfirm:\n  rules:\n    - tool: atlas-delete-cluster\n      approvals: 2\n", "asks for 2 approvers but the policy names only 1"},
		{"bad count", base + "approvers:\n  pat:\n    tokenSha256: " + sha("x") + "\nconfirm:\n  rules:\n    - tool: atlas-delete-cluster\n      approvals: many\n", "whole number from 1 to 5"},
		{"bad freeze", base + "freezes:\n  - from: tomorrow\n    until: 2026-01-01T00:00:00Z\n", "RFC 3339"},
		{"bad area", base + "approvers:\n  pat:\n    tokenSha256: " + sha("x") + "\n    areas: [cluster]\n", "unknown area \"cluster\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "test.yaml", testOpts())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
