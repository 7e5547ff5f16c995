// Package access names the two facts about a tool that both the catalogue
// (tools) and the policy need: the part of Atlas it belongs to (Area) and
// whether it only reads Atlas or changes it (Mode). A grant is area × mode;
// a tool declares one area and its Atlas operation decides its mode. One
// small package so that the names, the set of areas and their order are
// written once and neither side converts between look-alike types.
package access

import "strings"

// Mode is what a tool does to Atlas: read only, or change something. Write
// does not imply read: a grant lists each mode it gives (access: [read, write]).
type Mode string

// The two modes.
const (
	Read  Mode = "read"
	Write Mode = "write"
)

// Valid reports whether m is one of the two modes.
func (m Mode) Valid() bool { return m == Read || m == Write }

// Area is a part of Atlas a grant covers; each tool belongs to exactly one.
// The names are the seed's grouping of the Admin API's endpoints; they are
// the policy file's `areas:` values and the toolsets of --toolsets.
type Area string

// The areas.
const (
	Organizations Area = "organizations"
	Projects      Area = "projects"
	Clusters      Area = "clusters"
	DatabaseUsers Area = "databaseUsers"
	NetworkAccess Area = "networkAccess"
	Backups       Area = "backups"
	Alerts        Area = "alerts"
	APIKeys       Area = "apiKeys"
	AppServices   Area = "appServices"
)

// Areas returns every area in the catalogue's order. It is a function, not a
// variable, so no caller can change the set for everyone else.
func Areas() []Area {
	return []Area{Organizations, Projects, Clusters, DatabaseUsers, NetworkAccess, Backups, Alerts, APIKeys, AppServices}
}

// Valid reports whether a is one of the areas, spelt exactly.
func (a Area) Valid() bool {
	for _, x := range Areas() {
		if a == x {
			return true
		}
	}
	return false
}

// OrgScoped areas address organizations, never one project, so a grant's
// projects allowlist could never match there.
func (a Area) OrgScoped() bool { return a == Organizations || a == APIKeys }

// LookupArea finds the area named s, ignoring case (for command-line lists
// such as --toolsets); ok is false for a name that is no area.
func LookupArea(s string) (Area, bool) {
	for _, a := range Areas() {
		if strings.EqualFold(string(a), s) {
			return a, true
		}
	}
	return "", false
}

// Names lists the areas' names in order, for error messages.
func Names() []string {
	out := make([]string, 0, len(Areas()))
	for _, a := range Areas() {
		out = append(out, string(a))
	}
	return out
}
