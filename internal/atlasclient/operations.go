package atlasclient

import "net/http"

// Operation is one row of the table of Atlas endpoints this client may call: the
// dated version it is sent with and the rate-limit endpoint set it draws from. It
// is the single source of truth for versions; tools name only method and template.
type Operation struct {
	API      API
	Method   string
	Template string
	// Version is the dated resource version (YYYY-MM-DD) sent in Accept and
	// Content-Type. Empty for App Services (plain JSON).
	Version string
	// RateSet is the seed's endpoint set: "clusters" and "databaseUsers" have their
	// own project-scoped buckets; everything else is "standard".
	RateSet string
	// ScopeParam is the placeholder whose value scopes the bucket (groupId or
	// orgId); empty means one global bucket for the set.
	ScopeParam string
	// Permission is the Atlas role the credential needs (the seed's Permission
	// column), quoted in 403 hints.
	Permission string
}

// Rate-limit endpoint sets.
const (
	SetClusters      = "clusters"
	SetDatabaseUsers = "databaseUsers"
	SetStandard      = "standard"
	SetAppServices   = "appServices"
)

const (
	get  = http.MethodGet
	post = http.MethodPost
	pat  = http.MethodPatch
	del  = http.MethodDelete
)

// Operations lists every endpoint the catalogue uses, with versions from the
// OpenAPI document (../shared/atlas/REFERENCE.md, "Versions per resource").
var Operations = []Operation{
	// Clusters (own bucket per project).
	{AdminV2, get, "/groups/{groupId}/clusters", "2024-08-05", SetClusters, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/clusters", "2024-10-23", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER"},
	{AdminV2, get, "/groups/{groupId}/clusters/{clusterName}", "2024-08-05", SetClusters, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, pat, "/groups/{groupId}/clusters/{clusterName}", "2024-10-23", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER"},
	{AdminV2, del, "/groups/{groupId}/clusters/{clusterName}", "2023-02-01", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER"},

	// Projects.
	{AdminV2, get, "/groups", "2023-01-01", SetStandard, "", "ORG_READ_ONLY"},
	{AdminV2, post, "/groups", "2023-01-01", SetStandard, "", "ORG_GROUP_CREATOR"},
	{AdminV2, get, "/groups/{groupId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, del, "/groups/{groupId}", "2023-01-01", SetStandard, "groupId", "GROUP_OWNER"},

	// Database users (own bucket per project).
	{AdminV2, get, "/groups/{groupId}/databaseUsers", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/databaseUsers", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_DATABASE_ACCESS_ADMIN"},
	{AdminV2, del, "/groups/{groupId}/databaseUsers/{databaseName}/{username}", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_DATABASE_ACCESS_ADMIN"},

	// Network access.
	{AdminV2, get, "/groups/{groupId}/accessList", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/accessList", "2023-01-01", SetStandard, "groupId", "GROUP_NETWORK_ACCESS_MANAGER"},
	{AdminV2, del, "/groups/{groupId}/accessList/{entryValue}", "2023-01-01", SetStandard, "groupId", "GROUP_NETWORK_ACCESS_MANAGER"},

	// Backups.
	{AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "2023-01-01", SetStandard, "groupId", "GROUP_BACKUP_MANAGER"},
	{AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "2023-01-01", SetStandard, "groupId", "GROUP_BACKUP_MANAGER"},
	{AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs/{restoreJobId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},

	// Organizations.
	{AdminV2, get, "/orgs", "2023-01-01", SetStandard, "", "ORG_READ_ONLY"},
	{AdminV2, get, "/orgs/{orgId}", "2023-01-01", SetStandard, "orgId", "ORG_READ_ONLY"},

	// Alerts.
	{AdminV2, get, "/groups/{groupId}/alerts", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, get, "/groups/{groupId}/alertConfigs", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY"},
	{AdminV2, post, "/groups/{groupId}/alertConfigs", "2023-01-01", SetStandard, "groupId", "GROUP_ALERTS_MANAGER"},

	// Programmatic API keys.
	{AdminV2, get, "/orgs/{orgId}/apiKeys", "2023-01-01", SetStandard, "orgId", "ORG_READ_ONLY"},
	{AdminV2, post, "/orgs/{orgId}/apiKeys", "2023-01-01", SetStandard, "orgId", "ORG_OWNER"},
	{AdminV2, del, "/orgs/{orgId}/apiKeys/{apiUserId}", "2023-01-01", SetStandard, "orgId", "ORG_OWNER"},

	// App Services Admin API v3.0 (paths under /api/admin/v3.0).
	{AppServices, get, "/groups/{groupId}/apps", "", SetAppServices, "groupId", "GROUP_READ_ONLY"},
	{AppServices, get, "/groups/{groupId}/apps/{appId}", "", SetAppServices, "groupId", "GROUP_READ_ONLY"},
	{AppServices, get, "/groups/{groupId}/apps/{appId}/triggers", "", SetAppServices, "groupId", "GROUP_READ_ONLY"},
	{AppServices, get, "/groups/{groupId}/apps/{appId}/triggers/{triggerId}", "", SetAppServices, "groupId", "GROUP_READ_ONLY"},
}

// LookupOperation finds the operation for a method and template.
func LookupOperation(method, template string) (Operation, bool) {
	for _, op := range Operations {
		if op.Method == method && op.Template == template {
			return op, true
		}
	}
	return Operation{}, false
}
