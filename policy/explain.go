package policy

import (
	"fmt"
	"strings"
)

// Explain says in several lines how the policy decides this call: who, what,
// where, each rule considered in order, and the decision. It runs the same code
// as Decide (`atlas-mcp policy explain` prints it).
func (p *Policy) Explain(a *Agent, c Call) string {
	var b strings.Builder
	src := p.source
	if src == "" {
		src = "built-in default policy"
	}
	fmt.Fprintf(&b, "policy:   %s\n", src)
	switch {
	case a == nil:
		b.WriteString("agent:    (none)\n")
	case a.line > 0:
		fmt.Fprintf(&b, "agent:    %s (%s:%d)\n", a.Name, p.source, a.line)
	default:
		fmt.Fprintf(&b, "agent:    %s\n", a.Name)
	}
	fmt.Fprintf(&b, "tool:     %s (%s)\n", c.Tool.Name, describeTool(c.Tool))
	fmt.Fprintf(&b, "scope:    %s\n", strings.TrimSpace(callScopeOrNone(c)))
	if others := c.otherProjects(); len(others) > 0 {
		fmt.Fprintf(&b, "also:     %s %s\n", plural("project", len(others)), strings.Join(others, ", "))
	}
	if args := describeArgs(c.Args); args != "" {
		fmt.Fprintf(&b, "args:     %s\n", args)
	}
	b.WriteString("steps:\n")
	t := &trace{}
	d := p.decide(a, c, t)
	b.WriteString(t.b.String())
	verdict := "DENY"
	if d.Allow {
		verdict = "ALLOW"
	}
	r := rule{id: d.Rule, line: d.Line}
	fmt.Fprintf(&b, "decision: %s by %s\n", verdict, p.ruleName(r))
	fmt.Fprintf(&b, "reason:   %s\n", d.Reason)
	if d.Allow {
		if d.Confirm {
			fmt.Fprintf(&b, "confirm:  required: %s\n", d.ConfirmWhy)
		} else {
			b.WriteString("confirm:  not required\n")
		}
	}
	return b.String()
}

func describeArgs(a Args) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("clusterName", a.ClusterName)
	var clusters []string
	for _, c := range a.Clusters {
		s := c.Name
		if c.ProjectID != "" {
			s = c.ProjectID + "/" + s
		}
		if c.Overwritten {
			s += " (overwritten)"
		}
		clusters = append(clusters, s)
	}
	add("clusters", strings.Join(clusters, ","))
	add("instanceSizes", strings.Join(a.InstanceSizes, ","))
	if a.TotalNodes != 0 {
		add("totalNodes", fmt.Sprint(a.TotalNodes))
	}
	if a.MaxDiskSizeGB != 0 {
		add("maxDiskSizeGB", fmt.Sprint(a.MaxDiskSizeGB))
	}
	add("providers", strings.Join(a.Providers, ","))
	add("regions", strings.Join(a.Regions, ","))
	var entries []string
	for _, e := range a.AccessEntries {
		s := e.CIDR
		if e.Comment != "" {
			s += fmt.Sprintf(" %q", e.Comment)
		}
		if e.DeleteAfter != nil {
			s += " until " + e.DeleteAfter.UTC().Format("2006-01-02T15:04:05Z")
		}
		entries = append(entries, s)
	}
	add("accessEntries", strings.Join(entries, "; "))
	var roles []string
	for _, r := range a.DBRoles {
		roles = append(roles, r.String())
	}
	add("dbRoles", strings.Join(roles, ","))
	add("apiKeyRoles", strings.Join(a.APIKeyRoles, ","))
	return strings.Join(parts, " ")
}
