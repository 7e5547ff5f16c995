package policy

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ConfirmApproval sends a call the host cannot confirm to the approval
// console: a person who is not the agent approves it out of band.
const ConfirmApproval = "approval"

// Defaults for out-of-band approvals: a request stays open long enough for a
// person to notice a notification, and the call answers at once unless the
// policy asks it to wait.
const (
	defaultApprovalTTL = time.Hour
	maxApprovalWait    = 30 * time.Minute
)

// Approver is a person who may approve calls in the approval console or with
// `atlas-mcp approvals`. Approvers are not agents: their credentials are
// separate, and an agent's token never authenticates an approver.
type Approver struct {
	Name string

	line        int
	tokenHash   []byte
	tokenKey    string     // "tokenSha256" or "tokenEnv": the rule a token sign-in names
	match       *matchRule // who may sign in as this approver with the identity provider
	description string
	areas       []Area   // empty: every area
	projects    []string // empty: every project
	tools       []string // path.Match patterns; empty: every tool
}

// approvalConfig is what the policy says about out-of-band approvals.
type approvalConfig struct {
	approvers []*Approver
	byName    map[string]*Approver
	freezes   []freeze
}

// approvalConfirm are the confirm.* keys about approvals.
type approvalConfirm struct {
	wait  time.Duration
	ttl   time.Duration
	rules []approvalRule
}

// approvalRule is one entry of confirm.rules: calls it matches need a
// person's yes from N distinct approvers, optionally only through the console.
type approvalRule struct {
	rule
	tool      string
	projects  []string
	approvals int
	console   bool
	reason    string
}

// freeze is a change-freeze window: writes in it are refused, or need more
// approvers.
type freeze struct {
	rule
	from, until time.Time
	tools       []string
	projects    []string
	refuse      bool
	approvals   int
	reason      string
}

// Approvers returns the approvers in file order.
func (p *Policy) Approvers() []*Approver { return append([]*Approver(nil), p.approvals.approvers...) }

// ApproverByToken returns the approver whose token this is, or nil. Like
// AgentByToken it compares every hash in constant time.
func (p *Policy) ApproverByToken(token string) *Approver {
	if token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	var found *Approver
	for _, a := range p.approvals.approvers {
		if subtle.ConstantTimeCompare(sum[:], a.tokenHash) == 1 {
			found = a
		}
	}
	return found
}

// ApprovalWait is how long a call waits for a person's decision before it
// answers "pending" (confirm.approvalWait); 0 answers at once.
func (p *Policy) ApprovalWait() time.Duration { return p.confirm.approval.wait }

// ApprovalTTL is how long an approval request stays open (confirm.approvalTTL).
func (p *Policy) ApprovalTTL() time.Duration {
	if p.confirm.approval.ttl > 0 {
		return p.confirm.approval.ttl
	}
	return defaultApprovalTTL
}

// UsesApprovals reports whether out-of-band approvals can happen at all, so a
// server without approvers need not open an approval store.
func (p *Policy) UsesApprovals() bool {
	return len(p.approvals.approvers) > 0 || p.confirm.mode == ConfirmApproval
}

// Description is the approver's description from the file.
func (a *Approver) Description() string { return a.description }

// MayApprove reports whether the approver's scope covers a call: its area,
// its project (empty for org-level calls) and its tool.
func (a *Approver) MayApprove(area Area, projectID, tool string) bool {
	if len(a.areas) > 0 && !containsArea(a.areas, area) {
		return false
	}
	if len(a.projects) > 0 && (projectID == "" || !containsString(a.projects, projectID)) {
		return false
	}
	if len(a.tools) > 0 {
		ok := false
		for _, t := range a.tools {
			ok = ok || matchName(t, tool)
		}
		if !ok {
			return false
		}
	}
	return true
}

// Scope describes what the approver may approve, for the console and the CLI.
func (a *Approver) Scope() string {
	var parts []string
	if len(a.areas) > 0 {
		var s []string
		for _, ar := range a.areas {
			s = append(s, string(ar))
		}
		parts = append(parts, "areas "+strings.Join(s, ", "))
	}
	if len(a.projects) > 0 {
		parts = append(parts, "projects "+strings.Join(a.projects, ", "))
	}
	if len(a.tools) > 0 {
		parts = append(parts, "tools "+strings.Join(a.tools, ", "))
	}
	if len(parts) == 0 {
		return "every call"
	}
	return strings.Join(parts, "; ")
}

