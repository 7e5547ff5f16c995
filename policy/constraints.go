package policy

import (
	"fmt"
	"net/netip"
	"path"
	"strings"
)

// Constraints check what a call would create or change. Policy-wide
// constraints and the agent's own are both checked; a call must pass every set,
// so an agent's constraints can only narrow the policy-wide ones.
//
// Which calls they apply to:
//   - write calls that are not destructive (create, update): every argument
//     constraint, for the arguments the call carries;
//   - destructive calls: protectedNames only. Deleting an access-list entry or a
//     database user is governed by grants, deny rules and confirmation, not by
//     what such an entry could be created with (deleting an open 0.0.0.0/0 entry
//     must stay possible).
func (p *Policy) checkConstraints(a *Agent, c Call, t *trace) (Decision, bool) {
	sets := a.constraintSets(p)
	if c.Tool.Access != Write {
		return Decision{}, false
	}
	if c.Tool.Destructive {
		return p.checkProtected(sets, c, true, t)
	}
	if d, bad := p.checkAccessEntries(sets, c, t); bad {
		return d, true
	}
	if d, bad := p.checkClusters(sets, c, t); bad {
		return d, true
	}
	for _, s := range sets {
		if d, bad := p.checkDBRoles(s.dbUsers, s.id+".databaseUsers", c.Args.DBRoles, t); bad {
			return d, true
		}
		if d, bad := p.checkKeyRoles(s.apiKeys, s.id+".apiKeys", c.Args.APIKeyRoles, t); bad {
			return d, true
		}
	}
	return Decision{}, false
}

func (p *Policy) checkAccessEntries(sets []*constraints, c Call, t *trace) (Decision, bool) {
	if len(c.Args.AccessEntries) == 0 {
		return Decision{}, false
	}
	anywhere := false
	var anywhereRule rule
	for _, s := range sets {
		if s.net.allowAnywhere {
			anywhere, anywhereRule = true, s.net.anywhereRule
		}
	}
	pfxs := make([]netip.Prefix, 0, len(c.Args.AccessEntries))
	for _, e := range c.Args.AccessEntries {
		pfx, err := parseCIDR(e.CIDR)
		if err != nil {
			t.step(false, "access entry: %v", err)
			return p.deny(rule{id: ruleBadCall}, fmt.Sprintf("access list entry %v", err)), true
		}
		pfxs = append(pfxs, pfx)
	}
	if d, bad := p.checkWholeInternet(newNetUnion(pfxs), anywhere, anywhereRule, t); bad {
		return d, true
	}
	if d, bad := p.checkWholeInternetWith(c.Args.ExistingAccessEntries, pfxs, anywhere, t); bad {
		return d, true
	}
	now := p.now()
	for i, e := range c.Args.AccessEntries {
		pfx := pfxs[i]
		// An IPv6 entry is judged both as itself and by each IPv4 range it
		// reaches, so ::fffe:0:0/95 cannot carry 10.66.0.0/16 past an IPv4
		// deny rule.
		views := []netip.Prefix{pfx}
		via := map[netip.Prefix]string{}
		for _, v := range embeddedV4(pfx) {
			views = append(views, v.prefix)
			via[v.prefix] = fmt.Sprintf(" (it reaches %s through the %s range %s)", v.prefix, v.via.name, v.via.label)
		}
		for _, s := range sets {
			n := s.net
			for _, view := range views {
				for _, d := range n.denied {
					if d.prefix.Overlaps(view) {
						t.step(false, "%s: %s overlaps denied range %s", p.ruleName(d.rule), pfx, d.prefix)
						return p.deny(d.rule, fmt.Sprintf("access list entry %s overlaps %s, a range this policy denies%s; choose addresses outside %s", pfx, d.prefix, via[view], d.prefix)), true
					}
				}
				if len(n.allowed) > 0 && !insideAny(view, n.allowed) {
					t.step(false, "%s: %s is not inside any allowed range", p.ruleName(n.allowedRule), pfx)
					return p.deny(n.allowedRule, fmt.Sprintf("access list entry %s is not inside the ranges this policy allows (%s)%s; choose addresses inside one of them", pfx, prefixList(n.allowed), via[view])), true
				}
			}
			if n.maxLifetime > 0 && strings.TrimSpace(e.Comment) == "" {
				limit := now.Add(n.maxLifetime)
				switch {
				case e.DeleteAfter == nil:
					t.step(false, "%s: %s has no comment and no deleteAfterDate", p.ruleName(n.maxLifetimeRule), pfx)
					return p.deny(n.maxLifetimeRule, fmt.Sprintf("access list entry %s has no comment, so it must expire: set deleteAfterDate no later than %s from now (%s), or add a comment saying why it is permanent", pfx, n.maxLifetime, limit.UTC().Format("2006-01-02T15:04:05Z"))), true
				case e.DeleteAfter.After(limit):
					t.step(false, "%s: %s expires after the limit", p.ruleName(n.maxLifetimeRule), pfx)
					return p.deny(n.maxLifetimeRule, fmt.Sprintf("access list entry %s has no comment and expires at %s, later than %s from now; set deleteAfterDate no later than %s, or add a comment saying why it is needed", pfx, e.DeleteAfter.UTC().Format("2006-01-02T15:04:05Z"), n.maxLifetime, limit.UTC().Format("2006-01-02T15:04:05Z"))), true
				}
			}
		}
		t.step(true, "access entry %s passes the network constraints", pfx)
	}
	return Decision{}, false
}

