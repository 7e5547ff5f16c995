package policy

import (
	"fmt"
	"strings"
)

// confirmation marks an allowed call that needs a human's yes, and says why.
// Destructive tools always do, whatever confirm.skip says. Built in as well:
// tools whose spec asks for it (ToolInfo.Confirms: atlas-create-api-key mints
// a credential) and access-list calls whose new
// entries together open more than the thresholds (netConfirmations);
// confirm.skip can remove those for a tool, and confirm.tools adds tools.
func (p *Policy) confirmation(a *Agent, c Call, d *Decision, t *trace) {
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
	if !skipped && c.Tool.Confirms != "" {
		add(ruleConfirmTools, fmt.Sprintf("%s %s (%s)", name, c.Tool.Confirms, ruleConfirmTools))
	}
	if c.Tool.Access == Write && !c.Tool.Destructive {
		p.netConfirmations(a.constraintSets(p), c, skipped, add)
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
	d.Approvals = 1
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
