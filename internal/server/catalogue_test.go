package server

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/schemas/gen/schemagen"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

var update = flag.Bool("update", false, "rewrite the tools/list golden files")

// The DESIGN.md catalogue minimum, with access and destructive marks.
var designCatalogue = map[string]struct {
	area        string
	write, dest bool
}{
	"atlas-list-orgs": {"organizations", false, false}, "atlas-get-org": {"organizations", false, false},
	"atlas-list-projects": {"projects", false, false}, "atlas-get-project": {"projects", false, false},
	"atlas-create-project": {"projects", true, false}, "atlas-delete-project": {"projects", true, true},
	"atlas-list-clusters": {"clusters", false, false}, "atlas-get-cluster": {"clusters", false, false},
	"atlas-create-cluster": {"clusters", true, false}, "atlas-update-cluster": {"clusters", true, false},
	"atlas-delete-cluster": {"clusters", true, true},
	"atlas-list-db-users":  {"databaseUsers", false, false}, "atlas-create-db-user": {"databaseUsers", true, false},
	"atlas-delete-db-user":   {"databaseUsers", true, true},
	"atlas-list-access-list": {"networkAccess", false, false}, "atlas-create-access-list": {"networkAccess", true, false},
	"atlas-delete-access-list": {"networkAccess", true, true},
	"atlas-list-snapshots":     {"backups", false, false}, "atlas-list-restore-jobs": {"backups", false, false},
	"atlas-create-snapshot": {"backups", true, false}, "atlas-create-restore-job": {"backups", true, true},
	"atlas-list-alerts": {"alerts", false, false}, "atlas-list-alert-configs": {"alerts", false, false},
	"atlas-create-alert-config": {"alerts", true, false},
	"atlas-list-api-keys":       {"apiKeys", false, false}, "atlas-create-api-key": {"apiKeys", true, false},
	"atlas-delete-api-key":  {"apiKeys", true, true},
	"appservices-list-apps": {"appServices", false, false}, "appservices-get-app": {"appServices", false, false},
	"appservices-list-triggers": {"appServices", false, false},
}

func TestCatalogueHasDesignToolsWithTheirMarks(t *testing.T) {
	all := tools.All()
	for name, want := range designCatalogue {
		tl := tools.Find(all, name)
		if tl == nil {
			t.Errorf("%s is missing", name)
			continue
		}
		if string(tl.Area) != want.area || (tl.Access == tools.Write) != want.write || tl.Destructive != want.dest {
			t.Errorf("%s: area %s access %s destructive %v; want %+v", name, tl.Area, tl.Access, tl.Destructive, want)
		}
	}
}

// Every tool as a host sees it: a title, a description an agent can act on, all
// four hints set explicitly and derived from the spec, an object input schema with
// described properties and no top-level combinators, and an output schema only
// with --output-schemas (then for every tool).
func TestEveryListedToolIsWellFormed(t *testing.T) {
	for _, withOutput := range []bool{false, true} {
		t.Run(fmt.Sprintf("outputSchemas=%v", withOutput), func(t *testing.T) {
			checkListedTools(t, withOutput)
		})
	}
}

func checkListedTools(t *testing.T, withOutput bool) {
	h := newHarness(t, harnessOpts{outputSchemas: withOutput})
	c := h.client(t)
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	all := tools.All()
	for _, mt := range res.Tools {
		a := mt.Annotations
		if a.Title == "" || a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: hints not all set: %+v", mt.Name, a)
			continue
		}
		if len(mt.Description) < 60 {
			t.Errorf("%s: description too thin: %q", mt.Name, mt.Description)
		}
		if spec := tools.Find(all, mt.Name); spec != nil {
			if *a.ReadOnlyHint != (spec.Access == tools.Read) || *a.DestructiveHint != spec.Destructive {
				t.Errorf("%s: hints disagree with the spec", mt.Name)
			}
			if !strings.HasPrefix(mt.Name, "atlas-") && !strings.HasPrefix(mt.Name, "appservices-") {
				t.Errorf("%s: name outside the naming contract", mt.Name)
			}
		}
		wire, err := json.Marshal(mt)
		if err != nil {
			t.Fatal(err)
		}
		var asSent struct {
			InputSchema  map[string]any `json:"inputSchema"`
			OutputSchema map[string]any `json:"outputSchema"`
		}
		if err := json.Unmarshal(wire, &asSent); err != nil {
			t.Fatalf("%s: %v", mt.Name, err)
		}
		schema := asSent.InputSchema
		if schema["type"] != "object" || schema["properties"] == nil {
			t.Errorf("%s: input schema must be an object with properties", mt.Name)
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if _, ok := schema[k]; ok {
				t.Errorf("%s: top-level %s", mt.Name, k)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for pn, pv := range props {
			if d, _ := pv.(map[string]any)["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", mt.Name, pn)
			}
		}
		switch {
		case withOutput && asSent.OutputSchema["type"] != "object":
			t.Errorf("%s: no output schema", mt.Name)
		case !withOutput && asSent.OutputSchema != nil:
			t.Errorf("%s: an output schema without --output-schemas", mt.Name)
		}
	}
}

