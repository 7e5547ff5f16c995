package tools

import "github.com/atlas-mcp/atlas-mcp/internal/atlasclient"

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
