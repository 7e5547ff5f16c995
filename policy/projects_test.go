package policy

import (
	"strings"
	"testing"
)

const projectsPolicy = `
agents:
  one:
    grants:
      - {area: backups, access: [read, write], projects: [5f1a2b3c4d5e6f7a8b9c0d1e]}
  both:
    grants:
      - {area: backups, access: [read, write], projects: [5f1a2b3c4d5e6f7a8b9c0d1e]}
      - {area: backups, access: [read, write], projects: [6a1b2c3d4e5f6a7b8c9d0e1f]}
    constraints:
      clusters:
        protectedNames: ["prod-*"]
  org:
    grants:
      - {area: backups, access: [read, write], orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
  org-and-target:
    grants:
      - {area: backups, access: [read, write], orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
      - {area: backups, access: [read, write], projects: [6a1b2c3d4e5f6a7b8c9d0e1f]}
  guarded:
    grants: [{area: "*", access: [read, write]}]
    deny:
      - tool: atlas-create-restore-job
        projects: [6a1b2c3d4e5f6a7b8c9d0e1f]
        reason: production restores go through change control
  org-guarded:
    grants: [{area: "*", access: [read, write]}]
    deny:
      - tool: atlas-create-restore-job
        orgs: [7c0a1b2c3d4e5f6a7b8c9d0e]
`

// restore is a restore job from cluster src in proj1 over cluster dst in
// target, as the plan's facts describe it.
func restore(t testing.TB, target, dst string) Call {
	return Call{
		Tool: tool(t, "atlas-create-restore-job"), ProjectID: proj1, OrgID: org1,
		Projects: []string{proj1, target},
		Args: Args{ClusterName: dst, Clusters: []ClusterRef{
			{ProjectID: proj1, Name: "src"}, {ProjectID: target, Name: dst, Overwritten: true},
		}},
	}
}

// TestCrossProjectTargets: a call that touches several projects needs a grant
// in each, and a scoped deny rule on any of them refuses it.
func TestCrossProjectTargets(t *testing.T) {
	p := mustParse(t, projectsPolicy, testOpts())
	bad := restore(t, proj2, "dst")
	bad.Args.Clusters[1].ProjectID = org2 // a project the call does not list
	noPrimary := restore(t, proj2, "dst")
	noPrimary.ProjectID = ""
	malformed := restore(t, "", "dst")
	unlisted := restore(t, proj1, "dst")
	unlisted.Projects = nil // ProjectID alone still counts
	tests := []struct {
		name, agent string
		call        Call
		allow       bool
		rule        string
		reason      string
	}{
		{"same project", "one", restore(t, proj1, "dst"), true, "", ""},
		{"ProjectID counts without Projects", "one", unlisted, true, "", ""},
		{"target without a grant", "one", restore(t, proj2, "dst"), false, ruleNoGrant,
			"atlas-create-restore-job also touches project " + proj2 + " (besides " + proj1 + "), and agent one may write backups only in project " + proj1 + ", not in project " + proj2},
		{"grant in both", "both", restore(t, proj2, "dst"), true, "", ""},
		{"protected target", "both", restore(t, proj2, "Prod-1"), false, "agents.both.constraints.clusters.protectedNames[0]", "cluster Prod-1 is protected"},
		{"protected source is only read", "both", func() Call {
			c := restore(t, proj2, "dst")
			c.Args.Clusters[0].Name = "prod-1"
			return c
		}(), true, "", ""},
		{"org grant does not reach a target of unknown org", "org", restore(t, proj2, "dst"), false, ruleNoGrant, "also touches project " + proj2},
		{"org grant plus a grant naming the target", "org-and-target", restore(t, proj2, "dst"), true, "", ""},
		{"deny rule on the target project", "guarded", restore(t, proj2, "dst"), false, "agents.guarded.deny[0]",
			"in project " + proj2 + " (the call touches project " + proj2 + " besides " + proj1 + "): production restores go through change control; do not retry"},
		{"deny rule names the touched project", "guarded", restore(t, proj2, "dst"), false, "agents.guarded.deny[0]", "the call touches project " + proj2 + " besides " + proj1},
		{"deny rule elsewhere", "guarded", restore(t, proj1, "dst"), true, "", ""},
		{"org deny rule, target of unknown org", "org-guarded", restore(t, proj2, "dst"), false, "agents.org-guarded.deny[0]",
			"(the call also touches " + proj2 + ", whose organization the policy does not know, so it assumes the worst)"},
		{"org deny rule, same-project restore in another org", "org-guarded", restore(t, proj1, "dst"), true, "", ""},
		{"cluster in an unlisted project", "guarded", bad, false, ruleBadCall, "which the call does not list"},
		{"other projects without a primary", "guarded", noPrimary, false, ruleBadCall, "names no primary project"},
		{"empty project in the list", "guarded", malformed, false, ruleBadCall, "is not an Atlas project ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(mustAgent(t, p, tt.agent), tt.call)
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if tt.allow {
				if !strings.Contains(d.Reason, "and project") && len(tt.call.otherProjects()) > 0 {
					t.Errorf("reason %q does not name the other projects", d.Reason)
				}
				return
			}
			if d.Rule != tt.rule || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Reason, tt.rule, tt.reason)
			}
		})
	}
}

func TestExplainNamesOtherProjects(t *testing.T) {
	p := mustParse(t, projectsPolicy, testOpts())
	out := p.Explain(mustAgent(t, p, "one"), restore(t, proj2, "dst"))
	for _, want := range []string{"also:     project " + proj2, "clusters=" + proj1 + "/src," + proj2 + "/dst (overwritten)", "decision: DENY by default.no-grant"} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
}