// checkWholeInternet refuses entries that together open every address (or
// every public address) of IPv4 or IPv6, unless allowAnywhere is set.
func (p *Policy) checkWholeInternet(u netUnion, anywhere bool, anywhereRule rule, t *trace) (Decision, bool) {
	var what, from []string
	if open, all := u.wholeV4(); open {
		w := "the whole IPv4 internet"
		if !all {
			w = "every public IPv4 address"
		}
		what = append(what, w+": "+commas(u.v4Count)+" IPv4 addresses")
		from = u.v4From
	}
	if open, all := u.wholeV6(); open {
		w := "the whole IPv6 internet"
		if !all {
			w = "every global IPv6 address (2000::/3)"
		}
		what = append(what, w+": "+v6Amount(u.v6Count))
		for _, f := range u.v6From {
			from = appendOnce(from, f)
		}
	}
	if len(what) == 0 {
		return Decision{}, false
	}
	if anywhere {
		t.step(true, "%s allows entries that open %s", p.ruleName(anywhereRule), strings.Join(what, "; "))
		return Decision{}, false
	}
	t.step(false, "%s: %s open %s", ruleDefaultNetDeny, listEntries(from), strings.Join(what, "; "))
	subject := "access list entry " + from[0] + " would open"
	if len(from) > 1 {
		subject = "access list entries " + listEntries(from) + " together would open"
	}
	return p.deny(rule{id: ruleDefaultNetDeny}, fmt.Sprintf("%s the project to every address on the internet (%s)%s, which this policy never allows; add the specific addresses or ranges that need access", subject, strings.Join(what, "; "), u.notesText())), true
}

