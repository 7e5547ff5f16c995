package policy

import (
	"fmt"
	"strings"
)

// confirmation marks an allowed call that needs a human's yes, and says why.
// Destructive tools always do, whatever confirm.skip says. Built in as well:
// atlas-create-api-key (it mints a credential) and access-list entries wider
// than /24 (IPv4) or /64 (IPv6); confirm.skip can remove those two for a tool,
// and confirm.tools adds tools.
func (p *Policy) confirmation(c Call, d *Decision, t *trace) {
	var why []string
	add := func(id, reason string) {
		if d.ConfirmRule == "" {
			d.ConfirmRule = id
		}
		why = append(why, reason)
	}
	name := c.Tool.Name
	if c.Tool.Destructive {
		add(ruleConfirmDestroy, fmt.Sprintf("%s is destructive (%s)", name, ruleConfirmDestroy))
	}
	skipped, skipRule := p.skipped(name)
	if !c.Tool.Destructive && skipped {
		t.step(true, "%s removes %s from the built-in confirmations", p.ruleName(skipRule), name)
	}
	if !skipped && name == "atlas-create-api-key" {
		add(ruleConfirmTools, fmt.Sprintf("%s creates an Atlas credential (%s)", name, ruleConfirmTools))
	}
	if !skipped && c.Tool.Access == Write && !c.Tool.Destructive {
		var wideOnes []string
		for _, e := range c.Args.AccessEntries {
			if pfx, err := parseCIDR(e.CIDR); err == nil && wide(pfx) {
				wideOnes = append(wideOnes, pfx.String())
			}
		}
		if len(wideOnes) > 0 {
			verb := "is"
			if len(wideOnes) > 1 {
				verb = "are"
			}
			add(ruleConfirmWideEntry, fmt.Sprintf("access list %s %s %s wider than /24 (IPv4) or /64 (IPv6) (%s)",
				entryWord(len(wideOnes)), strings.Join(wideOnes, ", "), verb, ruleConfirmWideEntry))
		}
	}
	for _, it := range p.confirm.tools {
		if matchName(it.value, name) {
			add(it.id, fmt.Sprintf("the policy lists %s for confirmation (%s)", it.value, p.ruleName(it.rule)))
			break
		}
	}
	if len(why) == 0 {
		t.step(true, "no confirmation needed")
		return
	}
	d.Confirm = true
	d.ConfirmWhy = strings.Join(why, "; ")
	t.step(true, "confirmation required: %s", d.ConfirmWhy)
}

func (p *Policy) skipped(name string) (bool, rule) {
	for _, it := range p.confirm.skip {
		if matchName(it.value, name) {
			return true, it.rule
		}
	}
	return false, rule{}
}

func entryWord(n int) string {
	if n == 1 {
		return "entry"
	}
	return "entries"
}
