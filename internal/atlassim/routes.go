package atlassim

import "net/http"

// v2Routes is the Admin API v2 surface (paths relative to /api/atlas/v2), each
// with its dated versions from operations.json and its rate-limit set.
func v2Routes() []*route {
	base := []string{"2023-01-01"}
	clustersRead := []string{"2023-01-01", "2023-02-01", "2024-08-05"}
	clustersWrite := []string{"2023-01-01", "2023-02-01", "2024-08-05", "2024-10-23"}
	clusterDelete := []string{"2023-01-01", "2023-02-01"}
	// Flex clusters are not in the subset; Atlas introduced them with 2024-11-13.
	flex := []string{"2024-11-13"}

	const (
		get = http.MethodGet
		pst = http.MethodPost
		pat = http.MethodPatch
		del = http.MethodDelete
	)
	// The simulator models clusters as ClusterDescription20240805 only; the
	// 2023 versions have other shapes (LegacyAtlasCluster,
	// AdvancedClusterDescription), which it refuses honestly.
	legacyClusters := []string{"2023-01-01", "2023-02-01"}
	return []*route{
		newRoute(get, "/groups/{groupId}/clusters", clustersRead, SetClusters, (*Sim).listClusters).withLegacy(legacyClusters),
		newRoute(pst, "/groups/{groupId}/clusters", clustersWrite, SetClusters, (*Sim).createCluster).withLegacy(legacyClusters),
		newRoute(get, "/groups/{groupId}/clusters/{clusterName}", clustersRead, SetClusters, (*Sim).getCluster).withLegacy(legacyClusters),
		newRoute(pat, "/groups/{groupId}/clusters/{clusterName}", clustersWrite, SetClusters, (*Sim).updateCluster).withLegacy(legacyClusters),
		newRoute(del, "/groups/{groupId}/clusters/{clusterName}", clusterDelete, SetClusters, (*Sim).deleteCluster),

		newRoute(get, "/groups/{groupId}/flexClusters", flex, SetStandard, (*Sim).listFlexClusters),
		newRoute(get, "/groups/{groupId}/flexClusters/{name}", flex, SetStandard, (*Sim).getFlexCluster),

		newRoute(get, "/groups", base, SetStandard, (*Sim).listGroups),
		newRoute(pst, "/groups", base, SetStandard, (*Sim).createGroup),
		newRoute(get, "/groups/{groupId}", base, SetStandard, (*Sim).getGroup),
		newRoute(del, "/groups/{groupId}", base, SetStandard, (*Sim).deleteGroup),

		newRoute(get, "/groups/{groupId}/databaseUsers", base, SetDatabaseUsers, (*Sim).listDBUsers),
		newRoute(pst, "/groups/{groupId}/databaseUsers", base, SetDatabaseUsers, (*Sim).createDBUser),
		newRoute(del, "/groups/{groupId}/databaseUsers/{databaseName}/{username}", base, SetDatabaseUsers, (*Sim).deleteDBUser),

		newRoute(get, "/groups/{groupId}/accessList", base, SetStandard, (*Sim).listAccess),
		newRoute(pst, "/groups/{groupId}/accessList", base, SetStandard, (*Sim).createAccess),
		newRoute(del, "/groups/{groupId}/accessList/{entryValue}", base, SetStandard, (*Sim).deleteAccess),

		newRoute(get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", base, SetStandard, (*Sim).listSnapshots),
		newRoute(pst, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", base, SetStandard, (*Sim).takeSnapshot),
		newRoute(get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}", base, SetStandard, (*Sim).getSnapshot),
		newRoute(get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", base, SetStandard, (*Sim).listRestores),
		newRoute(pst, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", base, SetStandard, (*Sim).createRestore),
		newRoute(get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs/{restoreJobId}", base, SetStandard, (*Sim).getRestore),

		newRoute(get, "/orgs", base, SetStandard, (*Sim).listOrgs),
		newRoute(get, "/orgs/{orgId}", base, SetStandard, (*Sim).getOrg),

		newRoute(get, "/groups/{groupId}/alerts", base, SetStandard, (*Sim).listAlerts),
		newRoute(get, "/groups/{groupId}/alertConfigs", base, SetStandard, (*Sim).listAlertConfigs),
		newRoute(pst, "/groups/{groupId}/alertConfigs", base, SetStandard, (*Sim).createAlertConfig),

		newRoute(get, "/orgs/{orgId}/apiKeys", base, SetStandard, (*Sim).listAPIKeys),
		newRoute(pst, "/orgs/{orgId}/apiKeys", base, SetStandard, (*Sim).createAPIKey),
		newRoute(del, "/orgs/{orgId}/apiKeys/{apiUserId}", base, SetStandard, (*Sim).deleteAPIKey),
	}
}

// appServicesRoutes is the App Services Admin API v3.0 surface (relative to
// /api/admin/v3.0); it is unversioned.
func appServicesRoutes() []*route {
	return []*route{
		newRoute(http.MethodPost, "/auth/providers/mongodb-cloud/login", nil, "", (*Sim).asLogin),
		newRoute(http.MethodPost, "/auth/session", nil, "", (*Sim).asRefreshSession),
		newRoute(http.MethodDelete, "/auth/session", nil, "", (*Sim).asLogout),
		newRoute(http.MethodGet, "/groups/{groupId}/apps", nil, SetAppServices, (*Sim).asListApps),
		newRoute(http.MethodGet, "/groups/{groupId}/apps/{appId}", nil, SetAppServices, (*Sim).asGetApp),
		newRoute(http.MethodGet, "/groups/{groupId}/apps/{appId}/triggers", nil, SetAppServices, (*Sim).asListTriggers),
		newRoute(http.MethodGet, "/groups/{groupId}/apps/{appId}/triggers/{triggerId}", nil, SetAppServices, (*Sim).asGetTrigger),
	}
}