// The committed schemas are what the Go types generate (go generate ./schemas).
func TestCommittedSchemasMatchTheGoTypes(t *testing.T) {
	for _, tl := range tools.All() {
		gen, err := schemagen.Input(tl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tl.InputSchema()
		if err != nil || string(got) != string(gen) {
			t.Errorf("%s: schemas/%s.input.json is stale; run go generate ./schemas", tl.Name, tl.Name)
		}
		gen, err = schemagen.Output(tl)
		if err != nil {
			t.Fatal(err)
		}
		got, err = tl.OutputSchema()
		if err != nil || string(got) != string(gen) {
			t.Errorf("%s: schemas/%s.output.json is stale; run go generate ./schemas", tl.Name, tl.Name)
		}
	}
}

// One golden file of the whole tools/list per configuration, so any change to
// what hosts see is a reviewed diff.
func TestToolsListGolden(t *testing.T) {
	configs := []struct {
		name     string
		pol      *policy.Policy
		cloud    atlasclient.Cloud
		outputs  bool
		toolsets []tools.Area
	}{
		{"default", policy.Default(policy.Options{}), atlasclient.Commercial, false, nil},
		{"read-only", policy.Default(policy.Options{ReadOnly: true}), atlasclient.Commercial, false, nil},
		{"gov", policy.Default(policy.Options{}), atlasclient.Gov, false, nil},
		{"output-schemas", policy.Default(policy.Options{}), atlasclient.Commercial, true, nil},
		{"toolsets-clusters-backups", policy.Default(policy.Options{}), atlasclient.Commercial, false, []tools.Area{tools.AreaClusters, tools.AreaBackups}},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{policy: cfg.pol, cloud: cfg.cloud, outputSchemas: cfg.outputs, toolsets: cfg.toolsets})
			c := h.client(t)
			res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(res.Tools, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "..", "testdata", "golden", "tools-list-"+cfg.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/server -run TestToolsListGolden -update)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Fatalf("tools/list for %s changed; review and run with -update", cfg.name)
			}
			names := map[string]bool{}
			for _, tl := range res.Tools {
				names[tl.Name] = true
			}
			switch cfg.name {
			case "read-only":
				for _, tl := range res.Tools {
					if tl.Annotations.ReadOnlyHint == nil || !*tl.Annotations.ReadOnlyHint {
						t.Errorf("read-only lists write tool %s", tl.Name)
					}
				}
			case "toolsets-clusters-backups":
				for _, tl := range res.Tools {
					spec := tools.Find(tools.All(), tl.Name)
					if spec == nil && tl.Name != whoamiName || spec != nil && spec.Area != tools.AreaClusters && spec.Area != tools.AreaBackups {
						t.Errorf("toolsets clusters,backups lists %s", tl.Name)
					}
				}
				if !names["atlas-whoami"] || !names["atlas-list-clusters"] || !names["atlas-create-restore-job"] {
					t.Errorf("toolsets clusters,backups lacks a tool: %v", names)
				}
			case "gov":
				for n := range names {
					if strings.HasPrefix(n, "appservices-") {
						t.Errorf("gov lists %s", n)
					}
				}
			}
		})
	}
}
