package policy

import (
	"math"
	"strings"
	"testing"
)

// factPolicies are the policies FuzzFactsMonotonic judges calls with: each
// has limits that more facts could trip.
func factPolicies(t testing.TB) []*Policy {
	return append(fuzzPolicies(t),
		mustParse(t, clusterFactsPolicy, testOpts()),
		mustParse(t, rolesPolicy, testOpts()),
		mustParse(t, netPolicy, testOpts()),
		mustParse(t, projectsPolicy, testOpts()),
	)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func splitRoles(s string) []Role {
	var out []Role
	for _, r := range splitList(s) {
		name, db, _ := strings.Cut(r, "@")
		out = append(out, Role{Name: name, Database: db})
	}
	return out
}

// addFact returns a copy of c with one more fact of the kind picked: a size,
// provider, region, network entry, role, API key role, project, overwritten
// cluster, more nodes, a larger disk, or both halves of IPv4.
func addFact(c Call, kind uint8, v string, n int) Call {
	a := c.Args
	// Copy every slice so the base call is never changed under the test.
	a.InstanceSizes = append([]string(nil), a.InstanceSizes...)
	a.Providers = append([]string(nil), a.Providers...)
	a.Regions = append([]string(nil), a.Regions...)
	a.AccessEntries = append([]AccessEntry(nil), a.AccessEntries...)
	a.DBRoles = append([]Role(nil), a.DBRoles...)
	a.APIKeyRoles = append([]string(nil), a.APIKeyRoles...)
	a.Clusters = append([]ClusterRef(nil), a.Clusters...)
	c.Projects = append([]string(nil), c.Projects...)
	switch kind % 11 {
	case 0:
		a.InstanceSizes = append(a.InstanceSizes, v)
	case 1:
		a.Providers = append(a.Providers, v)
	case 2:
		a.Regions = append(a.Regions, v)
	case 3:
		a.AccessEntries = append(a.AccessEntries, AccessEntry{CIDR: v, Comment: "fuzz"})
	case 4:
		a.DBRoles = append(a.DBRoles, splitRoles(v)...)
	case 5:
		a.APIKeyRoles = append(a.APIKeyRoles, v)
	case 6:
		if len(c.Projects) == 0 && c.ProjectID != "" {
			c.Projects = []string{c.ProjectID}
		}
		c.Projects = append(c.Projects, v)
	case 7:
		a.Clusters = append(a.Clusters, ClusterRef{ProjectID: c.ProjectID, Name: v, Overwritten: true})
	case 8:
		// More nodes than a valid count; a negative base is refused as it is.
		if n > 0 && a.TotalNodes >= 0 && a.TotalNodes <= math.MaxInt32 {
			a.TotalNodes += n % 1000
		}
	case 9:
		if n > 0 && a.MaxDiskSizeGB >= 0 {
			a.MaxDiskSizeGB += float64(n % 100000)
		}
	case 10:
		a.AccessEntries = append(a.AccessEntries, AccessEntry{CIDR: "0.0.0.0/1", Comment: "a"}, AccessEntry{CIDR: "128.0.0.0/1", Comment: "b"})
	}
	c.Args = a
	return c
}

// FuzzFactsMonotonic: more facts never make a call more allowed. Adding a
// size, region, entry, role, project or cluster to a denied call keeps it
// denied; to a call that needed confirmation keeps that need (or denies it);
// a size above the limit is always refused; both halves of IPv4 are refused
// unless allowAnywhere is set.
func FuzzFactsMonotonic(f *testing.F) {
	f.Add(uint8(5), uint8(0), uint8(8), proj1, "M30,M10", "AWS", "US_EAST_1", "10.0.0.0/24", "readWrite@app", "ORG_READ_ONLY", 3, 40.0, "test-1", uint8(0), "M200", 1)
	f.Add(uint8(7), uint8(0), uint8(15), proj1, "", "", "", "10.1.0.0/16,::fffe:0:0/95", "", "", 0, 0.0, "", uint8(3), "128.0.0.0/1", 0)
	f.Add(uint8(8), uint8(1), uint8(20), proj1, "", "", "", "", "", "", 0, 0.0, "dst", uint8(6), proj2, 0)
	f.Add(uint8(6), uint8(0), uint8(12), proj1, "", "", "", "", "readWrite@app", "", 0, 0.0, "", uint8(4), "AtlasAdmin ", 0)
	f.Add(uint8(5), uint8(0), uint8(9), proj1, "M10", "AWS", "US_EAST_1", "", "", "", 6, 100.0, "x", uint8(8), "", 1)
	f.Add(uint8(1), uint8(1), uint8(25), "", "", "", "", "", "", "ORG_READ_ONLY", 0, 0.0, "", uint8(5), "org_owner", 0)
	f.Add(uint8(2), uint8(0), uint8(15), proj1, "", "", "", "2001:db8::/64", "", "", 0, 0.0, "", uint8(10), "", 0)
	policies := factPolicies(f)
	cat := testCatalogue()
	f.Fuzz(func(t *testing.T, pi, ai, toolPick uint8, projectID, sizes, providers, regions, cidrs, dbRoles, keyRoles string,
		nodes int, disk float64, cluster string, kind uint8, extra string, n int) {
		p := policies[int(pi)%len(policies)]
		agents := p.Agents()
		a := agents[int(ai)%len(agents)]
		ti := cat[int(toolPick)%len(cat)]
		var es []AccessEntry
		for _, c := range splitList(cidrs) {
			es = append(es, AccessEntry{CIDR: c, Comment: "fuzz"})
		}
		base := Call{Tool: ti, ProjectID: projectID, Args: Args{
			ClusterName: cluster, InstanceSizes: splitList(sizes), Providers: splitList(providers), Regions: splitList(regions),
			TotalNodes: nodes, MaxDiskSizeGB: disk, AccessEntries: es, DBRoles: splitRoles(dbRoles), APIKeyRoles: splitList(keyRoles),
		}}
		if ti.Area.OrgScoped() {
			base.ProjectID, base.OrgID = "", org1
		}
		more := addFact(base, kind, extra, n)
		d1, d2 := p.Decide(a, base), p.Decide(a, more)
		if !d1.Allow && d2.Allow {
			t.Fatalf("a fact turned a deny into an allow:\n base %+v\n  -> %s: %s\n more %+v\n  -> %+v", base, d1.Rule, d1.Reason, more, d2)
		}
		if d1.Allow && d1.Confirm && d2.Allow && !d2.Confirm {
			t.Fatalf("a fact removed a confirmation:\n base %+v -> %s\n more %+v", base, d1.ConfirmWhy, more)
		}
		for _, d := range []Decision{d1, d2} {
			if d.Allow && d.Confirm != (d.Approvals == 1) {
				t.Fatalf("Approvals %d with Confirm %v", d.Approvals, d.Confirm)
			}
		}
		if ti.Access != Write || ti.Destructive {
			return
		}
		anywhere := false
		for _, s := range a.constraintSets(p) {
			anywhere = anywhere || s.net.allowAnywhere
			cc := s.clusters
			if cc.maxSize == "" {
				continue
			}
			for _, size := range more.Args.InstanceSizes {
				if n, ok := tier(size); (!ok || n > cc.maxTier) && d2.Allow {
					t.Fatalf("size %q allowed past %s: %+v", size, cc.maxSize, more)
				}
			}
		}
		if kind%11 == 10 && !anywhere && d2.Allow {
			t.Fatalf("both halves of IPv4 allowed without allowAnywhere: %+v", more)
		}
	})
}
