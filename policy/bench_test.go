package policy

import (
	"fmt"
	"testing"
)

// BenchmarkDecide measures the per-call cost the server pays on every tools/call.
func BenchmarkDecide(b *testing.B) {
	p := mustParse(b, constraintsPolicy, testOpts())
	a := mustAgent(b, p, "b")
	cases := []struct {
		name string
		call Call
	}{
		{"read-allow", Call{Tool: tool(b, "atlas-list-clusters"), ProjectID: proj1}},
		{"create-cluster-allow", Call{Tool: tool(b, "atlas-create-cluster"), ProjectID: proj1,
			Args: Args{ClusterName: "ci-1", InstanceSizes: []string{"M30"}, Providers: []string{"AWS"}, Regions: []string{"US_EAST_1"}}}},
		{"access-list-deny", Call{Tool: tool(b, "atlas-create-access-list"), ProjectID: proj1, Args: entries("192.168.1.0/24")}},
		{"access-list-200-entries", Call{Tool: tool(b, "atlas-create-access-list"), ProjectID: proj1, Args: hosts("10.9", 200)}},
		{"delete-confirm", Call{Tool: tool(b, "atlas-delete-cluster"), ProjectID: proj1, Args: Args{ClusterName: "staging"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Decide(a, c.call)
			}
		})
	}
}

// BenchmarkAgentByToken shows the lookup cost grows with the number of agents
// (it always compares against all of them) and not with which one matches.
func BenchmarkAgentByToken(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		src := "agents:\n"
		env := map[string]string{}
		for i := range n {
			name := fmt.Sprintf("agent%03d", i)
			src += fmt.Sprintf("  %s:\n    tokenEnv: TOKEN_%d\n", name, i)
			env[fmt.Sprintf("TOKEN_%d", i)] = fmt.Sprintf("token-for-%s-0123456789", name)
		}
		opts := testOpts()
		opts.LookupEnv = mapEnv(env)
		p := mustParse(b, src, opts)
		for _, which := range []struct {
			name, token string
		}{{"first", "token-for-agent000-0123456789"}, {"none", "no-such-token-0123456789"}} {
			b.Run(fmt.Sprintf("agents=%d/%s", n, which.name), func(b *testing.B) {
				for b.Loop() {
					_ = p.AgentByToken(which.token)
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data := readExample(b, "multi-agent.yaml")
	opts := testOpts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "multi-agent.yaml", opts); err != nil {
			b.Fatal(err)
		}
	}
}
