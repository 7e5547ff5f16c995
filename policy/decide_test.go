package policy

import (
	"strings"
	"testing"
)

// rulesPolicy exercises every rule kind; line numbers in the table below refer
// to this text, so edit both together.
const rulesPolicy = `
agents:
  ci-bot:
    grants:
      - area: clusters
        access: read
        projects: [5f1a2b3c4d5e6f7a8b9c0d1e, 6a1b2c3d4e5f6a7b8c9d0e1f]
      - area: clusters
        access: write
        projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
      - area: backups
        access: [read, write]
        projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
      - area: apiKeys
        access: [read, write]
        orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]
    deny:
      - tool: atlas-create-snapshot
        projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
        reason: snapshots here are scheduled
  bob:
    grants:
      - area: clusters
        access: read
        projects: [6a1b2c3d4e5f6a7b8c9d0e1f]
  admin:
    default: true
    grants:
      - area: "*"
        access: [read, write]
    deny:
      - atlas-delete-api-key
deny:
  - tool: atlas-delete-project
    reason: only the platform team deletes projects
  - tool: "atlas-delete-*"
    agents: [ci-bot]
`

func TestDecideRules(t *testing.T) {
	p := mustParse(t, rulesPolicy, testOpts())
	other := Default(testOpts())
	tests := []struct {
		name     string
		agent    *Agent
		call     Call
		allow    bool
		rule     string
		line     int
		confirm  bool
		contains string
	}{
		{"grant allows read", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-list-clusters"), ProjectID: proj2},
			true, "agents.ci-bot.grants[0]", 4, false, "agent ci-bot may read clusters in project " + proj2},
		{"second grant allows write", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-create-cluster"), ProjectID: proj1},
			true, "agents.ci-bot.grants[1]", 7, false, "may write clusters"},
		{"write elsewhere names the project", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-create-cluster"), ProjectID: proj2},
			false, ruleNoGrant, 0, false, "agent ci-bot may write clusters only in project " + proj1 + ", not in project " + proj2 + "; ask an admin for clusters:write on project " + proj2},
		{"read-only agent asked to write", mustAgent(t, p, "bob"),
			Call{Tool: tool(t, "atlas-create-cluster"), ProjectID: proj2},
			false, ruleNoGrant, 0, false, "agent bob may read clusters in project " + proj2 + ", not write, so atlas-create-cluster is not in its tool list; ask an admin for clusters:write"},
		{"no grant for the area", mustAgent(t, p, "bob"),
			Call{Tool: tool(t, "atlas-list-alerts"), ProjectID: proj2},
			false, ruleNoGrant, 0, false, "agent bob has no access to alerts, so atlas-list-alerts is not in its tool list; ask an admin for alerts:read"},
		{"scoped agent deny", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-create-snapshot"), ProjectID: proj1},
			false, "agents.ci-bot.deny[0]", 17, false, "snapshots here are scheduled"},
		{"policy-wide deny wins over a * grant", mustAgent(t, p, "admin"),
			Call{Tool: tool(t, "atlas-delete-project"), ProjectID: proj1},
			false, "deny[0]", 33, false, "only the platform team deletes projects"},
		{"policy-wide deny for some agents", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1},
			false, "deny[1]", 35, false, "the policy denies atlas-delete-cluster to agent ci-bot"},
		{"that deny spares other agents", mustAgent(t, p, "admin"),
			Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1},
			true, "agents.admin.grants[0]", 28, true, "may write clusters"},
		{"agent deny (shorthand)", mustAgent(t, p, "admin"),
			Call{Tool: tool(t, "atlas-delete-api-key"), OrgID: org1},
			false, "agents.admin.deny[0]", 31, false, "not in this agent's tool list"},
		{"orgs allowlist", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-list-api-keys"), OrgID: org1},
			true, "agents.ci-bot.grants[3]", 13, false, ""},
		{"orgs allowlist refuses another org", mustAgent(t, p, "ci-bot"),
			Call{Tool: tool(t, "atlas-list-api-keys"), OrgID: org2},
			false, ruleNoGrant, 0, false, "only in organization " + org1 + ", not in organization " + org2},
		{"nil agent", nil,
			Call{Tool: tool(t, "atlas-list-orgs")},
			false, ruleNoAgent, 0, false, "no agent"},
		{"agent of another policy", other.DefaultAgent(),
			Call{Tool: tool(t, "atlas-list-orgs")},
			false, ruleNoAgent, 0, false, "no agent"},
		{"tool not in the catalogue", mustAgent(t, p, "admin"),
			Call{Tool: ToolInfo{Name: "atlas-drop-everything", Area: AreaClusters, Access: Read}, ProjectID: proj1},
			false, ruleBadTool, 0, false, "not a tool this server has"},
		{"tool described differently from the catalogue", mustAgent(t, p, "admin"),
			Call{Tool: ToolInfo{Name: "atlas-delete-cluster", Area: AreaClusters, Access: Write}, ProjectID: proj1},
			false, ruleBadTool, 0, false, "described inconsistently"},
		{"malformed project id", mustAgent(t, p, "admin"),
			Call{Tool: tool(t, "atlas-list-clusters"), ProjectID: "../../etc"},
			false, ruleBadCall, 0, false, "is not an Atlas project ID"},
		{"malformed org id", mustAgent(t, p, "admin"),
			Call{Tool: tool(t, "atlas-list-api-keys"), OrgID: "x"},
			false, ruleBadCall, 0, false, "is not an Atlas organization ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.agent, tt.call)
			if d.Allow != tt.allow || d.Rule != tt.rule || d.Line != tt.line || d.Confirm != tt.confirm {
				t.Errorf("Decide = {Allow:%v Rule:%q Line:%d Confirm:%v}, want {%v %q %d %v}\nreason: %s",
					d.Allow, d.Rule, d.Line, d.Confirm, tt.allow, tt.rule, tt.line, tt.confirm, d.Reason)
			}
			if !strings.Contains(d.Reason, tt.contains) {
				t.Errorf("reason %q does not contain %q", d.Reason, tt.contains)
			}
			if tt.line > 0 && d.At != "test.yaml:"+itoa(tt.line) {
				t.Errorf("At = %q", d.At)
			}
			if tt.line == 0 && d.At != "" {
				t.Errorf("built-in rule has At = %q", d.At)
			}
			if !d.Allow && (d.Confirm || d.ConfirmWhy != "") {
				t.Errorf("a denial asks for confirmation: %+v", d)
			}
		})
	}
}

