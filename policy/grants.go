package policy

import (
	"fmt"
	"strings"
)

// covers reports whether the grant is for this area; "*" covers every area.
func (g grant) covers(a Area) bool { return g.area == "*" || g.area == a }

// scopeOK applies a grant's projects and orgs allowlists to a call.
//
//   - projects: a call in a project must be in the list. A call with no project
//     never matches a project-limited grant, except reading the projects area
//     (atlas-list-projects): an agent limited to some projects must still be
//     able to find them. The listing is not filtered by the server.
//   - orgs: a call that names its organization must be in the list. A project
//     call whose organization the server does not know passes only if the
//     grant also lists the project (named explicitly, so no guess is needed);
//     otherwise it fails closed. A read of organizations or projects with
//     neither project nor organization (atlas-list-orgs, atlas-list-projects
//     with no org) is a top-level listing and passes; again, the server does
//     not filter what Atlas returns.
func (g grant) scopeOK(c Call) bool {
	if len(g.projects) > 0 {
		if c.ProjectID == "" {
			if c.Tool.Area != AreaProjects || c.Tool.Access != Read {
				return false
			}
		} else if !containsString(g.projects, c.ProjectID) {
			return false
		}
	}
	if len(g.orgs) > 0 {
		switch {
		case c.OrgID != "":
			return containsString(g.orgs, c.OrgID)
		case c.ProjectID != "":
			return len(g.projects) > 0
		default:
			return c.Tool.Access == Read && (c.Tool.Area == AreaOrganizations || c.Tool.Area == AreaProjects)
		}
	}
	return true
}

// findGrants finds, for every project the call touches, a grant that allows
// the call there; the grant returned is the primary project's. A call that
// touches a project the agent has no grant for is refused with a reason that
// names that project, so a restore cannot write where the agent may not.
func (a *Agent) findGrants(c Call, t *trace) (grant, string, bool) {
	ps := c.projects()
	if len(ps) == 0 {
		g, ok := a.findGrant(c, t)
		if !ok {
			return grant{}, noGrantReason(a, c), false
		}
		return g, "", true
	}
	var first grant
	for i, pid := range ps {
		sub := c.inProject(pid)
		g, ok := a.findGrant(sub, t)
		if !ok {
			reason := noGrantReason(a, sub)
			if pid != c.ProjectID {
				reason = fmt.Sprintf("%s also touches project %s (besides %s), and %s", c.Tool.Name, pid, orNone(c.ProjectID), reason)
			}
			return grant{}, reason, false
		}
		if i == 0 {
			first = g
		}
	}
	return first, "", true
}

func orNone(s string) string {
	if s == "" {
		return "no primary project"
	}
	return s
}

// findGrant returns the first grant that allows the call in its own scope.
func (a *Agent) findGrant(c Call, t *trace) (grant, bool) {
	considered := false
	for _, g := range a.grants {
		if !g.covers(c.Tool.Area) {
			continue
		}
		considered = true
		switch {
		case !g.gives(c.Tool.Access):
			t.step(false, "grant %s gives %s, not %s", a.p.ruleName(g.rule), g.accessLabel(), c.Tool.Access)
		case !g.scopeOK(c):
			t.step(false, "grant %s is limited to %s; the call is %s", a.p.ruleName(g.rule), g.scopeLabel(), strings.TrimSpace(callScopeOrNone(c)))
		default:
			t.step(true, "grant %s allows %s %s%s", a.p.ruleName(g.rule), g.accessLabel(), areaLabel(c.Tool.Area), g.whereLabel())
			return g, true
		}
	}
	if !considered {
		t.step(false, "agent %s has no grant for area %s", a.Name, c.Tool.Area)
	}
	return grant{}, false
}

func (g grant) accessLabel() string {
	switch {
	case g.read && g.write:
		return "read,write"
	case g.write:
		return "write"
	default:
		return "read"
	}
}

func (g grant) scopeLabel() string {
	var parts []string
	if len(g.projects) > 0 {
		parts = append(parts, plural("project", len(g.projects))+" "+strings.Join(g.projects, ", "))
	}
	if len(g.orgs) > 0 {
		parts = append(parts, plural("organization", len(g.orgs))+" "+strings.Join(g.orgs, ", "))
	}
	if len(parts) == 0 {
		return "any project or organization"
	}
	return strings.Join(parts, " and ")
}