func containsArea(list []Area, a Area) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// approvalRules applies confirm.rules and freeze windows to an allowed call:
// they can add a confirmation, raise the number of approvers, force the
// console, or (a freeze) refuse the call.
func (p *Policy) approvalRules(c Call, d *Decision, t *trace) {
	if !d.Allow {
		return
	}
	need := func(n int) {
		if n > d.Approvals {
			d.Approvals = n
		}
	}
	addWhy := func(id, why string) {
		d.Confirm = true
		if d.ConfirmRule == "" {
			d.ConfirmRule = id
		}
		if d.ConfirmWhy == "" {
			d.ConfirmWhy = why
		} else if !strings.Contains(d.ConfirmWhy, why) {
			d.ConfirmWhy += "; " + why
		}
	}
	for _, r := range p.confirm.approval.rules {
		if !matchName(r.tool, c.Tool.Name) || (len(r.projects) > 0 && !containsString(r.projects, c.ProjectID)) {
			continue
		}
		why := fmt.Sprintf("%s needs %s (%s)", c.Tool.Name, approverCount(r.approvals), p.ruleName(r.rule))
		if r.reason != "" {
			why = r.reason + ": " + why
		}
		addWhy(r.id, why)
		need(r.approvals)
		if r.console {
			d.ApprovalVia = "console"
		}
		t.step(true, "%s asks for %s", p.ruleName(r.rule), approverCount(r.approvals))
	}
	if c.Tool.Access != Write {
		return
	}
	now := p.now()
	for _, f := range p.approvals.freezes {
		if now.Before(f.from) || !now.Before(f.until) {
			continue
		}
		if len(f.projects) > 0 && !containsString(f.projects, c.ProjectID) {
			continue
		}
		if len(f.tools) > 0 {
			ok := false
			for _, tl := range f.tools {
				ok = ok || matchName(tl, c.Tool.Name)
			}
			if !ok {
				continue
			}
		}
		window := fmt.Sprintf("change freeze %s until %s", p.ruleName(f.rule), f.until.UTC().Format(time.RFC3339))
		if f.reason != "" {
			window += " (" + f.reason + ")"
		}
		if f.refuse {
			t.step(false, "%s refuses writes", window)
			*d = p.deny(f.rule, fmt.Sprintf("%s is refused during the %s; retry after it ends, or ask an admin", c.Tool.Name, window))
			return
		}
		t.step(true, "%s asks for %s", window, approverCount(f.approvals))
		addWhy(f.id, fmt.Sprintf("writes during the %s need %s", window, approverCount(f.approvals)))
		need(f.approvals)
		d.ApprovalVia = "console"
	}
}

func approverCount(n int) string {
	if n <= 1 {
		return "a person's approval"
	}
	return fmt.Sprintf("%d distinct approvers", n)
}

// approvers parses the top-level approvers: map.
func (d *decoder) approvers(k, v *yaml.Node, p *Policy, env func(string) (string, bool)) {
	v = d.deref(v)
	if v == nil || isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.fail(v, "approvers must be a mapping from a person's name to their settings, not %s", kindName(v))
		return
	}
	cfg := &p.approvals
	if cfg.byName == nil {
		cfg.byName = map[string]*Approver{}
	}
	d.namedEntries(v, "approver", func(name string) int {
		if prev := cfg.byName[name]; prev != nil {
			return prev.line
		}
		return 0
	}, func(name string, k, val *yaml.Node) {
		a := &Approver{Name: name, line: k.Line}
		d.approver(val, a, env)
		cfg.approvers = append(cfg.approvers, a)
		cfg.byName[name] = a
	})
}

