package tools

import (
	"fmt"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// All returns every tool of the catalogue, in a stable order (by area, then reads
// before writes). Each call builds fresh specs: there is no package-level state.
func All() []*Tool {
	return []*Tool{
		listOrgs(), getOrg(),
		listProjects(), getProject(), createProject(), deleteProject(),
		listClusters(), getCluster(), createCluster(), updateCluster(), deleteCluster(),
		listDBUsers(), createDBUser(), deleteDBUser(),
		listAccessList(), createAccessList(), deleteAccessList(),
		listSnapshots(), getSnapshot(), createSnapshot(), listRestoreJobs(), getRestoreJob(), createRestoreJob(),
		listAlerts(), listAlertConfigs(), createAlertConfig(),
		listAPIKeys(), createAPIKey(), deleteAPIKey(),
		listApps(), getApp(), listTriggers(), getTrigger(),
	}
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
func Areas() []Area {
	return []Area{AreaOrganizations, AreaProjects, AreaClusters, AreaDatabaseUsers, AreaNetworkAccess, AreaBackups, AreaAlerts, AreaAPIKeys, AreaAppServices}
}

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
		var found Area
		for _, a := range Areas() {
			if strings.EqualFold(string(a), name) {
				found = a
			}
		}
		if found == "" {
			names := make([]string, 0, len(Areas()))
			for _, a := range Areas() {
				names = append(names, string(a))
			}
			return nil, fmt.Errorf("unknown toolset %q: use a comma-separated list of %s", name, strings.Join(names, ", "))
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
