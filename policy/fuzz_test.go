package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzPolicies are the policies FuzzDecide throws calls at: with and without a
// catalogue, one agent and several.
func fuzzPolicies(t testing.TB) []*Policy {
	multi, err := Parse(readExample(t, "multi-agent.yaml"), "multi-agent.yaml", Options{LookupEnv: testOpts().LookupEnv, Now: testOpts().Now})
	if err != nil {
		t.Fatal(err)
	}
	return []*Policy{
		Default(Options{Now: testOpts().Now}),
		mustParse(t, rulesPolicy, testOpts()),
		mustParse(t, constraintsPolicy, testOpts()),
		multi,
		Default(withFlags(true, false)),
	}
}

func FuzzDecide(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(6), "", "", "", false, proj1, "", "prod-1", "M30", "AWS", "US_EAST_1", "10.0.0.0/8", "", int64(3600), "atlasAdmin", "ORG_OWNER")
	f.Add(uint8(1), uint8(1), uint8(200), "atlas-drop-db", "clusters", "write", true, proj2, org1, "", "M40_NVME", "GCP", "EU_WEST_1", "0.0.0.0/0", "x", int64(-5), "read", "ORG_READ_ONLY")
	f.Add(uint8(2), uint8(0), uint8(15), "", "", "", false, proj1, "", "", "", "", "", "::ffff:0:0/96", "", int64(0), "", "")
	f.Add(uint8(3), uint8(2), uint8(255), "ATLAS-LIST-ORGS", "organizations", "read", false, "", "", "", "", "", "", "", "", int64(0), "", "")
	f.Add(uint8(4), uint8(9), uint8(10), "", "", "", false, "zz", "ZZ", "", "", "", "", "300.1.1.1", "", int64(1<<40), "", "")
	// Policies are immutable, so one set serves every input (and parallel workers).
	policies := fuzzPolicies(f)
	f.Fuzz(func(t *testing.T, pi, ai, toolPick uint8, name, area, access string, destructive bool,
		projectID, orgID, cluster, size, provider, region, cidr, comment string, ttlSeconds int64, dbRole, keyRole string) {
		p := policies[int(pi)%len(policies)]
		agents := p.Agents()
		var a *Agent
		if int(ai) < len(agents) {
			a = agents[ai]
		}
		cat := testCatalogue()
		ti := ToolInfo{Name: name, Area: Area(area), Access: Access(access), Destructive: destructive}
		fromCatalogue := int(toolPick) < len(cat)
		if fromCatalogue {
			ti = cat[toolPick]
		}
		var after *time.Time
		if ttlSeconds != 0 {
			ttl := time.Duration(ttlSeconds%(1<<33)) * time.Second
			at := fixedNow.Add(ttl)
			after = &at
		}
		c := Call{Tool: ti, ProjectID: projectID, OrgID: orgID, Args: Args{
			ClusterName: cluster, InstanceSizes: []string{size}, Providers: []string{provider}, Regions: []string{region},
			AccessEntries: []AccessEntry{{CIDR: cidr, Comment: comment, DeleteAfter: after}},
			DBRoles:       []Role{{Name: dbRole}}, APIKeyRoles: []string{keyRole},
		}}
		if toolPick%2 == 1 && projectID != "" && orgID != "" {
			// The organization ID doubles as a second touched project (a
			// restore's target), so cross-project calls are fuzzed too.
			c.Projects = []string{projectID, orgID}
		}
		d := p.Decide(a, c)
		if d.Rule == "" || d.Reason == "" {
			t.Fatalf("decision without rule or reason: %+v", d)
		}
		if !d.Allow {
			if d.Confirm {
				t.Fatalf("denied yet confirm: %+v", d)
			}
			return
		}
		if a == nil {
			t.Fatalf("nil agent allowed: %+v", d)
		}
		if !p.Visible(a, ti) {
			t.Fatalf("allowed but hidden: %+v %+v", ti, d)
		}
		if p.catalogue != nil && !fromCatalogue {
			if known, ok := p.catalogue[ti.Name]; !ok || known != ti {
				t.Fatalf("tool outside the catalogue allowed: %+v", ti)
			}
		}
		if !ti.Area.Valid() || !ti.Access.Valid() || !validToolName(ti.Name) {
			t.Fatalf("garbage tool allowed: %+v", ti)
		}
		if ti.Destructive && !d.Confirm {
			t.Fatalf("destructive tool allowed without confirmation: %+v", d)
		}
		if ti.Access == Write && p.ReadOnly() {
			t.Fatalf("write allowed in read-only mode: %+v", d)
		}
		if projectID != "" && !isHexID(projectID) || orgID != "" && !isHexID(orgID) {
			t.Fatalf("malformed scope allowed: %+v", c)
		}
		if ti.Access == Write && !ti.Destructive && cidr != "" {
			if pfx, err := parseCIDR(cidr); err == nil && pfx.Bits() == 0 {
				t.Fatalf("whole-internet entry allowed: %s", cidr)
			}
		}
		if !strings.Contains(p.Explain(a, c), "decision: ALLOW by "+d.Rule) {
			t.Fatalf("Explain disagrees with Decide")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"readonly-analyst.yaml", "ci-bot.yaml", "multi-agent.yaml", "token-confirm.yaml"} {
		f.Add(readExample(f, name))
	}
	for _, src := range []string{rulesPolicy, constraintsPolicy, scopePolicy,
		"agents:\n  a:\n    grants: [{area: '*', access: [read, write], projects: &p [5f1a2b3c4d5e6f7a8b9c0d1e]}]\n    deny: [\"atlas-delete-*\"]\n",
		"agents:\n  a:\n    tokenEnv: FUZZ_TOKEN\nconfirm: {tools: [atlas-create-*], withoutElicitation: token, tokenTTL: 1s}\n",
		"agents: [a, b]\n", "---\n", "agents:\n  a: *x\n", "{", "agents:\n  a:\n    grants:\n      - <<: *x\n",
	} {
		f.Add([]byte(strings.TrimPrefix(src, "\n")))
	}
	env := mapEnv(map[string]string{"FUZZ_TOKEN": "fuzz-token-0123456789", "ATLAS_MCP_CAROL_TOKEN": "carol-token-0123456789"})
	cat := testCatalogue()
	scopes := []Call{{}, {ProjectID: proj1}, {ProjectID: proj2, OrgID: org1}, {OrgID: org2}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{
			{LookupEnv: env, Now: testOpts().Now, Tools: cat},
			{LookupEnv: env, Now: testOpts().Now},
		} {
			p, err := Parse(data, "fuzz.yaml", opts)
			if err != nil {
				if p != nil {
					t.Fatal("policy and error both returned")
				}
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				continue
			}
			if len(p.Agents()) == 0 {
				t.Fatal("a policy with no agents loaded")
			}
			p.AgentByToken("fuzz-token-0123456789")
			for _, a := range p.Agents() {
				_ = a.Summary()
				for _, ti := range cat {
					visible := p.Visible(a, ti)
					for _, c := range scopes {
						c.Tool = ti
						c.Args = Args{ClusterName: "prod-1", InstanceSizes: []string{"M40"}, AccessEntries: []AccessEntry{{CIDR: "10.0.0.0/8"}}, DBRoles: []Role{{Name: "atlasAdmin", Database: "admin"}}}
						d := p.Decide(a, c)
						if d.Allow && !visible {
							t.Fatalf("%s: %s allowed but hidden", a.Name, ti.Name)
						}
						if d.Allow && ti.Destructive && !d.Confirm {
							t.Fatalf("destructive %s allowed without confirmation", ti.Name)
						}
					}
				}
				_ = p.Explain(a, Call{Tool: cat[0]})
				if d := p.Decide(a, Call{Tool: ToolInfo{Name: "no-such-tool", Area: AreaClusters, Access: Read}}); d.Allow && opts.Tools != nil {
					t.Fatal("unknown tool allowed with a catalogue")
				}
			}
			if d := p.Decide(nil, Call{Tool: cat[0]}); d.Allow {
				t.Fatal("nil agent allowed")
			}
		}
	})
}

// TestFuzzCorpusFilesExist guards the checked-in seed corpus: go test runs those
// files as ordinary tests, and a rename would silently drop them.
func TestFuzzCorpusFilesExist(t *testing.T) {
	for _, dir := range []string{"FuzzParse", "FuzzDecide", "FuzzFactsMonotonic"} {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", dir))
		if err != nil || len(entries) == 0 {
			t.Errorf("no seed corpus in testdata/fuzz/%s: %v", dir, err)
		}
	}
}
