package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// Facts are what the policy needs to know about a call. For a write they are
// taken from the plan's requests — every path and every body member, whatever
// argument or escape hatch put it there — so nothing reaches Atlas that the
// policy did not see. Only the call's scope (its project or organization and
// the resource it names) comes from the decoded input.
type Facts struct {
	ProjectID string
	OrgID     string
	// Projects is every project the call touches: ProjectID first, then the
	// others (a restore's target project).
	Projects    []string
	ClusterName string
	// Clusters is every cluster the call acts on.
	Clusters []ClusterRef
	// InstanceSizes is every tier anywhere in a body: electable, read-only and
	// analytics specs, auto-scaling bounds.
	InstanceSizes []string
	Providers     []string
	Regions       []string
	// TotalNodes sums nodeCount over every spec of every region.
	TotalNodes    int
	MaxDiskSizeGB float64
	AccessEntries []AccessEntry
	// ExistingAccessEntries are the entries the project's access list held
	// when atlas-create-access-list was planned (read then): the policy's
	// whole-internet refusal judges the new entries together with them.
	ExistingAccessEntries []AccessEntry
	DBRoles               []Role
	APIKeyRoles           []string
}

// ClusterRef is one cluster a call acts on; Overwritten marks one whose data
// or configuration the call replaces, changes or deletes.
type ClusterRef struct {
	ProjectID, Name string
	Overwritten     bool
}

// Role is one database role with the database (and collection) it applies to.
type Role struct {
	Name, Database, Collection string
}

// AccessEntry is one network access entry in CIDR form (an IP becomes /32 or /128).
type AccessEntry struct {
	CIDR        string
	Comment     string
	DeleteAfter *time.Time
}

// scopeFacts keeps only what a write's facts take from the input: its scope.
func scopeFacts(f Facts) Facts {
	return Facts{ProjectID: f.ProjectID, OrgID: f.OrgID, ClusterName: f.ClusterName}
}

// planFacts completes a write's facts from its requests: the projects and
// organizations in every path, and every policy-relevant member of every body.
// Member names are matched without regard to case, so no spelling hides one.
func planFacts(scope Facts, p *Plan) (Facts, error) {
	f := p.Facts // what the tool added itself
	f.ProjectID, f.OrgID, f.ClusterName = scope.ProjectID, scope.OrgID, scope.ClusterName
	if f.ProjectID != "" {
		f.Projects = appendUnique(f.Projects, f.ProjectID)
	}
	for i := range p.Requests {
		r := &p.Requests[i]
		if g := r.Param("groupId"); g != "" {
			f.Projects = appendUnique(f.Projects, g)
			if f.ProjectID == "" {
				f.ProjectID = g
			}
		}
		if o := r.Param("orgId"); o != "" && f.OrgID == "" {
			f.OrgID = o
		}
		if len(r.Body) == 0 {
			continue
		}
		var body any
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return f, fmt.Errorf("reading planned body of %s: %w", r.op, err)
		}
		if err := walkFacts(&f, r, body); err != nil {
			return f, err
		}
	}
	// The primary project stays first.
	if f.ProjectID != "" && len(f.Projects) > 0 && f.Projects[0] != f.ProjectID {
		rest := []string{f.ProjectID}
		for _, x := range f.Projects {
			if x != f.ProjectID {
				rest = append(rest, x)
			}
		}
		f.Projects = rest
	}
	return f, nil
}

