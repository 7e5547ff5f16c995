package main

import (
	"encoding/json"
	"testing"
)

// --toolsets (and ATLAS_MCP_TOOLSETS) keep only the named areas' tools, plus
// atlas-whoami, everywhere the catalogue shows: the server, `tools`, `call`.
// An unknown name is refused with the list of names.
func TestToolsets(t *testing.T) {
	areas := func(r cliResult) map[string]bool {
		t.Helper()
		if r.err != nil {
			t.Fatalf("%v\n%s", r.err, r.stderr)
		}
		var rows []struct{ Name, Area string }
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		out := map[string]bool{}
		for _, row := range rows {
			out[row.Area] = true
		}
		return out
	}
	for name, r := range map[string]cliResult{
		"flag":             runCLI(t, nil, nil, "--sandbox", "--toolsets", "clusters,Backups", "tools", "--json"),
		"env":              runCLI(t, map[string]string{"ATLAS_MCP_TOOLSETS": "clusters, backups"}, nil, "--sandbox", "tools", "--json"),
		"tools --toolsets": runCLI(t, nil, nil, "--sandbox", "tools", "--json", "--toolsets", "backups,clusters"),
	} {
		got := areas(r)
		if len(got) != 3 || !got["clusters"] || !got["backups"] || !got["builtin"] {
			t.Errorf("%s: areas %v, want clusters, backups and atlas-whoami's", name, got)
		}
	}
	for _, args := range [][]string{
		{"--sandbox", "--toolsets", "clusterz", "tools"},
		{"--sandbox", "tools", "--toolsets", "clusters,pigeons"},
	} {
		r := runCLI(t, nil, nil, args...)
		if r.err == nil {
			t.Fatalf("%v: accepted an unknown toolset", args)
		}
		mustContain(t, "refusal", r.err.Error()+r.stderr, "unknown toolset", "organizations, projects, clusters, databaseUsers, networkAccess, backups, alerts, apiKeys, appServices")
	}
	r := runCLI(t, nil, nil, "--sandbox", "--toolsets", "clusters", "call", "atlas-list-projects")
	if r.err == nil {
		t.Fatalf("a tool outside the toolsets ran: %s", r.stdout)
	}
	mustContain(t, "refusal", r.err.Error()+r.stderr, "--toolsets")
	if r := runCLI(t, nil, nil, "--sandbox", "--toolsets", "clusters", "call", "atlas-list-clusters"); r.err != nil {
		t.Fatalf("a tool of the toolset: %v\n%s", r.err, r.stderr)
	}
}