// checkWholeInternetWith refuses entries that, with the entries the
// project's list already holds, would open every address: two calls that
// each add half of the internet are refused at the second. Only what the new
// entries complete is refused: a list that is already open to the internet
// (someone set allowAnywhere, or it predates the policy) does not stop a
// narrow addition, which opens nothing more.
func (p *Policy) checkWholeInternetWith(existing []AccessEntry, pfxs []netip.Prefix, anywhere bool, t *trace) (Decision, bool) {
	if anywhere || len(existing) == 0 {
		return Decision{}, false
	}
	held := make([]netip.Prefix, 0, len(existing))
	for _, e := range existing {
		// Atlas wrote these; an entry the policy cannot read (a security
		// group) holds no addresses.
		if pfx, err := parseCIDR(e.CIDR); err == nil {
			held = append(held, pfx)
		}
	}
	before, after := newNetUnion(held), newNetUnion(append(append([]netip.Prefix(nil), held...), pfxs...))
	var what []string
	if open, all := after.wholeV4(); open {
		if was, _ := before.wholeV4(); !was {
			w := "the whole IPv4 internet"
			if !all {
				w = "every public IPv4 address"
			}
			what = append(what, w+": "+commas(after.v4Count)+" IPv4 addresses")
		}
	}
	if open, all := after.wholeV6(); open {
		if was, _ := before.wholeV6(); !was {
			w := "the whole IPv6 internet"
			if !all {
				w = "every global IPv6 address (2000::/3)"
			}
			what = append(what, w+": "+v6Amount(after.v6Count))
		}
	}
	if len(what) == 0 {
		t.step(true, "with the %d entries the list holds, the new entries do not open the whole internet", len(held))
		return Decision{}, false
	}
	added := make([]string, len(pfxs))
	for i, pfx := range pfxs {
		added[i] = pfx.String()
	}
	heldText := make([]string, len(held))
	for i, pfx := range held {
		heldText[i] = pfx.String()
	}
	t.step(false, "%s: %s with the list's %s open %s", ruleDefaultNetDeny, listEntries(added), listEntries(heldText), strings.Join(what, "; "))
	subject := "access list entry " + added[0]
	if len(added) > 1 {
		subject = "access list entries " + listEntries(added)
	}
	// The reason names the held entries by count only: an agent granted
	// write but not read on network access learns no addresses from it (the
	// trace, for operators, lists them).
	return p.deny(rule{id: ruleDefaultNetDeny}, fmt.Sprintf("%s, together with the %d entr%s the project's list already holds, would open the project to every address on the internet (%s)%s, which this policy never allows, however many calls it takes; add only the specific addresses or ranges that need access (atlas-list-access-list shows what is open)", subject, len(held), map[bool]string{true: "y", false: "ies"}[len(held) == 1], strings.Join(what, "; "), newNetUnion(pfxs).notesText())), true
}

func insideAny(p netip.Prefix, list []cidrItem) bool {
	for _, a := range list {
		if contains(a.prefix, p) {
			return true
		}
	}
	return false
}

func prefixList(list []cidrItem) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = a.prefix.String()
	}
	return strings.Join(s, ", ")
}

