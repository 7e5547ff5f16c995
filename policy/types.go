package policy

import (
	"time"

	"github.com/atlas-mcp/atlas-mcp/access"
)

// Access is what a tool does to Atlas (read or write); Area is the part of
// Atlas a grant covers. Both are the shared names of package access, so the
// catalogue's facts reach the policy without conversion.
type (
	Access = access.Mode
	Area   = access.Area
)

// The modes and areas, under the names policy files and callers have used.
const (
	Read  = access.Read
	Write = access.Write

	AreaOrganizations = access.Organizations
	AreaProjects      = access.Projects
	AreaClusters      = access.Clusters
	AreaDatabaseUsers = access.DatabaseUsers
	AreaNetworkAccess = access.NetworkAccess
	AreaBackups       = access.Backups
	AreaAlerts        = access.Alerts
	AreaAPIKeys       = access.APIKeys
	AreaAppServices   = access.AppServices
)

// AllAreas returns every area in a stable order (access.Areas).
func AllAreas() []Area { return access.Areas() }

// ToolInfo is what the policy needs to know about a tool. The catalogue is the one
// source of these facts; the policy never guesses them from the name.
type ToolInfo struct {
	Name        string
	Area        Area
	Access      Access
	Destructive bool
	// Confirms says why the tool needs a person's yes by default (its spec
	// says so: "creates an Atlas credential"); empty: it does not. confirm.skip
	// can drop it; a destructive tool is confirmed whatever it says.
	Confirms string
}

// Call is what the server knows about one tool call: the facts it extracted from
// the call's plan (the exact Atlas requests it would send), never from the flat
// arguments, so an escape-hatch body or a second project cannot walk around a
// check the policy makes.
type Call struct {
	Tool ToolInfo
	// ProjectID is the primary Atlas group ID the call acts in; "" when the
	// tool is not project-scoped (list orgs, list or create projects, API keys).
	ProjectID string
	// OrgID is the organization the call acts in, when the server knows it.
	OrgID string
	// Projects is every project the call touches, ProjectID first, then others
	// (a restore's target project). Grants, deny rules and constraints apply to
	// each; ProjectID is counted whether or not it is repeated here.
	Projects []string
	Args     Args
}

// Args are the facts of the plan the policy's constraints look at. The server
// fills what the plan carries and leaves the rest empty; an empty field is never
// checked. Every list holds every value found anywhere in the plan's bodies: a
// check is only as complete as the list it is given.
type Args struct {
	// ClusterName is the primary cluster acted on: the cluster created, changed
	// or deleted, or for a restore the target cluster whose data is replaced.
	ClusterName string
	// Clusters is every cluster the call touches: for a restore, the source
	// (read) and the target (Overwritten). protectedNames applies to
	// ClusterName and to each Overwritten one.
	Clusters []ClusterRef
	// InstanceSizes is every tier anywhere in the bodies: electable, read-only
	// and analytics specs, auto-scaling minimum and maximum ("M30", "FLEX", "M0").
	InstanceSizes []string
	Providers     []string // every provider, the backing provider for TENANT: "AWS", "GCP", "AZURE", "TENANT"
	Regions       []string // every Atlas region name, e.g. "US_EAST_1"
	// TotalNodes is the sum of nodeCount over every spec of every region config
	// of every replication spec; 0 when the plan sets none.
	TotalNodes int
	// MaxDiskSizeGB is the largest diskSizeGB anywhere; 0 when not given.
	MaxDiskSizeGB float64
	// AccessEntries are every IP access list entry the call would create.
	AccessEntries []AccessEntry
	// ExistingAccessEntries are the entries the project's list held when the
	// call was planned (the server reads them for atlas-create-access-list).
	// The whole-internet refusal judges them with AccessEntries, so it cannot
	// be walked around one half at a time; every other network rule judges
	// the new entries alone.
	ExistingAccessEntries []AccessEntry
	DBRoles               []Role   // every role of a database user, with its database
	APIKeyRoles           []string // role names of an API key: ORG_* or GROUP_*
}

// ClusterRef is one cluster a call touches.
type ClusterRef struct {
	ProjectID string
	Name      string
	// Overwritten is true for a cluster the call changes, deletes or replaces
	// the data of (a restore's target), false for one it only reads (a
	// restore's source).
	Overwritten bool
}

// Role is one database user role: its name, and the database (and collection)
// it applies to. Database is "" when the server does not know it; the policy
// then assumes the worst for each constraint.
type Role struct{ Name, Database, Collection string }

// AccessEntry is one IP access list entry.
type AccessEntry struct {
	CIDR        string // always CIDR form: an IP becomes /32 or /128
	Comment     string
	DeleteAfter *time.Time
}
