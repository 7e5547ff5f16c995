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
	sets := make([]*constraints, 0, 2)
	if p.constraints != nil {
		sets = append(sets, p.constraints)
	}
	if a.constraints != nil {
		sets = append(sets, a.constraints)
	}
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
		if d, bad := p.checkRoles(s.dbUsers, s.id+".databaseUsers", "database user role", roleNames(c.Args.DBRoles), t); bad {
			return d, true
		}
		if d, bad := p.checkRoles(s.apiKeys, s.id+".apiKeys", "API key role", c.Args.APIKeyRoles, t); bad {
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
	now := p.now()
	for _, e := range c.Args.AccessEntries {
		pfx, err := parseCIDR(e.CIDR)
		if err != nil {
			t.step(false, "access entry: %v", err)
			return p.deny(rule{id: ruleBadCall}, fmt.Sprintf("access list entry %v", err)), true
		}
		if everywhere(pfx) {
			if !anywhere {
				t.step(false, "%s: %s opens the project to the whole internet", ruleDefaultNetDeny, pfx)
				return p.deny(rule{id: ruleDefaultNetDeny}, fmt.Sprintf("access list entry %s would open the project to every address on the internet, which this policy never allows; add the specific addresses or ranges that need access", pfx)), true
			}
			t.step(true, "%s allows %s", p.ruleName(anywhereRule), pfx)
		}
		for _, s := range sets {
			n := s.net
			for _, d := range n.denied {
				if d.prefix.Overlaps(pfx) {
					t.step(false, "%s: %s overlaps denied range %s", p.ruleName(d.rule), pfx, d.prefix)
					return p.deny(d.rule, fmt.Sprintf("access list entry %s overlaps %s, a range this policy denies; choose addresses outside %s", pfx, d.prefix, d.prefix)), true
				}
			}
			if len(n.allowed) > 0 {
				if !insideAny(pfx, n.allowed) {
					t.step(false, "%s: %s is not inside any allowed range", p.ruleName(n.allowedRule), pfx)
					return p.deny(n.allowedRule, fmt.Sprintf("access list entry %s is not inside the ranges this policy allows (%s); choose addresses inside one of them", pfx, prefixList(n.allowed))), true
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
		if cc.maxSize != "" && args.InstanceSize != "" {
			n, ok := tier(args.InstanceSize)
			if !ok {
				t.step(false, "%s: cannot read instance size %q", p.ruleName(cc.maxSizeRule), args.InstanceSize)
				return p.deny(cc.maxSizeRule, fmt.Sprintf("instance size %q is not one the policy can compare with its limit %s; use a size such as M10 or M30", args.InstanceSize, cc.maxSize)), true
			}
			if n > cc.maxTier {
				t.step(false, "%s: %s is above %s", p.ruleName(cc.maxSizeRule), args.InstanceSize, cc.maxSize)
				return p.deny(cc.maxSizeRule, fmt.Sprintf("instance size %s is larger than this policy allows (at most %s); choose %s or smaller", strings.ToUpper(args.InstanceSize), cc.maxSize, cc.maxSize)), true
			}
			t.step(true, "%s: %s is within %s", p.ruleName(cc.maxSizeRule), args.InstanceSize, cc.maxSize)
		}
		if len(cc.providers) > 0 {
			for _, pr := range args.Providers {
				if !containsString(cc.providers, strings.ToUpper(strings.TrimSpace(pr))) {
					t.step(false, "%s: provider %s not allowed", p.ruleName(cc.providersRule), pr)
					return p.deny(cc.providersRule, fmt.Sprintf("cloud provider %s is not allowed by this policy; use %s", pr, strings.Join(cc.providers, " or "))), true
				}
			}
		}
		if len(cc.regions) > 0 {
			for _, r := range args.Regions {
				if !matchAny(cc.regions, strings.ToUpper(strings.TrimSpace(r))) {
					t.step(false, "%s: region %s not allowed", p.ruleName(cc.regionsRule), r)
					return p.deny(cc.regionsRule, fmt.Sprintf("region %s is not allowed by this policy; use one of %s", r, strings.Join(cc.regions, ", "))), true
				}
			}
		}
	}
	return p.checkProtected(sets, c, false, t)
}

// checkProtected refuses destructive calls on protected clusters, and with
// protectUpdates also other writes (create, update) in the clusters area.
// Names compare case-insensitively: Atlas cluster names are unique regardless
// of case, so "Prod-1" is the same risk as "prod-1".
func (p *Policy) checkProtected(sets []*constraints, c Call, destructive bool, t *trace) (Decision, bool) {
	name := strings.ToLower(strings.TrimSpace(c.Args.ClusterName))
	if name == "" {
		return Decision{}, false
	}
	for _, s := range sets {
		cc := s.clusters
		if !destructive && !(cc.protectUpdates && c.Tool.Area == AreaClusters) {
			continue
		}
		for _, pat := range cc.protected {
			if ok, _ := path.Match(pat.value, name); ok {
				verb := "changed by an agent"
				if destructive {
					verb = "deleted or overwritten by an agent"
				}
				t.step(false, "%s: cluster %s is protected", p.ruleName(pat.rule), c.Args.ClusterName)
				return p.deny(pat.rule, fmt.Sprintf("cluster %s is protected by this policy (pattern %q) and cannot be %s; a human must do this in the Atlas UI", c.Args.ClusterName, pat.value, verb)), true
			}
		}
	}
	if len(sets) > 0 {
		t.step(true, "cluster %s is not protected", c.Args.ClusterName)
	}
	return Decision{}, false
}

func (p *Policy) checkRoles(rc roleConstraints, id, what string, roles []string, t *trace) (Decision, bool) {
	for _, r := range roles {
		for _, d := range rc.denied {
			if ok, _ := path.Match(d.value, r); ok {
				t.step(false, "%s: %s %s is denied", p.ruleName(d.rule), what, r)
				return p.deny(d.rule, fmt.Sprintf("%s %s is denied by this policy; choose a narrower role", what, r)), true
			}
		}
		if len(rc.allowed) > 0 && !matchAny(rc.allowed, r) {
			t.step(false, "%s: %s %s is not allowed", p.ruleName(rc.allowedRule), what, r)
			return p.deny(rc.allowedRule, fmt.Sprintf("%s %s is not allowed by this policy; allowed: %s", what, r, strings.Join(rc.allowed, ", "))), true
		}
	}
	if len(roles) > 0 && rc.set() {
		t.step(true, "%ss pass %s", what, id)
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
