package atlasclient

import "net/http"

// OpID names an operation: the OpenAPI operationId for the Admin API (checked
// against the vendored specification by a test), a name of ours for App
// Services. Tools name operations only by OpID, so an operation's method,
// path, version, rate-limit set, scope and permission are written once, here.
type OpID string

// The operations of the catalogue.
const (
	ListGroupClusters                  OpID = "listGroupClusters"
	CreateGroupCluster                 OpID = "createGroupCluster"
	GetGroupCluster                    OpID = "getGroupCluster"
	UpdateGroupCluster                 OpID = "updateGroupCluster"
	DeleteGroupCluster                 OpID = "deleteGroupCluster"
	ListGroups                         OpID = "listGroups"
	CreateGroup                        OpID = "createGroup"
	GetGroup                           OpID = "getGroup"
	DeleteGroup                        OpID = "deleteGroup"
	ListGroupDatabaseUsers             OpID = "listGroupDatabaseUsers"
	CreateGroupDatabaseUser            OpID = "createGroupDatabaseUser"
	DeleteGroupDatabaseUser            OpID = "deleteGroupDatabaseUser"
	ListGroupAccessListEntries         OpID = "listGroupAccessListEntries"
	CreateGroupAccessListEntry         OpID = "createGroupAccessListEntry"
	DeleteGroupAccessListEntry         OpID = "deleteGroupAccessListEntry"
	ListGroupClusterBackupSnapshots    OpID = "listGroupClusterBackupSnapshots"
	TakeGroupClusterBackupSnapshots    OpID = "takeGroupClusterBackupSnapshots"
	GetGroupClusterBackupSnapshot      OpID = "getGroupClusterBackupSnapshot"
	ListGroupClusterBackupRestoreJobs  OpID = "listGroupClusterBackupRestoreJobs"
	CreateGroupClusterBackupRestoreJob OpID = "createGroupClusterBackupRestoreJob"
	GetGroupClusterBackupRestoreJob    OpID = "getGroupClusterBackupRestoreJob"
	ListOrgs                           OpID = "listOrgs"
	GetOrg                             OpID = "getOrg"
	ListGroupAlerts                    OpID = "listGroupAlerts"
	ListGroupAlertConfigs              OpID = "listGroupAlertConfigs"
	CreateGroupAlertConfig             OpID = "createGroupAlertConfig"
	ListOrgApiKeys                     OpID = "listOrgApiKeys"
	CreateOrgApiKey                    OpID = "createOrgApiKey"
	DeleteOrgApiKey                    OpID = "deleteOrgApiKey"
	AppServicesListApps                OpID = "appServicesListApps"
	AppServicesGetApp                  OpID = "appServicesGetApp"
	AppServicesListTriggers            OpID = "appServicesListTriggers"
	AppServicesGetTrigger              OpID = "appServicesGetTrigger"
)

