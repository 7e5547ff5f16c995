package policy

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	p, err := Load(examplePath("ci-bot.yaml"), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	a := p.DefaultAgent()
	tests := []struct {
		name string
		call Call
		want []string
	}{
		{"allowed create", Call{Tool: tool(t, "atlas-create-cluster"), ProjectID: proj1,
			Args: Args{ClusterName: "ci-123", InstanceSizes: []string{"M10"}, Providers: []string{"AWS"}, Regions: []string{"US_EAST_1"}}},
			[]string{
				"agent:    ci-bot (" + examplePath("ci-bot.yaml") + ":10)",
				"tool:     atlas-create-cluster (clusters, write)",
				"scope:    in project " + proj1,
				"args:     clusterName=ci-123 instanceSizes=M10 providers=AWS regions=US_EAST_1",
				"  ok    no deny rule matches",
				"  ok    grant agents.ci-bot.grants[1] (" + examplePath("ci-bot.yaml") + ":17) allows read,write clusters in project " + proj1,
				"  ok    agents.ci-bot.constraints.clusters.maxInstanceSize",
				"decision: ALLOW by agents.ci-bot.grants[1]",
				"confirm:  not required",
			}},
		{"protected delete", Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1, Args: Args{ClusterName: "prod-main"}},
			[]string{
				"tool:     atlas-delete-cluster (clusters, write, destructive)",
				"  no    agents.ci-bot.constraints.clusters.protectedNames[0]",
				"decision: DENY by agents.ci-bot.constraints.clusters.protectedNames[0] (" + examplePath("ci-bot.yaml") + ":28)",
				"reason:   cluster prod-main is protected",
			}},
		{"allowed delete needs confirmation", Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1, Args: Args{ClusterName: "ci-123"}},
			[]string{"decision: ALLOW", "confirm:  required: atlas-delete-cluster is destructive"}},
		{"grant for another project", Call{Tool: tool(t, "atlas-list-clusters"), ProjectID: proj2},
			[]string{"  no    grant agents.ci-bot.grants[1] (" + examplePath("ci-bot.yaml") + ":17) is limited to project " + proj1 + "; the call is in project " + proj2,
				"reason:   agent ci-bot may read clusters only in project " + proj1 + ", not in project " + proj2 + "; ask an admin for clusters:read on project " + proj2}},
		{"no grant", Call{Tool: tool(t, "atlas-list-alerts"), ProjectID: proj1},
			[]string{"  no    agent ci-bot has no grant for area alerts", "decision: DENY by default.no-grant\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := p.Explain(a, tt.call)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("explanation lacks %q:\n%s", w, out)
				}
			}
			// Explain and Decide are one code path: they must agree.
			d := p.Decide(a, tt.call)
			verdict := map[bool]string{true: "ALLOW", false: "DENY"}[d.Allow]
			if !strings.Contains(out, "decision: "+verdict+" by "+d.Rule) {
				t.Errorf("Explain disagrees with Decide (%s %s):\n%s", verdict, d.Rule, out)
			}
		})
	}
	if out := p.Explain(nil, Call{Tool: tool(t, "atlas-list-orgs")}); !strings.Contains(out, "agent:    (none)") || !strings.Contains(out, "DENY by default.agent") {
		t.Errorf("nil agent:\n%s", out)
	}
	if out := Default(Options{}).Explain(Default(Options{}).DefaultAgent(), Call{Tool: tool(t, "atlas-list-orgs")}); !strings.Contains(out, "built-in default policy") {
		t.Errorf("default:\n%s", out)
	}
}