func (p *Policy) checkClusters(sets []*constraints, c Call, t *trace) (Decision, bool) {
	args := c.Args
	for _, s := range sets {
		cc := s.clusters
		if cc.maxSize != "" {
			// Every size counts: an analytics or read-only spec, or an
			// auto-scaling maximum, is billed like the electable one.
			for _, size := range args.InstanceSizes {
				n, ok := tier(size)
				if !ok {
					t.step(false, "%s: cannot read instance size %q", p.ruleName(cc.maxSizeRule), size)
					return p.deny(cc.maxSizeRule, fmt.Sprintf("instance size %q is not one the policy can compare with its limit %s; use a size such as M10 or M30", size, cc.maxSize)), true
				}
				if n > cc.maxTier {
					t.step(false, "%s: %s is above %s", p.ruleName(cc.maxSizeRule), size, cc.maxSize)
					return p.deny(cc.maxSizeRule, fmt.Sprintf("instance size %s is larger than this policy allows (at most %s); choose %s or smaller for every spec, including read-only, analytics and auto-scaling limits", strings.ToUpper(strings.TrimSpace(size)), cc.maxSize, cc.maxSize)), true
				}
			}
			if len(args.InstanceSizes) > 0 {
				t.step(true, "%s: %s within %s", p.ruleName(cc.maxSizeRule), strings.Join(args.InstanceSizes, ", "), cc.maxSize)
			}
		}
		if len(cc.providers) > 0 {
			for _, pr := range args.Providers {
				if !containsString(cc.providers, strings.ToUpper(strings.TrimSpace(pr))) {
					t.step(false, "%s: provider %s not allowed", p.ruleName(cc.providersRule), pr)
					return p.deny(cc.providersRule, fmt.Sprintf("cloud provider %q is not allowed by this policy; use %s in every region config", pr, strings.Join(cc.providers, " or "))), true
				}
			}
		}
		if len(cc.regions) > 0 {
			for _, r := range args.Regions {
				if !matchAny(cc.regions, strings.ToUpper(strings.TrimSpace(r))) {
					t.step(false, "%s: region %s not allowed", p.ruleName(cc.regionsRule), r)
					return p.deny(cc.regionsRule, fmt.Sprintf("region %s is not allowed by this policy; use one of %s in every region config", r, strings.Join(cc.regions, ", "))), true
				}
			}
		}
		if cc.maxNodes > 0 && args.TotalNodes > cc.maxNodes {
			t.step(false, "%s: %d nodes is above %d", p.ruleName(cc.maxNodesRule), args.TotalNodes, cc.maxNodes)
			return p.deny(cc.maxNodesRule, fmt.Sprintf("the cluster would have %d nodes in all (every spec of every region), more than this policy allows (at most %d); use fewer nodes", args.TotalNodes, cc.maxNodes)), true
		}
		if cc.maxDisk > 0 && args.MaxDiskSizeGB > cc.maxDisk {
			t.step(false, "%s: %v GB is above %v GB", p.ruleName(cc.maxDiskRule), args.MaxDiskSizeGB, cc.maxDisk)
			return p.deny(cc.maxDiskRule, fmt.Sprintf("disk size %v GB is larger than this policy allows (at most %v GB); choose a smaller diskSizeGB", args.MaxDiskSizeGB, cc.maxDisk)), true
		}
	}
	return p.checkProtected(sets, c, false, t)
}

// changedClusters is every cluster the call changes, deletes or overwrites:
// the primary one and each Overwritten reference (a restore's target). A
// restore's source is only read, so protecting it would block nothing risky.
func changedClusters(a Args) []string {
	var out []string
	add := func(n string) {
		if n = strings.TrimSpace(n); n != "" && !containsString(out, n) {
			out = append(out, n)
		}
	}
	add(a.ClusterName)
	for _, r := range a.Clusters {
		if r.Overwritten {
			add(r.Name)
		}
	}
	return out
}

// checkProtected refuses destructive calls on protected clusters, and with
// protectUpdates also other writes (create, update) in the clusters area.
// Names compare case-insensitively: Atlas cluster names are unique regardless
// of case, so "Prod-1" is the same risk as "prod-1".
func (p *Policy) checkProtected(sets []*constraints, c Call, destructive bool, t *trace) (Decision, bool) {
	names := changedClusters(c.Args)
	if len(names) == 0 {
		return Decision{}, false
	}
	for _, s := range sets {
		cc := s.clusters
		if !destructive && !(cc.protectUpdates && c.Tool.Area == AreaClusters) {
			continue
		}
		for _, name := range names {
			lower := strings.ToLower(name)
			for _, pat := range cc.protected {
				if ok, _ := path.Match(pat.value, lower); ok {
					verb := "changed by an agent"
					if destructive {
						verb = "deleted or overwritten by an agent"
					}
					t.step(false, "%s: cluster %s is protected", p.ruleName(pat.rule), name)
					return p.deny(pat.rule, fmt.Sprintf("cluster %s is protected by this policy (pattern %q) and cannot be %s; a human must do this in the Atlas UI", name, pat.value, verb)), true
				}
			}
		}
	}
	if len(sets) > 0 {
		t.step(true, "%s %s not protected", plural("cluster", len(names)), strings.Join(names, ", "))
	}
	return Decision{}, false
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// constraintSets are the sets a call must pass: policy-wide, then the agent's.
func (a *Agent) constraintSets(p *Policy) []*constraints {
	sets := make([]*constraints, 0, 2)
	if p.constraints != nil {
		sets = append(sets, p.constraints)
	}
	if a.constraints != nil {
		sets = append(sets, a.constraints)
	}
	return sets
}
