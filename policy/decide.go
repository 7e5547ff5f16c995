package policy

import (
	"fmt"
	"strings"
)

// Decide answers one call: allow or deny, the rule that decided, a reason the
// agent can act on, and whether a human must confirm. It reads nothing but the
// policy, the call and the injected clock. A nil agent, an agent from another
// policy, or a tool the policy cannot place is always denied.
//
// Order: the tool must be well-formed (and in the catalogue, if one was given);
// read-only / disable-destructive modes; deny rules (deny wins over any grant);
// a grant for the area, access and scope; argument constraints; then
// confirmation for an allowed call.
func (p *Policy) Decide(a *Agent, c Call) Decision { return p.decide(a, c, nil) }

func (p *Policy) decide(a *Agent, c Call, t *trace) Decision {
	if a == nil || a.p != p {
		t.step(false, "no agent: the call was not made by an agent of this policy")
		return p.deny(rule{id: ruleNoAgent}, "no agent of this policy made this call: over HTTP, send a bearer token the policy knows; over stdio, the policy needs a default agent")
	}
	if msg := p.checkTool(c.Tool); msg != "" {
		t.step(false, "tool: %s", msg)
		return p.deny(rule{id: ruleBadTool}, msg)
	}
	t.step(true, "tool %s is known (%s)", c.Tool.Name, describeTool(c.Tool))
	if msg := checkCall(c); msg != "" {
		t.step(false, "call: %s", msg)
		return p.deny(rule{id: ruleBadCall}, msg)
	}

	if c.Tool.Access == Write && p.ReadOnly() {
		r := p.readOnlyRule()
		t.step(false, "read-only mode (%s) removes every write tool", p.ruleName(r))
		return p.deny(r, fmt.Sprintf("%s changes Atlas and this server runs read-only (%s), so it is not in the tool list; ask the operator to turn read-only off if the change is intended", c.Tool.Name, p.modeSource(r, "--read-only")))
	}
	if c.Tool.Destructive && p.DisableDestructive() {
		r := p.noDestroyRule()
		t.step(false, "disable-destructive mode (%s) removes every destructive tool", p.ruleName(r))
		return p.deny(r, fmt.Sprintf("%s is destructive and this server runs with destructive tools disabled (%s), so it is not in the tool list; a human must do this in the Atlas UI or ask the operator", c.Tool.Name, p.modeSource(r, "--disable-destructive")))
	}
	t.step(true, "modes: read-only %s, disable-destructive %s", onOff(p.ReadOnly()), onOff(p.DisableDestructive()))

	if r, ok := p.matchDeny(a, c); ok {
		t.step(false, "deny rule %s forbids %s", p.ruleName(r.rule), r.tool)
		reason := fmt.Sprintf("the policy denies %s to agent %s%s", c.Tool.Name, a.Name, denyScope(r))
		if pid, ok := r.matchedProject(c); ok && pid != c.ProjectID {
			reason += fmt.Sprintf(" (the call touches project %s besides %s)", pid, orNone(c.ProjectID))
		} else if len(r.orgs) > 0 && !containsString(r.orgs, c.OrgID) {
			reason += fmt.Sprintf(" (the call also touches %s, whose organization the policy does not know, so it assumes the worst)", strings.Join(c.otherProjects(), ", "))
		}
		if r.reason != "" {
			reason += ": " + r.reason
		}
		reason += "; do not retry, ask an admin if it is needed"
		if r.unconditional() {
			reason += " (the tool is not in this agent's tool list)"
		}
		return p.deny(r.rule, reason)
	}
	t.step(true, "no deny rule matches")

	g, why, ok := a.findGrants(c, t)
	if !ok {
		return p.deny(rule{id: ruleNoGrant}, why)
	}

	if d, denied := p.checkConstraints(a, c, t); denied {
		return d
	}

	d := Decision{
		Allow:  true,
		Rule:   g.id,
		Line:   g.line,
		At:     g.at(p.source),
		Reason: fmt.Sprintf("agent %s may %s %s%s%s", a.Name, c.Tool.Access, areaLabel(c.Tool.Area), callScope(c), alsoScope(c)),
	}
	p.confirmation(a, c, &d, t)
	p.approvalRules(c, &d, t)
	return d
}

func (p *Policy) deny(r rule, reason string) Decision {
	return Decision{Rule: r.id, Line: r.line, At: r.at(p.source), Reason: reason}
}

// ruleName is "id (file:line)" for trace lines.
func (p *Policy) ruleName(r rule) string {
	if at := r.at(p.source); at != "" {
		return r.id + " (" + at + ")"
	}
	return r.id
}