// TestRuleLinesPointAtTheRule checks the table's line numbers against the text,
// so a stale number fails loudly rather than testing nothing.
func TestRuleLinesPointAtTheRule(t *testing.T) {
	lines := strings.Split(strings.TrimPrefix(rulesPolicy, "\n"), "\n")
	for line, want := range map[int]string{
		4: "- area: clusters", 7: "- area: clusters", 13: "- area: apiKeys", 17: "- tool: atlas-create-snapshot",
		28: `- area: "*"`, 31: "- atlas-delete-api-key", 33: "- tool: atlas-delete-project", 35: `- tool: "atlas-delete-*"`,
	} {
		if got := strings.TrimSpace(lines[line-1]); got != want {
			t.Errorf("line %d is %q, want %q", line, got, want)
		}
	}
}

func TestModes(t *testing.T) {
	src := `
readOnly: true
disableDestructive: true
agents:
  a:
    grants:
      - area: "*"
        access: [read, write]
`
	create := Call{Tool: tool(t, "atlas-create-cluster"), ProjectID: proj1}
	del := Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1}
	list := Call{Tool: tool(t, "atlas-list-clusters"), ProjectID: proj1}

	tests := []struct {
		name       string
		src        string
		opts       Options
		call       Call
		allow      bool
		rule       string
		line       int
		reasonPart string
	}{
		{"file read-only refuses writes", src, testOpts(), create, false, "readOnly", 1, "runs read-only (policy test.yaml:1)"},
		{"file read-only refuses destructive too", src, testOpts(), del, false, "readOnly", 1, "read-only"},
		{"file read-only allows reads", src, testOpts(), list, true, "agents.a.grants[0]", 6, ""},
		{"flag read-only", "agents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n", withFlags(true, false), create, false, ruleFlagReadOnly, 0, "(--read-only)"},
		{"flag beats file in the rule name", src, withFlags(true, false), create, false, ruleFlagReadOnly, 0, "--read-only"},
		{"flag disable-destructive", "agents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n", withFlags(false, true), del, false, ruleFlagNoDestroy, 0, "--disable-destructive"},
		{"disable-destructive keeps other writes", "agents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n", withFlags(false, true), create, true, "agents.a.grants[0]", 3, ""},
		{"file disable-destructive", "disableDestructive: true\nagents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n", testOpts(), del, false, "disableDestructive", 1, "policy test.yaml:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.src, tt.opts)
			a := p.Agents()[0]
			d := p.Decide(a, tt.call)
			if d.Allow != tt.allow || d.Rule != tt.rule || d.Line != tt.line {
				t.Errorf("Decide = %+v, want allow=%v rule=%s line=%d", d, tt.allow, tt.rule, tt.line)
			}
			if !strings.Contains(d.Reason, tt.reasonPart) {
				t.Errorf("reason %q lacks %q", d.Reason, tt.reasonPart)
			}
			if got := p.Visible(a, tt.call.Tool); got != tt.allow {
				t.Errorf("Visible = %v, want %v", got, tt.allow)
			}
		})
	}
}

func withFlags(ro, nd bool) Options {
	o := testOpts()
	o.ReadOnly, o.DisableDestructive = ro, nd
	return o
}