// walkFacts collects facts from one decoded body.
func walkFacts(f *Facts, r *PlannedRequest, body any) error {
	switch r.op {
	case atlasclient.CreateGroupAccessListEntry:
		list, _ := body.([]any)
		for i, x := range list {
			m, _ := x.(map[string]any)
			e, ok, err := accessFact(m)
			if err != nil {
				return invalid(fmt.Sprintf("entries[%d]", i), err.Error(), "give an IP address or a CIDR block")
			}
			if ok {
				f.AccessEntries = append(f.AccessEntries, e)
			}
		}
	case atlasclient.CreateGroupDatabaseUser:
		m, _ := body.(map[string]any)
		for _, x := range member[[]any](m, "roles") {
			rm, _ := x.(map[string]any)
			f.DBRoles = append(f.DBRoles, Role{Name: member[string](rm, "roleName"), Database: member[string](rm, "databaseName"), Collection: member[string](rm, "collectionName")})
		}
	case atlasclient.CreateOrgApiKey:
		m, _ := body.(map[string]any)
		for _, x := range member[[]any](m, "roles") {
			if s, ok := x.(string); ok {
				f.APIKeyRoles = append(f.APIKeyRoles, s)
			}
		}
	case atlasclient.CreateGroupClusterBackupRestoreJob:
		m, _ := body.(map[string]any)
		target := member[string](m, "targetGroupId")
		if target != "" {
			f.Projects = appendUnique(f.Projects, target)
		}
		if name := member[string](m, "targetClusterName"); name != "" {
			f.Clusters = append(f.Clusters, ClusterRef{ProjectID: orText(target, r.Param("groupId")), Name: name, Overwritten: true})
		}
	}
	walkClusterFacts(f, body)
	return nil
}

// walkClusterFacts finds every tier, provider, region, node count and disk
// size anywhere in a body, at any depth: the escape hatches can put a region
// config wherever the API accepts one.
func walkClusterFacts(f *Facts, v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkClusterFacts(f, e)
		}
	case map[string]any:
		provider, backing := "", ""
		for k, e := range x {
			switch strings.ToLower(k) {
			case "instancesize", "mininstancesize", "maxinstancesize", "effectiveinstancesize":
				if s, ok := e.(string); ok && s != "" {
					f.InstanceSizes = appendUnique(f.InstanceSizes, s)
				}
			case "providername":
				provider, _ = e.(string)
			case "backingprovidername":
				backing, _ = e.(string)
			case "regionname":
				if s, ok := e.(string); ok && s != "" {
					f.Regions = appendUnique(f.Regions, s)
				}
			case "nodecount":
				if n, ok := e.(json.Number); ok {
					if i, err := n.Int64(); err == nil && i > 0 {
						f.TotalNodes += int(i)
					}
				}
			case "disksizegb":
				if n, ok := e.(json.Number); ok {
					if g, err := n.Float64(); err == nil && g > f.MaxDiskSizeGB {
						f.MaxDiskSizeGB = g
					}
				}
			}
			walkClusterFacts(f, e)
		}
		// Both members count: a backingProviderName beside a provider
		// other than TENANT is still a provider the body names. TENANT
		// itself is only the marker of a shared tier on its backing one.
		if provider != "" && !(strings.EqualFold(provider, "TENANT") && backing != "") {
			f.Providers = appendUnique(f.Providers, strings.ToUpper(provider))
		}
		if backing != "" {
			f.Providers = appendUnique(f.Providers, strings.ToUpper(backing))
		}
	}
}

// accessFact reads one planned access-list entry. Security-group entries open
// no address range and carry no CIDR.
func accessFact(m map[string]any) (AccessEntry, bool, error) {
	e := AccessEntry{Comment: member[string](m, "comment")}
	if d := member[string](m, "deleteAfterDate"); d != "" {
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			return e, false, fmt.Errorf("deleteAfterDate %q is not an ISO 8601 time", d)
		}
		e.DeleteAfter = &t
	}
	switch {
	case member[string](m, "cidrBlock") != "":
		p, err := netip.ParsePrefix(member[string](m, "cidrBlock"))
		if err != nil {
			return e, false, err
		}
		e.CIDR = p.String()
	case member[string](m, "ipAddress") != "":
		a, err := netip.ParseAddr(member[string](m, "ipAddress"))
		if err != nil {
			return e, false, err
		}
		e.CIDR = netip.PrefixFrom(a, a.BitLen()).String()
	default:
		return e, false, nil
	}
	return e, true, nil
}

// member reads a body member by name, ignoring case: a spelling the API might
// accept must not hide it from the policy.
func member[T any](m map[string]any, name string) T {
	var zero T
	if v, ok := m[name]; ok {
		t, _ := v.(T)
		return t
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			t, _ := v.(T)
			return t
		}
	}
	return zero
}
