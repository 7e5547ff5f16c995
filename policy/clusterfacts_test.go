package policy

import (
	"math"
	"strings"
	"testing"
)

const clusterFactsPolicy = `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
constraints:
  clusters:
    maxInstanceSize: M30
    allowedProviders: [AWS, TENANT]
    allowedRegions: ["US_*"]
    maxNodes: 6
    maxDiskSizeGB: 100
    protectedNames: ["prod-*"]
    protectUpdates: true
`

// TestEscapeHatchClusterFacts: every tier, provider and region found anywhere
// in the plan's bodies is judged, not only the first region's electable spec.
func TestEscapeHatchClusterFacts(t *testing.T) {
	p := mustParse(t, clusterFactsPolicy, testOpts())
	a := p.Agents()[0]
	ok := Args{ClusterName: "test-1", InstanceSizes: []string{"M30", "M10"}, Providers: []string{"AWS"}, Regions: []string{"US_EAST_1"}, TotalNodes: 3, MaxDiskSizeGB: 40}
	with := func(f func(*Args)) Args { x := ok; f(&x); return x }
	tests := []struct {
		name   string
		tool   string
		args   Args
		allow  bool
		rule   string
		reason string
	}{
		{"within every limit", "atlas-create-cluster", ok, true, "", ""},
		{"an analytics spec above the max", "atlas-create-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M30", "M10", "M200"} }), false, "constraints.clusters.maxInstanceSize", "instance size M200 is larger"},
		{"auto-scaling maximum above the max", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M10", "m40"} }), false, "constraints.clusters.maxInstanceSize", "M40"},
		{"nvme variant", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M40_NVME"} }), false, "constraints.clusters.maxInstanceSize", ""},
		{"low-cpu spelling", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{" r40 "} }), false, "constraints.clusters.maxInstanceSize", ""},
		{"unknown suffix", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M10_FAST"} }), false, "constraints.clusters.maxInstanceSize", "is not one the policy can compare"},
		{"leading zeros", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M0040"} }), false, "constraints.clusters.maxInstanceSize", "is not one the policy can compare"},
		{"fullwidth letter", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"Ｍ40"} }), false, "constraints.clusters.maxInstanceSize", "is not one the policy can compare"},
		{"empty size", "atlas-update-cluster", with(func(a *Args) { a.InstanceSizes = []string{"M10", ""} }), false, "constraints.clusters.maxInstanceSize", "is not one the policy can compare"},
		{"a second provider", "atlas-create-cluster", with(func(a *Args) { a.Providers = []string{"AWS", "azure"} }), false, "constraints.clusters.allowedProviders", `cloud provider "azure" is not allowed`},
		{"a second region", "atlas-update-cluster", with(func(a *Args) { a.Regions = []string{"US_EAST_1", "eu_west_1"} }), false, "constraints.clusters.allowedRegions", "region eu_west_1 is not allowed"},
		{"case-insensitive values", "atlas-create-cluster", with(func(a *Args) { a.Providers = []string{" aws"}; a.Regions = []string{"us_west_2 "} }), true, "", ""},
		{"too many nodes", "atlas-create-cluster", with(func(a *Args) { a.TotalNodes = 7 }), false, "constraints.clusters.maxNodes", "7 nodes in all"},
		{"exactly the max nodes", "atlas-create-cluster", with(func(a *Args) { a.TotalNodes = 6 }), true, "", ""},
		{"disk too large", "atlas-update-cluster", with(func(a *Args) { a.MaxDiskSizeGB = 100.5 }), false, "constraints.clusters.maxDiskSizeGB", "disk size 100.5 GB is larger"},
		{"NaN disk", "atlas-update-cluster", with(func(a *Args) { a.MaxDiskSizeGB = math.NaN() }), false, ruleBadCall, "is not a size"},
		{"negative nodes", "atlas-update-cluster", with(func(a *Args) { a.TotalNodes = -4 }), false, ruleBadCall, "negative"},
		{"protected by name on update", "atlas-update-cluster", with(func(a *Args) { a.ClusterName = "PROD-main" }), false, "constraints.clusters.protectedNames[0]", "cluster PROD-main is protected"},
		{"protected as an overwritten ref", "atlas-update-cluster", with(func(a *Args) {
			a.Clusters = []ClusterRef{{ProjectID: proj1, Name: " prod-2", Overwritten: true}}
		}), false, "constraints.clusters.protectedNames[0]", "cluster prod-2 is protected"},
		{"deletes are judged on protection only", "atlas-delete-cluster", Args{ClusterName: "old", InstanceSizes: []string{"M700"}, TotalNodes: 50}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(a, Call{Tool: tool(t, tt.tool), ProjectID: proj1, Args: tt.args})
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if !tt.allow && (d.Rule != tt.rule || !strings.Contains(d.Reason, tt.reason)) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Reason, tt.rule, tt.reason)
			}
		})
	}
}

func TestClusterLimitParseErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"maxNodes: 0", "maxNodes must be a whole number of nodes from 1 to 10000"},
		{"maxNodes: 2.5", "maxNodes must be a whole number"},
		{"maxNodes: [3]", "must be a single value"},
		{"maxDiskSizeGB: 0", "maxDiskSizeGB must be a positive number of GB"},
		{"maxDiskSizeGB: .nan", "must be a positive number"},
		{"maxDiskSizeGB: .inf", "must be a positive number"},
		{"maxDiskSizeGB: -10", "must be a positive number"},
	} {
		src := "agents:\n  a:\n    constraints:\n      clusters:\n        " + tt.src + "\n"
		_, err := Parse([]byte(src), "test.yaml", testOpts())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.src, err, tt.want)
		}
	}
}
