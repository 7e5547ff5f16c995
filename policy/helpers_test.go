package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCatalogue is the catalogue minimum from DESIGN.md, as the server will pass
// it in Options.Tools.
func testCatalogue() []ToolInfo {
	r := func(name string, area Area) ToolInfo { return ToolInfo{Name: name, Area: area, Access: Read} }
	w := func(name string, area Area) ToolInfo { return ToolInfo{Name: name, Area: area, Access: Write} }
	d := func(name string, area Area) ToolInfo {
		return ToolInfo{Name: name, Area: area, Access: Write, Destructive: true}
	}
	return []ToolInfo{
		r("atlas-list-orgs", AreaOrganizations), r("atlas-get-org", AreaOrganizations),
		r("atlas-list-projects", AreaProjects), r("atlas-get-project", AreaProjects),
		w("atlas-create-project", AreaProjects), d("atlas-delete-project", AreaProjects),
		r("atlas-list-clusters", AreaClusters), r("atlas-get-cluster", AreaClusters),
		w("atlas-create-cluster", AreaClusters), w("atlas-update-cluster", AreaClusters), d("atlas-delete-cluster", AreaClusters),
		r("atlas-list-db-users", AreaDatabaseUsers), w("atlas-create-db-user", AreaDatabaseUsers), d("atlas-delete-db-user", AreaDatabaseUsers),
		r("atlas-list-access-list", AreaNetworkAccess), w("atlas-create-access-list", AreaNetworkAccess), d("atlas-delete-access-list", AreaNetworkAccess),
		r("atlas-list-snapshots", AreaBackups), r("atlas-list-restore-jobs", AreaBackups),
		w("atlas-create-snapshot", AreaBackups), d("atlas-create-restore-job", AreaBackups),
		r("atlas-list-alerts", AreaAlerts), r("atlas-list-alert-configs", AreaAlerts), w("atlas-create-alert-config", AreaAlerts),
		r("atlas-list-api-keys", AreaAPIKeys), {Name: "atlas-create-api-key", Area: AreaAPIKeys, Access: Write, Confirms: "creates an Atlas credential"}, d("atlas-delete-api-key", AreaAPIKeys),
		r("appservices-list-apps", AreaAppServices), r("appservices-get-app", AreaAppServices), r("appservices-list-triggers", AreaAppServices),
	}
}

func tool(t testing.TB, name string) ToolInfo {
	t.Helper()
	for _, ti := range testCatalogue() {
		if ti.Name == name {
			return ti
		}
	}
	t.Fatalf("no tool %q in the test catalogue", name)
	return ToolInfo{}
}

const (
	proj1 = "5f1a2b3c4d5e6f7a8b9c0d1e"
	proj2 = "6a1b2c3d4e5f6a7b8c9d0e1f"
	org1  = "5e0a1b2c3d4e5f6a7b8c9d0e"
	org2  = "7c0a1b2c3d4e5f6a7b8c9d0e"
)

// fixedNow is the clock every test policy uses, so lifetimes are exact.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testOpts() Options {
	return Options{
		Now: func() time.Time { return fixedNow },
		LookupEnv: mapEnv(map[string]string{
			"ATLAS_MCP_CAROL_TOKEN": "carol-token-0123456789",
			"SHORT_TOKEN":           "short",
		}),
		Tools: testCatalogue(),
	}
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// mustParse parses a policy written inline; tabs are not YAML, so tests indent
// with spaces after stripping the common leading newline.
func mustParse(t testing.TB, src string, opts Options) *Policy {
	t.Helper()
	p, err := Parse([]byte(strings.TrimPrefix(src, "\n")), "test.yaml", opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func mustAgent(t testing.TB, p *Policy, name string) *Agent {
	t.Helper()
	a := p.Agent(name)
	if a == nil {
		t.Fatalf("no agent %q", name)
	}
	return a
}

func examplePath(name string) string {
	return filepath.Join("..", "testdata", "policies", name)
}

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(examplePath(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func timePtr(t time.Time) *time.Time { return &t }