// Operation is one row of the table of Atlas endpoints this client may call: the
// dated version it is sent with and the rate-limit endpoint set it draws from. It
// is the single source of truth for each operation; tools name only its ID.
type Operation struct {
	ID       OpID
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
	// column), quoted in 403 hints and listed by `atlas-mcp tools`.
	Permission string
	// Roles are the roles Atlas's API reference lists for the operation
	// (its rolesRequired, any one of them suffices), held equal to the
	// vendored OpenAPI by a test; empty where it lists none (App Services,
	// listOrgs, listGroups, createGroup). Where they name another role than
	// Permission, the 403 hint quotes both.
	Roles []string
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
	{ListGroupClusters, AdminV2, get, "/groups/{groupId}/clusters", "2024-08-05", SetClusters, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{CreateGroupCluster, AdminV2, post, "/groups/{groupId}/clusters", "2024-10-23", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER", []string{"Project Cluster Creator"}},
	{GetGroupCluster, AdminV2, get, "/groups/{groupId}/clusters/{clusterName}", "2024-08-05", SetClusters, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{UpdateGroupCluster, AdminV2, pat, "/groups/{groupId}/clusters/{clusterName}", "2024-10-23", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER", []string{"Project Cluster Manager", "Project Cluster Resilience Tester", "Project Replica Set Manager"}},
	{DeleteGroupCluster, AdminV2, del, "/groups/{groupId}/clusters/{clusterName}", "2023-02-01", SetClusters, "groupId", "GROUP_CLUSTER_MANAGER", []string{"Project Owner"}},

	// Projects.
	{ListGroups, AdminV2, get, "/groups", "2023-01-01", SetStandard, "", "ORG_READ_ONLY", nil},
	{CreateGroup, AdminV2, post, "/groups", "2023-01-01", SetStandard, "", "ORG_GROUP_CREATOR", nil},
	{GetGroup, AdminV2, get, "/groups/{groupId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{DeleteGroup, AdminV2, del, "/groups/{groupId}", "2023-01-01", SetStandard, "groupId", "GROUP_OWNER", []string{"Project Owner"}},

	// Database users (own bucket per project).
	{ListGroupDatabaseUsers, AdminV2, get, "/groups/{groupId}/databaseUsers", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{CreateGroupDatabaseUser, AdminV2, post, "/groups/{groupId}/databaseUsers", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_DATABASE_ACCESS_ADMIN", []string{"Project Database Access Admin", "Project Stream Processing Owner"}},
	{DeleteGroupDatabaseUser, AdminV2, del, "/groups/{groupId}/databaseUsers/{databaseName}/{username}", "2023-01-01", SetDatabaseUsers, "groupId", "GROUP_DATABASE_ACCESS_ADMIN", []string{"Project Database Access Admin", "Project Stream Processing Owner"}},

	// Network access.
	{ListGroupAccessListEntries, AdminV2, get, "/groups/{groupId}/accessList", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{CreateGroupAccessListEntry, AdminV2, post, "/groups/{groupId}/accessList", "2023-01-01", SetStandard, "groupId", "GROUP_NETWORK_ACCESS_MANAGER", []string{"Project Network Access Manager"}},
	{DeleteGroupAccessListEntry, AdminV2, del, "/groups/{groupId}/accessList/{entryValue}", "2023-01-01", SetStandard, "groupId", "GROUP_NETWORK_ACCESS_MANAGER", []string{"Project Network Access Manager"}},

	// Backups.
	{ListGroupClusterBackupSnapshots, AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{TakeGroupClusterBackupSnapshots, AdminV2, post, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", "2023-01-01", SetStandard, "groupId", "GROUP_BACKUP_MANAGER", []string{"Project Backup Creator"}},
	{GetGroupClusterBackupSnapshot, AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/snapshots/{snapshotId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{ListGroupClusterBackupRestoreJobs, AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Backup Manager"}},
	{CreateGroupClusterBackupRestoreJob, AdminV2, post, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs", "2023-01-01", SetStandard, "groupId", "GROUP_BACKUP_MANAGER", []string{"Project Backup Export Operator", "Project Backup Recovery Operator"}},
	{GetGroupClusterBackupRestoreJob, AdminV2, get, "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs/{restoreJobId}", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Backup Manager"}},

	// Organizations.
	{ListOrgs, AdminV2, get, "/orgs", "2023-01-01", SetStandard, "", "ORG_READ_ONLY", nil},
	{GetOrg, AdminV2, get, "/orgs/{orgId}", "2023-01-01", SetStandard, "orgId", "ORG_READ_ONLY", []string{"Organization Member"}},

	// Alerts.
	{ListGroupAlerts, AdminV2, get, "/groups/{groupId}/alerts", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{ListGroupAlertConfigs, AdminV2, get, "/groups/{groupId}/alertConfigs", "2023-01-01", SetStandard, "groupId", "GROUP_READ_ONLY", []string{"Project Read Only"}},
	{CreateGroupAlertConfig, AdminV2, post, "/groups/{groupId}/alertConfigs", "2023-01-01", SetStandard, "groupId", "GROUP_ALERTS_MANAGER", []string{"Project Alerts Manager"}},

	// Programmatic API keys.
	{ListOrgApiKeys, AdminV2, get, "/orgs/{orgId}/apiKeys", "2023-01-01", SetStandard, "orgId", "ORG_READ_ONLY", []string{"Organization Member"}},
	{CreateOrgApiKey, AdminV2, post, "/orgs/{orgId}/apiKeys", "2023-01-01", SetStandard, "orgId", "ORG_OWNER", []string{"Organization Owner"}},
	{DeleteOrgApiKey, AdminV2, del, "/orgs/{orgId}/apiKeys/{apiUserId}", "2023-01-01", SetStandard, "orgId", "ORG_OWNER", []string{"Organization Owner"}},

	// App Services Admin API v3.0 (paths under /api/admin/v3.0).
	{AppServicesListApps, AppServices, get, "/groups/{groupId}/apps", "", SetAppServices, "groupId", "GROUP_READ_ONLY", nil},
	{AppServicesGetApp, AppServices, get, "/groups/{groupId}/apps/{appId}", "", SetAppServices, "groupId", "GROUP_READ_ONLY", nil},
	{AppServicesListTriggers, AppServices, get, "/groups/{groupId}/apps/{appId}/triggers", "", SetAppServices, "groupId", "GROUP_READ_ONLY", nil},
	{AppServicesGetTrigger, AppServices, get, "/groups/{groupId}/apps/{appId}/triggers/{triggerId}", "", SetAppServices, "groupId", "GROUP_READ_ONLY", nil},
}

// LookupOp finds the operation of an ID.
func LookupOp(id OpID) (Operation, bool) {
	for _, op := range Operations {
		if op.ID == id {
			return op, true
		}
	}
	return Operation{}, false
}

// Operation is the operation a request names: by Op when set (how tools
// name them), else by Method and Template.
func (r *Request) Operation() (Operation, bool) {
	if r.Op != "" {
		op, ok := LookupOp(r.Op)
		if ok && (r.Method != "" && r.Method != op.Method || r.Template != "" && r.Template != op.Template) {
			return Operation{}, false
		}
		return op, ok
	}
	return LookupOperation(r.Method, r.Template)
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
