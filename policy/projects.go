package policy

import (
	"fmt"
	"strings"
)

// projects is every project the call touches, the primary one first, each once.
// The server should list ProjectID first in Projects; it is counted either way,
// so a caller that forgets it cannot make the primary project go unchecked.
func (c Call) projects() []string {
	var out []string
	if c.ProjectID != "" {
		out = append(out, c.ProjectID)
	}
	for _, p := range c.Projects {
		if !containsString(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// otherProjects is every touched project but the primary one (a restore's
// target project, for instance).
func (c Call) otherProjects() []string {
	ps := c.projects()
	if c.ProjectID != "" && len(ps) > 0 {
		return ps[1:]
	}
	return ps
}

// inProject is the call as seen from one project it touches. The organization
// is kept only for the primary project: the server knows the organization of
// the project it acts in, not that of a restore's target, so an
// organization-limited grant reaches another project only if it names that
// project (scopeOK fails closed on an unknown organization).
func (c Call) inProject(id string) Call {
	sub := c
	sub.ProjectID, sub.Projects = id, nil
	if id != c.ProjectID {
		sub.OrgID = ""
	}
	return sub
}

// checkProjects refuses a project list the policy cannot judge: empty or
// malformed IDs (which must never read as "no project"), or other projects on a
// call with no primary one, which would leave the call's own scope unjudged.
func checkProjects(c Call) string {
	for _, p := range c.Projects {
		if !isHexID(p) {
			return fmt.Sprintf("the call touches project %q, which is not an Atlas project ID (24 lowercase hex digits)", p)
		}
	}
	if c.ProjectID == "" && len(c.Projects) > 0 {
		return fmt.Sprintf("the call touches %s %s but names no primary project; refusing to guess its scope", plural("project", len(c.Projects)), strings.Join(c.Projects, ", "))
	}
	return ""
}

// matchedProject is the first touched project a project-scoped deny rule names.
func (r denyRule) matchedProject(c Call) (string, bool) {
	for _, p := range c.projects() {
		if containsString(r.projects, p) {
			return p, true
		}
	}
	return "", false
}

// alsoScope is " and project Y" for the other projects a call touches.
func alsoScope(c Call) string {
	if others := c.otherProjects(); len(others) > 0 {
		return " and " + plural("project", len(others)) + " " + strings.Join(others, ", ")
	}
	return ""
}
