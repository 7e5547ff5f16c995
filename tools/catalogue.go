package tools

import (
	"fmt"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/access"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// catalogue lists the areas, in access.Areas order, each with the function
// of its file that lists the area's tools (orgTools in orgs.go, …): a new
// tool is one spec in its area's file and one entry in that file's list.
// Functions, not values, so that every All() builds fresh specs and no
// package-level state exists.
func catalogue() []struct {
	area  Area
	tools func() []*Tool
} {
	return []struct {
		area  Area
		tools func() []*Tool
	}{
		{AreaOrganizations, orgTools},
		{AreaProjects, projectTools},
		{AreaClusters, clusterTools},
		{AreaDatabaseUsers, dbUserTools},
		{AreaNetworkAccess, accessListTools},
		{AreaBackups, backupTools},
		{AreaAlerts, alertTools},
		{AreaAPIKeys, apiKeyTools},
		{AreaAppServices, appServicesTools},
	}
}

// All returns every tool of the catalogue, in a stable order: by area, then
// as the area's file lists them (reads before writes). A tool listed under
// an area it does not declare is a programming error (and a failing test).
func All() []*Tool {
	var out []*Tool
	for _, a := range catalogue() {
		for _, t := range a.tools() {
			if t.Area != a.area {
				panic(fmt.Sprintf("tools: %s declares area %s but is listed under %s", t.Name, t.Area, a.area))
			}
			out = append(out, t)
		}
	}
	return out
}

// ForCloud returns the tools that exist in the given cloud: in Atlas for
// Government, tools for features it does not have are not offered at all.
func ForCloud(cloud atlasclient.Cloud) []*Tool {
	all := All()
	if cloud != atlasclient.Gov {
		return all
	}
	out := all[:0]
	for _, t := range all {
		if !t.GovUnavailable {
			out = append(out, t)
		}
	}
	return out
}

// Find returns the tool with the given name from a list.
func Find(list []*Tool, name string) *Tool {
	for _, t := range list {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Areas are the catalogue's areas in its order: the names of toolsets.
func Areas() []Area { return access.Areas() }

// ParseToolsets reads a comma-separated list of areas (--toolsets, like
// github-mcp-server's): names match case-insensitively; an unknown one is an
// error that lists the names. Empty means every area (nil).
func ParseToolsets(s string) ([]Area, error) {
	var out []Area
	seen := map[Area]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found, ok := access.LookupArea(name)
		if !ok {
			return nil, fmt.Errorf("unknown toolset %q: use a comma-separated list of %s", name, strings.Join(access.Names(), ", "))
		}
		if !seen[found] {
			seen[found] = true
			out = append(out, found)
		}
	}
	return out, nil
}

// InAreas keeps the tools of the given areas; no areas keeps them all.
func InAreas(list []*Tool, areas []Area) []*Tool {
	if len(areas) == 0 {
		return list
	}
	keep := map[Area]bool{}
	for _, a := range areas {
		keep[a] = true
	}
	var out []*Tool
	for _, t := range list {
		if keep[t.Area] {
			out = append(out, t)
		}
	}
	return out
}