func TestVisible(t *testing.T) {
	p := mustParse(t, rulesPolicy, testOpts())
	ci, bob, admin := mustAgent(t, p, "ci-bot"), mustAgent(t, p, "bob"), mustAgent(t, p, "admin")
	tests := []struct {
		agent *Agent
		tool  string
		want  bool
	}{
		{ci, "atlas-list-clusters", true},
		{ci, "atlas-create-cluster", true},
		{ci, "atlas-delete-cluster", false},  // deny[1] names ci-bot, unconditionally
		{ci, "atlas-create-snapshot", true},  // its deny is scoped to one project
		{ci, "atlas-list-alerts", false},     // no grant for the area
		{ci, "atlas-create-project", false},  // no grant for the area
		{ci, "atlas-create-api-key", true},   // org-limited grant still shows the tool
		{bob, "atlas-list-clusters", true},   //
		{bob, "atlas-create-cluster", false}, // read grant only
		{admin, "atlas-delete-cluster", true},
		{admin, "atlas-delete-project", false}, // policy-wide deny
		{admin, "atlas-delete-api-key", false}, // agent deny
		{admin, "appservices-list-apps", true},
		{nil, "atlas-list-orgs", false},
	}
	for _, tt := range tests {
		name := "nil"
		if tt.agent != nil {
			name = tt.agent.Name
		}
		if got := p.Visible(tt.agent, tool(t, tt.tool)); got != tt.want {
			t.Errorf("Visible(%s, %s) = %v, want %v", name, tt.tool, got, tt.want)
		}
	}
	if p.Visible(admin, ToolInfo{Name: "atlas-nope", Area: AreaClusters, Access: Read}) {
		t.Error("a tool outside the catalogue is visible")
	}
}

// TestHiddenNeverAllowed walks every agent, tool and scope of the rules policy:
// whatever Visible hides, Decide refuses.
func TestHiddenNeverAllowed(t *testing.T) {
	p := mustParse(t, rulesPolicy, testOpts())
	scopes := []Call{{}, {ProjectID: proj1}, {ProjectID: proj2}, {OrgID: org1}, {OrgID: org2}, {ProjectID: proj1, OrgID: org1},
		{ProjectID: proj1, Projects: []string{proj1, proj2}}, {ProjectID: proj2, OrgID: org1, Projects: []string{proj2, proj1}}}
	for _, a := range p.Agents() {
		for _, ti := range testCatalogue() {
			visible := p.Visible(a, ti)
			for _, c := range scopes {
				c.Tool = ti
				d := p.Decide(a, c)
				if d.Allow && !visible {
					t.Errorf("%s: %s allowed%s but hidden", a.Name, ti.Name, callScope(c))
				}
				if !visible && !strings.Contains(d.Reason, "tool list") && !strings.Contains(d.Reason, "denies") {
					t.Errorf("%s: hidden %s refused without saying so: %s", a.Name, ti.Name, d.Reason)
				}
			}
		}
	}
}

func TestDenyScopes(t *testing.T) {
	p := mustParse(t, `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
deny:
  - tool: atlas-create-api-key
    orgs: [5e0a1b2c3d4e5f6a7b8c9d0e]
  - tool: "atlas-*-cluster"
    projects: [5f1a2b3c4d5e6f7a8b9c0d1e]
    reason: cluster changes in this project go through change control
`, testOpts())
	a := p.Agents()[0]
	tests := []struct {
		tool         string
		project, org string
		allow        bool
		rule, reason string
	}{
		{"atlas-create-api-key", "", org1, false, "deny[0]", "denies atlas-create-api-key to agent a in organization " + org1},
		{"atlas-create-api-key", "", org2, true, "", ""},
		{"atlas-create-api-key", "", "", true, "", ""}, // an unknown org is not in the list
		{"atlas-delete-cluster", proj1, "", false, "deny[1]", "in project " + proj1 + ": cluster changes in this project go through change control"},
		{"atlas-get-cluster", proj1, "", false, "deny[1]", ""}, // patterns match reads too
		{"atlas-list-clusters", proj1, "", true, "", ""},
		{"atlas-delete-cluster", proj2, "", true, "", ""},
	}
	for _, tt := range tests {
		d := p.Decide(a, Call{Tool: tool(t, tt.tool), ProjectID: tt.project, OrgID: tt.org})
		if d.Allow != tt.allow || (!tt.allow && d.Rule != tt.rule) || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%s %s%s: %+v", tt.tool, tt.project, tt.org, d)
		}
		if !tt.allow && strings.Contains(d.Reason, "tool list") {
			t.Errorf("a scoped deny claims the tool is hidden: %s", d.Reason)
		}
		// Scoped deny rules never hide a tool.
		if !p.Visible(a, tool(t, tt.tool)) {
			t.Errorf("%s hidden by a scoped deny", tt.tool)
		}
	}
}
