package policy

import (
	"strings"
	"testing"
)

const scopePolicy = `
agents:
  proj-only:
    grants:
      - {area: projects, access: read, projects: [5f1a2b3c4d5e6f7a8b9c0d1e]}
      - {area: clusters, access: read, projects: [5f1a2b3c4d5e6f7a8b9c0d1e]}
  org-only:
    grants:
      - {area: projects, access: [read, write], orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
      - {area: clusters, access: read, orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
      - {area: organizations, access: read, orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
  both:
    grants:
      - {area: clusters, access: read, projects: [5f1a2b3c4d5e6f7a8b9c0d1e], orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]}
  open:
    grants:
      - {area: projects, access: [read, write]}
      - {area: organizations, access: read}
  star-in-project:
    grants:
      - {area: "*", access: read, projects: [5f1a2b3c4d5e6f7a8b9c0d1e]}
`

func TestProjectScoping(t *testing.T) {
	p := mustParse(t, scopePolicy, testOpts())
	tests := []struct {
		agent, tool    string
		project, org   string
		allow          bool
		reasonFragment string // for denials
	}{
		// A project-limited agent can still find its project.
		{"proj-only", "atlas-list-projects", "", "", true, ""},
		{"proj-only", "atlas-list-projects", "", org1, true, ""},
		{"proj-only", "atlas-get-project", proj1, "", true, ""},
		{"proj-only", "atlas-get-project", proj2, "", false, "only in project " + proj1 + ", not in project " + proj2},
		{"proj-only", "atlas-list-clusters", proj1, "", true, ""},
		{"proj-only", "atlas-list-clusters", "", "", false, "this call names no project or organization; pass projectId"},
		{"org-only", "atlas-list-clusters", "", "", false, "pass orgId"}, // only orgs and projects have top-level listings
		{"proj-only", "atlas-create-project", "", org1, false, "not write"},
		{"proj-only", "atlas-list-orgs", "", "", false, "no access to organizations"},

		// Organization-limited grants.
		{"org-only", "atlas-list-projects", "", "", true, ""},
		{"org-only", "atlas-list-projects", "", org1, true, ""},
		{"org-only", "atlas-list-projects", "", org2, false, "not in organization " + org2},
		{"org-only", "atlas-create-project", "", org1, true, ""},
		{"org-only", "atlas-create-project", "", org2, false, "only in organization " + org1},
		{"org-only", "atlas-create-project", "", "", false, "names no project or organization; pass orgId"},
		{"org-only", "atlas-get-project", proj1, org1, true, ""},
		// The project's organization is unknown: fail closed, and say why.
		{"org-only", "atlas-list-clusters", proj1, "", false, "the organization of project " + proj1 + " is not known"},
		{"org-only", "atlas-list-clusters", proj1, org1, true, ""},
		{"org-only", "atlas-list-clusters", proj1, org2, false, "not in project " + proj1 + " (organization " + org2 + ")"},
		{"org-only", "atlas-list-orgs", "", "", true, ""}, // top-level listing, not filtered
		{"org-only", "atlas-get-org", "", org1, true, ""},
		{"org-only", "atlas-get-org", "", org2, false, "not in organization " + org2},

		// Both lists: the project names itself, the org must match when known.
		{"both", "atlas-list-clusters", proj1, "", true, ""},
		{"both", "atlas-list-clusters", proj1, org1, true, ""},
		{"both", "atlas-list-clusters", proj1, org2, false, "only in"},
		{"both", "atlas-list-clusters", proj2, org1, false, "only in"},

		// No lists: anywhere, including calls with no scope.
		{"open", "atlas-create-project", "", "", true, ""},
		{"open", "atlas-create-project", "", org2, true, ""},
		{"open", "atlas-list-orgs", "", "", true, ""},
		{"open", "atlas-get-org", "", org2, true, ""},

		// "*" limited to a project: project areas there, listings of projects,
		// but not organization-scoped areas.
		{"star-in-project", "atlas-list-alerts", proj1, "", true, ""},
		{"star-in-project", "appservices-list-apps", proj1, "", true, ""},
		{"star-in-project", "atlas-list-alerts", proj2, "", false, "only in project " + proj1},
		{"star-in-project", "atlas-list-projects", "", "", true, ""},
		{"star-in-project", "atlas-list-api-keys", "", org1, false, "only within project " + proj1 + ", which does not reach organization-level calls"},
		{"star-in-project", "atlas-list-orgs", "", "", false, "does not reach organization-level calls; ask an admin for organizations:read"},
	}
	for _, tt := range tests {
		name := tt.agent + "/" + tt.tool + "/" + shortID(tt.project) + "/" + shortID(tt.org)
		t.Run(name, func(t *testing.T) {
			d := p.Decide(mustAgent(t, p, tt.agent), Call{Tool: tool(t, tt.tool), ProjectID: tt.project, OrgID: tt.org})
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if !tt.allow && !strings.Contains(d.Reason, tt.reasonFragment) {
				t.Errorf("reason %q lacks %q", d.Reason, tt.reasonFragment)
			}
			if !tt.allow && d.Rule != ruleNoGrant {
				t.Errorf("rule = %s, want %s", d.Rule, ruleNoGrant)
			}
		})
	}
}

func shortID(id string) string {
	if id == "" {
		return "-"
	}
	return id[:4]
}
