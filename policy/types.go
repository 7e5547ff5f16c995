package policy

import "time"

// Access is what a tool does to Atlas: read only, or change something. Write does
// not imply read: a grant lists each access it gives (access: [read, write]).
type Access string

// Accesses a tool can have.
const (
	Read  Access = "read"
	Write Access = "write"
)

// Area is a part of Atlas a grant covers; each tool belongs to exactly one.
type Area string

// Areas, named as the seed's Admin API guide groups its endpoints.
const (
	AreaOrganizations Area = "organizations"
	AreaProjects      Area = "projects"
	AreaClusters      Area = "clusters"
	AreaDatabaseUsers Area = "databaseUsers"
	AreaNetworkAccess Area = "networkAccess"
	AreaBackups       Area = "backups"
	AreaAlerts        Area = "alerts"
	AreaAPIKeys       Area = "apiKeys"
	AreaAppServices   Area = "appServices"
)

// AllAreas returns every area in a stable order. It is a function, not a
// variable, so no caller can change the set for everyone else.
func AllAreas() []Area {
	return []Area{
		AreaOrganizations, AreaProjects, AreaClusters, AreaDatabaseUsers,
		AreaNetworkAccess, AreaBackups, AreaAlerts, AreaAPIKeys, AreaAppServices,
	}
}

func validArea(a Area) bool {
	for _, x := range AllAreas() {
		if a == x {
			return true
		}
	}
	return false
}

func validAccess(a Access) bool { return a == Read || a == Write }

// orgScoped areas address organizations, never one project, so a grant's
// projects allowlist could never match there.
func orgScoped(a Area) bool {
	return a == AreaOrganizations || a == AreaAPIKeys
}

// ToolInfo is what the policy needs to know about a tool. The catalogue is the one
// source of these facts; the policy never guesses them from the name.
type ToolInfo struct {
	Name        string
	Area        Area
	Access      Access
	Destructive bool
}

// Call is what the server knows about one tool call after decoding and validating
// its arguments.
type Call struct {
	Tool ToolInfo
	// ProjectID is the Atlas group ID the call acts in; "" when the tool is not
	// project-scoped (list orgs, list or create projects, API keys).
	ProjectID string
	// OrgID is the organization the call acts in, when the server knows it.
	OrgID string
	// Projects is every project the call touches, ProjectID first, then others
	// (a restore's target project). Grants, deny rules and constraints apply to each.
	Projects []string
	Args     Args
}

// Args are the arguments the policy's constraints look at. The server fills what
// the call carries and leaves the rest empty; an empty field is never checked.
type Args struct {
	// ClusterName is the cluster the call acts on: the cluster created, changed
	// or deleted, or for a restore the target cluster whose data is replaced.
	ClusterName string
	// Clusters is every cluster the call touches: for a restore, the source
	// (read) and the target (overwritten).
	Clusters      []ClusterRef
	InstanceSize  string   // deprecated: the largest of InstanceSizes
	InstanceSizes []string // every tier anywhere in the body
	Providers     []string // "AWS", "GCP", "AZURE", "TENANT"
	Regions       []string // Atlas region names, e.g. "US_EAST_1"
	TotalNodes    int
	MaxDiskSizeGB float64
	// AccessEntries are the IP access list entries a call would create.
	AccessEntries []AccessEntry
	DBRoles       []Role
	APIKeyRoles   []string // ORG_* role names of an API key
}

// ClusterRef is one cluster a call acts on.
type ClusterRef struct {
	ProjectID, Name string
	Overwritten     bool
}

// Role is one database role with its database.
type Role struct{ Name, Database, Collection string }

// AccessEntry is one IP access list entry.
type AccessEntry struct {
	CIDR        string // always CIDR form: an IP becomes /32 or /128
	Comment     string
	DeleteAfter *time.Time
}

func roleNames(rs []Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}