func (p *Policy) modeSource(r rule, flag string) string {
	if r.line == 0 {
		return flag
	}
	return "policy " + r.at(p.source)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// checkTool refuses tools the policy cannot place: garbage names, unknown areas
// or accesses, a destructive read, or (with a catalogue) anything the catalogue
// does not list exactly so.
func (p *Policy) checkTool(t ToolInfo) string {
	if !validToolName(t.Name) {
		return fmt.Sprintf("%q is not a tool this server has", t.Name)
	}
	if p.catalogue != nil {
		known, ok := p.catalogue[t.Name]
		if !ok {
			return fmt.Sprintf("%s is not a tool this server has", t.Name)
		}
		if known != t {
			return fmt.Sprintf("%s is described inconsistently (%s, catalogue says %s); refusing to guess", t.Name, describeTool(t), describeTool(known))
		}
	}
	if !t.Area.Valid() {
		return fmt.Sprintf("%s belongs to no known area (%q)", t.Name, t.Area)
	}
	if !t.Access.Valid() {
		return fmt.Sprintf("%s has no valid access (%q)", t.Name, t.Access)
	}
	if t.Destructive && t.Access != Write {
		return fmt.Sprintf("%s is marked destructive but not write", t.Name)
	}
	return ""
}

func validToolName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkCall refuses malformed scope IDs: the server validates them first, so one
// reaching here is a bug, and a malformed ID must not match "any project".
func checkCall(c Call) string {
	if c.ProjectID != "" && !isHexID(c.ProjectID) {
		return fmt.Sprintf("projectId %q is not an Atlas project ID (24 lowercase hex digits)", c.ProjectID)
	}
	if c.OrgID != "" && !isHexID(c.OrgID) {
		return fmt.Sprintf("orgId %q is not an Atlas organization ID (24 lowercase hex digits)", c.OrgID)
	}
	if msg := checkProjects(c); msg != "" {
		return msg
	}
	if msg := checkClusterRefs(c); msg != "" {
		return msg
	}
	return checkFacts(c.Args)
}

func describeTool(t ToolInfo) string {
	s := string(t.Area) + ", " + string(t.Access)
	if t.Destructive {
		s += ", destructive"
	}
	return s
}

// matchDeny finds the first deny rule for this agent and call: policy-wide rules
// first, then the agent's own.
func (p *Policy) matchDeny(a *Agent, c Call) (denyRule, bool) {
	for _, r := range p.denies {
		if r.matches(a.Name, c) {
			return r, true
		}
	}
	for _, r := range a.denies {
		if r.matches(a.Name, c) {
			return r, true
		}
	}
	return denyRule{}, false
}

func (r denyRule) appliesTo(agent string) bool {
	return len(r.agents) == 0 || containsString(r.agents, agent)
}

func (r denyRule) matches(agent string, c Call) bool {
	if !r.appliesTo(agent) || !matchName(r.tool, c.Tool.Name) {
		return false
	}
	if len(r.projects) > 0 {
		// Any touched project counts: a rule that keeps agents out of a
		// project must also keep a restore from writing into it.
		if _, ok := r.matchedProject(c); !ok {
			return false
		}
	}
	if len(r.orgs) == 0 || containsString(r.orgs, c.OrgID) {
		return true
	}
	// The organization of a project other than the primary one is not known:
	// assume it is one the rule names, so a restore cannot write into an
	// organization the rule keeps the agent out of.
	return len(c.otherProjects()) > 0
}

func denyScope(r denyRule) string {
	var parts []string
	if len(r.projects) > 0 {
		parts = append(parts, "in project "+strings.Join(r.projects, ", "))
	}
	if len(r.orgs) > 0 {
		parts = append(parts, "in organization "+strings.Join(r.orgs, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " and ")
}

// Visible reports whether the agent should see the tool in tools/list: the
// modes keep it, no unconditional deny rule names it, and some grant gives its
// area and access somewhere. Decide never allows a tool Visible hides.
func (p *Policy) Visible(a *Agent, t ToolInfo) bool {
	if a == nil || a.p != p || p.checkTool(t) != "" {
		return false
	}
	if t.Access == Write && p.ReadOnly() || t.Destructive && p.DisableDestructive() {
		return false
	}
	for _, rs := range [][]denyRule{p.denies, a.denies} {
		for _, r := range rs {
			if r.unconditional() && r.appliesTo(a.Name) && matchName(r.tool, t.Name) {
				return false
			}
		}
	}
	for _, g := range a.grants {
		if g.covers(t.Area) && g.gives(t.Access) {
			return true
		}
	}
	return false
}