func (g grant) whereLabel() string {
	if len(g.projects) == 0 && len(g.orgs) == 0 {
		return ""
	}
	return " in " + g.scopeLabel()
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func areaLabel(a Area) string {
	if a == "*" {
		return "every area"
	}
	return string(a)
}

// callScope is " in project X" / " in organization Y" / "" for messages.
func callScope(c Call) string {
	switch {
	case c.ProjectID != "" && c.OrgID != "":
		return fmt.Sprintf(" in project %s (organization %s)", c.ProjectID, c.OrgID)
	case c.ProjectID != "":
		return " in project " + c.ProjectID
	case c.OrgID != "":
		return " in organization " + c.OrgID
	}
	return ""
}

func callScopeOrNone(c Call) string {
	if s := callScope(c); s != "" {
		return s
	}
	return "not limited to a project or organization"
}

// noGrantReason tells the agent what it may do in this area and what to ask
// for, e.g. "agent ci-bot may read clusters in project X, not write; ask an
// admin for clusters:write".
func noGrantReason(a *Agent, c Call) string {
	area, acc := c.Tool.Area, c.Tool.Access
	need := fmt.Sprintf("%s:%s", area, acc)
	var same, other []grant
	for _, g := range a.grants {
		if !g.covers(area) {
			continue
		}
		if g.gives(acc) {
			same = append(same, g)
		} else {
			other = append(other, g)
		}
	}
	where := strings.TrimPrefix(callScope(c), " in ")
	onWhere := ""
	if where != "" {
		onWhere = " on " + where
	}
	switch {
	case len(same) == 0 && len(other) == 0:
		return fmt.Sprintf("agent %s has no access to %s, so %s is not in its tool list; ask an admin for %s%s", a.Name, area, c.Tool.Name, need, onWhere)
	case len(same) == 0:
		return fmt.Sprintf("agent %s may %s %s%s, not %s, so %s is not in its tool list; ask an admin for %s%s", a.Name, other[0].accessLabel(), area, grantsWhere(other), acc, c.Tool.Name, need, onWhere)
	}
	// The agent has the access, but not here.
	if c.ProjectID != "" && c.OrgID == "" && anyOrgOnly(same) {
		return fmt.Sprintf("agent %s may %s %s only in %s, and the organization of project %s is not known to the policy; ask an admin for %s on project %s", a.Name, acc, area, joinScopes(same), c.ProjectID, need, c.ProjectID)
	}
	if area.OrgScoped() && allProjectLimited(same) {
		return fmt.Sprintf("agent %s may %s %s only within %s, which does not reach organization-level calls; ask an admin for %s%s", a.Name, acc, area, joinScopes(same), need, onWhere)
	}
	if where == "" {
		pass := "projectId or orgId"
		switch {
		case allProjectLimited(same):
			pass = "projectId"
		case !anyProjectLimited(same):
			pass = "orgId"
		}
		return fmt.Sprintf("agent %s may %s %s only in %s, and this call names no project or organization; pass %s", a.Name, acc, area, joinScopes(same), pass)
	}
	return fmt.Sprintf("agent %s may %s %s only in %s, not in %s; ask an admin for %s%s", a.Name, acc, area, joinScopes(same), where, need, onWhere)
}

func anyOrgOnly(gs []grant) bool {
	for _, g := range gs {
		if len(g.orgs) > 0 && len(g.projects) == 0 {
			return true
		}
	}
	return false
}

// grantsWhere is where a set of grants applies: "" if any is unlimited.
func grantsWhere(gs []grant) string {
	for _, g := range gs {
		if len(g.projects) == 0 && len(g.orgs) == 0 {
			return ""
		}
	}
	return " in " + joinScopes(gs)
}

func joinScopes(gs []grant) string {
	var parts []string
	for _, g := range gs {
		s := g.scopeLabel()
		if !containsString(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

func allProjectLimited(gs []grant) bool {
	for _, g := range gs {
		if len(g.projects) == 0 {
			return false
		}
	}
	return len(gs) > 0
}

func anyProjectLimited(gs []grant) bool {
	for _, g := range gs {
		if len(g.projects) > 0 {
			return true
		}
	}
	return false
}