func (d *decoder) approver(n *yaml.Node, a *Approver, env func(string) (string, bool)) {
	where := fmt.Sprintf("in approver %q", a.Name)
	var shaNode, envNode *yaml.Node
	d.fields(n, where, []string{"description", "tokenSha256", "tokenEnv", "match", "areas", "projects", "tools"}, func(key string, k, v *yaml.Node) {
		id := "approvers." + a.Name + "." + key
		switch key {
		case "match":
			a.match = d.match(v, id, k.Line)
			if a.match.clientID != "" {
				d.fail(v, "%s names a clientId, but approvers are people: match them by subject or group of their ID token", id)
			}
		case "description":
			a.description, _ = d.scalar(v, id)
		case "tokenSha256":
			shaNode = k
			if sum, ok := d.tokenSha256(v, id, fmt.Sprintf("approver %q", a.Name)); ok {
				a.tokenHash = sum
			}
		case "tokenEnv":
			envNode = k
			if sum, _, ok := d.tokenEnv(v, id, fmt.Sprintf("approver %q", a.Name), env); ok {
				a.tokenHash = sum
			}
		case "areas":
			for _, it := range d.items(v, id) {
				if !Area(it.value).Valid() {
					d.failAt(it.line, "%s: unknown area %q%s", id, it.value, didYouMean(it.value, areaNames()))
					continue
				}
				a.areas = append(a.areas, Area(it.value))
			}
		case "projects":
			a.projects = d.ids(v, id, "project")
		case "tools":
			for _, it := range d.items(v, id) {
				if msg := checkToolPattern(it.value); msg != "" {
					d.failAt(it.line, "%s: %s", id, msg)
					continue
				}
				a.tools = append(a.tools, it.value)
			}
		}
	})
	if shaNode != nil && envNode != nil {
		d.fail(envNode, "approver %q has both tokenSha256 (line %d) and tokenEnv; give one", a.Name, shaNode.Line)
	}
	switch {
	case shaNode != nil:
		a.tokenKey = "tokenSha256"
	case envNode != nil:
		a.tokenKey = "tokenEnv"
	}
	if shaNode == nil && envNode == nil && a.match == nil {
		d.fail(n, "approver %q has no credential; add tokenSha256 or tokenEnv, or match: {subject: …} / {group: …} for sign-in with the identity provider", a.Name)
	}
}

// freezes parses the top-level freezes: list of change-freeze windows.
func (d *decoder) freezes(n *yaml.Node, p *Policy) {
	for i, fn := range d.seq(n, "freezes") {
		f := freeze{rule: rule{id: fmt.Sprintf("freezes[%d]", i), line: fn.Line}}
		var haveFrom, haveUntil, haveAction bool
		d.fields(fn, "in "+f.id, []string{"from", "until", "tools", "projects", "action", "approvals", "reason"}, func(key string, k, v *yaml.Node) {
			id := f.id + "." + key
			switch key {
			case "from", "until":
				s, ok := d.scalar(v, id)
				if !ok {
					return
				}
				tm, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
				if err != nil {
					d.fail(v, "%s must be an RFC 3339 time such as 2026-12-24T00:00:00Z, not %q", id, s)
					return
				}
				if key == "from" {
					f.from, haveFrom = tm, true
				} else {
					f.until, haveUntil = tm, true
				}
			case "tools":
				for _, it := range d.items(v, id) {
					if msg := checkToolPattern(it.value); msg != "" {
						d.failAt(it.line, "%s: %s", id, msg)
						continue
					}
					f.tools = append(f.tools, it.value)
				}
			case "projects":
				f.projects = d.ids(v, id, "project")
			case "action":
				s, _ := d.scalar(v, id)
				switch s {
				case "refuse":
					f.refuse, haveAction = true, true
				case "approve":
					haveAction = true
				default:
					d.fail(v, "%s must be refuse or approve, not %q", id, s)
				}
			case "approvals":
				f.approvals = d.approvalCount(v, id)
			case "reason":
				f.reason, _ = d.scalar(v, id)
			}
		})
		if !haveFrom || !haveUntil {
			d.fail(fn, "%s needs from: and until:", f.id)
			continue
		}
		if !f.until.After(f.from) {
			d.fail(fn, "%s ends before it starts", f.id)
			continue
		}
		if !haveAction {
			f.refuse = f.approvals == 0
		}
		if !f.refuse && f.approvals == 0 {
			f.approvals = 2
		}
		p.approvals.freezes = append(p.approvals.freezes, f)
	}
}

