package policy

import (
	"crypto/subtle"
	"path"
	"sort"
)

// check runs the rules that span sections: one default agent, distinct tokens,
// deny rules naming real agents, confirmation lists that do not contradict each
// other or un-confirm a destructive tool, and (with a catalogue) tool names that
// exist.
func (d *decoder) check(p *Policy) {
	var defaults []*Agent
	for _, a := range p.agents {
		if a.isDefault {
			defaults = append(defaults, a)
		}
	}
	switch {
	case len(defaults) > 1:
		for _, a := range defaults[1:] {
			d.failAt(a.line, "agent %q is marked default, but so is agent %q (line %d); only one agent can be the stdio default", a.Name, defaults[0].Name, defaults[0].line)
		}
	case len(defaults) == 1:
		p.def = defaults[0]
	case len(p.agents) == 1:
		p.agents[0].isDefault = true
		p.def = p.agents[0]
	}

	for i, a := range p.agents {
		for _, b := range p.agents[:i] {
			if a.tokenHash != nil && b.tokenHash != nil && subtle.ConstantTimeCompare(a.tokenHash, b.tokenHash) == 1 {
				d.failAt(a.line, "agents %q and %q have the same bearer token; each agent needs its own", b.Name, a.Name)
			}
		}
	}

	var names []string
	for _, a := range p.agents {
		names = append(names, a.Name)
	}
	for _, r := range p.denies {
		for _, n := range r.agents {
			if p.byName[n] == nil {
				d.failAt(r.line, "%s names agent %q, which the policy does not define%s", r.id, n, didYouMean(n, names))
			}
		}
	}

	for _, s := range p.confirm.skip {
		for _, t := range p.confirm.tools {
			if s.value == t.value {
				d.failAt(s.line, "confirm.skip lists %q, which confirm.tools (line %d) also lists; keep one", s.value, t.line)
			}
		}
		if name, ok := p.destructiveMatch(s.value); ok {
			d.failAt(s.line, "confirm.skip %q would cover %s, a destructive tool; destructive tools always need confirmation (use disableDestructive to remove them instead)", s.value, name)
		}
	}

	if p.catalogue != nil {
		d.checkToolNames(p)
	}
}

// destructiveMatch finds a destructive tool the pattern covers. With a catalogue
// it is exact; without one it falls back on the naming contract (delete verbs are
// destructive), which catches the common mistakes ("atlas-*", "*-delete-*").
func (p *Policy) destructiveMatch(pattern string) (string, bool) {
	if p.catalogue != nil {
		for _, name := range sortedNames(p.catalogue) {
			if t := p.catalogue[name]; t.Destructive && matchName(pattern, name) {
				return name, true
			}
		}
		return "", false
	}
	for _, probe := range []string{"atlas-delete-cluster", "atlas-delete-project", "appservices-delete-app"} {
		if matchName(pattern, probe) {
			return probe, true
		}
	}
	return "", false
}

func (d *decoder) checkToolNames(p *Policy) {
	known := sortedNames(p.catalogue)
	checkOne := func(id string, line int, pattern string) {
		for _, n := range known {
			if matchName(pattern, n) {
				return
			}
		}
		d.failAt(line, "%s: no tool is named %q%s", id, pattern, didYouMean(pattern, known))
	}
	for _, r := range p.denies {
		checkOne(r.id, r.line, r.tool)
	}
	for _, a := range p.agents {
		for _, r := range a.denies {
			checkOne(r.id, r.line, r.tool)
		}
	}
	for _, it := range p.confirm.tools {
		checkOne(it.id, it.line, it.value)
	}
	for _, it := range p.confirm.skip {
		checkOne(it.id, it.line, it.value)
	}
}

func sortedNames(m map[string]ToolInfo) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// matchName matches a tool-name pattern; a malformed pattern (rejected at load)
// matches nothing.
func matchName(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}
