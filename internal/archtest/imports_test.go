package archtest

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/atlas-mcp/atlas-mcp/"

// The arrows of docs/architecture.md, enforced on the real dependency graph
// (`go list -deps`, transitive, tests excluded), in the manner of
// kubernetes-mcp-server's pkg/api/imports_test.go. For each package: the
// packages of this module it may depend on at all, and outside packages it
// must not reach. A new arrow is a change to this table and to the
// architecture page, reviewed like one.
var rules = []struct {
	pkg       string
	may       []string // of this module; everything else of ours is refused
	mustNot   []string // outside packages (prefixes), refused even through others
	noModDeps bool     // may depend on nothing of this module
}{
	// tools are plain Go: no protocol library, no policy, no server.
	{pkg: "tools", may: []string{"access", "internal/atlasclient", "schemas"}, mustNot: []string{mcpGo, invopop}},
	{pkg: "schemas", noModDeps: true, mustNot: []string{mcpGo, invopop}},
	// policy and audit know nothing of MCP or of our HTTP serving code.
	{pkg: "policy", may: []string{"access"}, mustNot: []string{mcpGo}},
	// The shared names of areas and modes: a leaf both sides import.
	{pkg: "access", noModDeps: true, mustNot: []string{mcpGo}},
	{pkg: "internal/audit", noModDeps: true, mustNot: []string{mcpGo}},
	{pkg: "internal/atlasclient", noModDeps: true, mustNot: []string{mcpGo}},
	// The simulator shares no code with the client it tests.
	{pkg: "internal/atlassim", may: []string{"internal/atlasspec"}, mustNot: []string{mcpGo}},
	{pkg: "internal/atlasspec", noModDeps: true, mustNot: []string{mcpGo}},
	// Approvals know plans and approvers, not MCP; identity maps callers to agents.
	{pkg: "internal/approvals", may: []string{"access", "policy", "internal/identity"}, mustNot: []string{mcpGo}},
	{pkg: "internal/identity", may: []string{"access", "policy"}, mustNot: []string{mcpGo}},
	// The one adapter to the protocol library.
	{pkg: "internal/server", may: []string{"access", "tools", "schemas", "policy", "internal/audit", "internal/atlasclient", "internal/approvals", "internal/identity", "internal/metrics"}, mustNot: []string{invopop, prometheus, protobuf}},
	// The metrics are plain standard library: no Prometheus client, no protobuf.
	{pkg: "internal/metrics", noModDeps: true, mustNot: []string{mcpGo, prometheus, protobuf}},
	// The binary links neither the schema generator nor its YAML parser, nor
	// the Prometheus client and protobuf (their package init ran at every
	// start; internal/metrics does what we used of them). Tests may use
	// prometheus/common's parser: test imports are not linked.
	{pkg: "cmd/atlas-mcp", mustNot: []string{invopop, prometheus, protobuf}},
}

const (
	mcpGo      = "github.com/mark3labs/mcp-go"
	invopop    = "github.com/invopop/jsonschema"
	prometheus = "github.com/prometheus"
	protobuf   = "google.golang.org/protobuf"
)

func TestImportGraphFollowsTheArchitecture(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	for _, r := range rules {
		d, ok := deps[r.pkg]
		if !ok {
			t.Errorf("%s: no such package; update the rules", r.pkg)
			continue
		}
		may := map[string]bool{r.pkg: true}
		for _, m := range r.may {
			may[m] = true
		}
		var bad []string
		for _, dep := range d {
			if ours, ok := strings.CutPrefix(dep, module); ok {
				if r.noModDeps || r.may != nil {
					if !may[ours] {
						bad = append(bad, ours)
					}
				}
				continue
			}
			for _, p := range r.mustNot {
				if dep == p || strings.HasPrefix(dep, p+"/") {
					bad = append(bad, dep)
				}
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			t.Errorf("%s depends on %s, which docs/architecture.md does not allow", r.pkg, strings.Join(bad, ", "))
		}
	}
}