// approvalConfirmKey parses the confirm.* keys about approvals.
func (d *decoder) approvalConfirmKey(key string, v *yaml.Node, c *approvalConfirm) {
	id := "confirm." + key
	switch key {
	case "approvalWait", "approvalTTL":
		dur, s, ok := d.durationAt(v, id)
		if !ok {
			return
		}
		if key == "approvalWait" {
			if dur < 0 || dur > maxApprovalWait {
				d.fail(v, "%s must be between 0s and %s, not %s", id, maxApprovalWait, s)
				return
			}
			c.wait = dur
			return
		}
		if dur < time.Second || dur > 7*24*time.Hour {
			d.fail(v, "%s must be between 1s and 168h, not %s", id, s)
			return
		}
		c.ttl = dur
	case "rules":
		for i, rn := range d.seq(v, id) {
			r := approvalRule{rule: rule{id: fmt.Sprintf("%s[%d]", id, i), line: rn.Line}, approvals: 1}
			d.fields(rn, "in "+r.id, []string{"tool", "projects", "approvals", "approval", "reason"}, func(key string, k, v *yaml.Node) {
				kid := r.id + "." + key
				switch key {
				case "tool":
					s, _ := d.scalar(v, kid)
					r.tool = strings.TrimSpace(s)
				case "projects":
					r.projects = d.ids(v, kid, "project")
				case "approvals":
					r.approvals = d.approvalCount(v, kid)
				case "approval":
					s, _ := d.scalar(v, kid)
					if s != "console" && s != "any" {
						d.fail(v, "%s must be console (only the approval console may approve) or any, not %q", kid, s)
						return
					}
					r.console = s == "console"
				case "reason":
					r.reason, _ = d.scalar(v, kid)
				}
			})
			if r.tool == "" {
				d.fail(rn, "%s names no tool; add tool: atlas-... (wildcards allowed)", r.id)
				continue
			}
			if msg := checkToolPattern(r.tool); msg != "" {
				d.fail(rn, "%s: %s", r.id, msg)
				continue
			}
			c.rules = append(c.rules, r)
		}
	}
}

func (d *decoder) approvalCount(v *yaml.Node, id string) int {
	s, ok := d.scalar(v, id)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 5 {
		d.fail(v, "%s must be a whole number from 1 to 5, not %q", id, s)
		return 0
	}
	return n
}

// checkApprovers refuses a policy where an approver could not be told from an
// agent, or where approvals are asked for that nobody could give.
func (d *decoder) checkApprovers(n *yaml.Node, p *Policy) {
	for _, ap := range p.approvals.approvers {
		if p.byName[ap.Name] != nil {
			d.failAt(ap.line, "approver %q has the name of an agent; approvers are people and agents are programs, so give them different names", ap.Name)
		}
		for _, ag := range p.agents {
			if ag.tokenHash != nil && ap.tokenHash != nil && subtle.ConstantTimeCompare(ag.tokenHash, ap.tokenHash) == 1 {
				d.failAt(ap.line, "approver %q has the same token as agent %q; an agent's credential must never approve", ap.Name, ag.Name)
			}
		}
	}
	if p.confirm.mode == ConfirmApproval && len(p.approvals.approvers) == 0 {
		d.fail(n, "confirm.withoutElicitation: approval needs at least one approver; add an approvers: section")
	}
	most := 0
	for _, r := range p.confirm.approval.rules {
		most = max(most, r.approvals)
	}
	for _, f := range p.approvals.freezes {
		most = max(most, f.approvals)
	}
	people := len(p.approvals.approvers)
	for _, ap := range p.approvals.approvers {
		if ap.match != nil && ap.match.subject == "" {
			people = max(people, 5) // a group holds any number of people
		}
	}
	if most > 0 && most > people {
		d.fail(n, "a rule asks for %d approvers but the policy names only %d; add approvers or lower approvals:", most, len(p.approvals.approvers))
	}
}

// ApproverByClaims maps a person signed in to the console with the identity
// provider (the verified claims of their ID token) to an approver: the first
// approver in file order whose match: holds. The Match names the rule
// ("approvers.sre-leads.match") for the console and the audit record.
func (p *Policy) ApproverByClaims(c Claims) (*Approver, Match) {
	for _, a := range p.approvals.approvers {
		if a.match.matches(c) {
			return a, Match{Rule: a.match.id, Line: a.match.line, At: a.match.at(p.source), Describe: a.match.describe()}
		}
	}
	return nil, Match{}
}

// HasMatch reports whether people can sign in as this approver with the
// identity provider.
func (a *Approver) HasMatch() bool { return a.match != nil }

// Matches reports whether the claims still satisfy the approver's match: (a
// console session re-checks it after a policy reload).
func (a *Approver) Matches(c Claims) bool { return a.match.matches(c) }

// TokenRule names the setting that holds the approver's token
// ("approvers.alice.tokenSha256"), "" when the approver has none.
func (a *Approver) TokenRule() string {
	if a.tokenKey == "" {
		return ""
	}
	return "approvers." + a.Name + "." + a.tokenKey
}

// OnePerson reports whether the approver stands for one person (a token, or
// a match on a subject) rather than a group: the two-person rule counts one
// person's approvers once, a group's members each once.
func (a *Approver) OnePerson() bool { return a.match == nil || a.match.subject != "" }

// UsesApproverSignIn reports whether any approver signs in with the identity
// provider.
func (p *Policy) UsesApproverSignIn() bool {
	for _, a := range p.approvals.approvers {
		if a.match != nil {
			return true
		}
	}
	return false
}
