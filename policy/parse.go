package policy

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxPolicySize bounds what Load reads: a policy is a short, reviewed file.
const maxPolicySize = 1 << 20

// minEnvTokenLen is the shortest bearer token accepted from the environment;
// shorter ones are guessable. (A tokenSha256 hides the length, so it cannot be
// checked there.)
const minEnvTokenLen = 16

// Load reads and parses a policy file. The path is used as the source in errors
// and rule locations.
func Load(path string, opts Options) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPolicySize+1))
	if err != nil {
		return nil, fmt.Errorf("policy: read %s: %w", path, err)
	}
	return Parse(data, path, opts)
}

// Parse parses and validates a policy. source names the file in errors and rule
// locations. Every problem found is returned at once in a *LoadError.
func Parse(data []byte, source string, opts Options) (*Policy, error) {
	if len(data) > maxPolicySize {
		return nil, &LoadError{Source: source, Problems: []Problem{{Msg: "the file is larger than 1 MiB; a policy is a short, reviewed file"}}}
	}
	root, prob := readYAML(data)
	if prob != nil {
		return nil, &LoadError{Source: source, Problems: []Problem{*prob}}
	}
	d := &decoder{budget: aliasBudget}
	p := newPolicy(source, opts)
	p.ops.hash = contentHash(data)
	d.top(root, p, lookupEnv(opts))
	if len(d.problems) == 0 {
		d.check(p)
		d.checkIdentity(p)
	}
	if len(d.problems) > 0 {
		return nil, &LoadError{Source: source, Problems: d.problems}
	}
	return p, nil
}

func (d *decoder) top(n *yaml.Node, p *Policy, env func(string) (string, bool)) {
	n = d.deref(n)
	if n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "a policy must be a mapping with an agents: section, not %s", kindName(n))
		return
	}
	sawAgents := false
	d.fields(n, "at the top level", []string{"version", "readOnly", "disableDestructive", "agents", "deny", "constraints", "confirm", "rateLimit", "identity", "approvers", "freezes"},
		func(key string, k, v *yaml.Node) {
			switch key {
			case "identity":
				d.identity(v, p)
			case "version":
				if s, ok := d.scalar(v, "version"); ok && s != "1" {
					d.fail(v, "version %q is not supported; this program reads version 1", s)
				}
			case "readOnly":
				if b, ok := d.boolean(v, "readOnly"); ok && b {
					p.fileReadOnly = rule{id: "readOnly", line: k.Line}
				}
			case "disableDestructive":
				if b, ok := d.boolean(v, "disableDestructive"); ok && b {
					p.fileNoDestroy = rule{id: "disableDestructive", line: k.Line}
				}
			case "agents":
				sawAgents = true
				d.agents(k, v, p, env)
			case "deny":
				p.denies = d.denies(v, "deny", true)
			case "constraints":
				p.constraints = d.constraints(v, "constraints", k.Line)
			case "confirm":
				d.confirm(v, &p.confirm)
			case "rateLimit": // see ops.go
				p.ops.rate = d.rateLimit(k, v, "rateLimit")
			case "approvers":
				d.approvers(k, v, p, env)
			case "freezes":
				d.freezes(v, p)
			}
		})
	d.checkApprovers(n, p)
	if !sawAgents {
		d.fail(n, "the policy defines no agents; add an agents: section (see the package documentation for an example)")
	}
}

func (d *decoder) agents(k, v *yaml.Node, p *Policy, env func(string) (string, bool)) {
	v = d.deref(v)
	if v == nil {
		return
	}
	if v.Kind == yaml.SequenceNode {
		d.fail(v, "agents must be a mapping from agent name to its settings, not a list; write \"agents:\" then \"  ci-bot:\" then its keys indented below")
		return
	}
	if isNull(v) || (v.Kind == yaml.MappingNode && len(v.Content) == 0) {
		d.fail(k, "agents is empty; define at least one agent")
		return
	}
	if v.Kind != yaml.MappingNode {
		d.fail(v, "agents must be a mapping from agent name to its settings, not %s", kindName(v))
		return
	}
	d.namedEntries(v, "agent", func(name string) int {
		if prev := p.byName[name]; prev != nil {
			return prev.line
		}
		return 0
	}, func(name string, k, val *yaml.Node) {
		a := &Agent{Name: name, p: p, line: k.Line}
		d.agent(val, a, env)
		p.addAgent(a)
	})
}

func (d *decoder) agent(n *yaml.Node, a *Agent, env func(string) (string, bool)) {
	prefix := "agents." + a.Name
	where := fmt.Sprintf("in agent %q", a.Name)
	var shaNode, envNode *yaml.Node
	d.fields(n, where, []string{"description", "default", "tokenSha256", "tokenEnv", "grants", "deny", "constraints", "rateLimit", "match"},
		func(key string, k, v *yaml.Node) {
			switch key {
			case "match":
				a.match = d.agentMatch(v, a, k.Line)
			case "description":
				a.description, _ = d.scalar(v, "description")
			case "default":
				a.isDefault, _ = d.boolean(v, fmt.Sprintf("default of agent %q", a.Name))
			case "tokenSha256":
				shaNode = k
				if sum, ok := d.tokenSha256(v, "tokenSha256", fmt.Sprintf("agent %q", a.Name)); ok {
					a.tokenHash, a.auth = sum, "tokenSha256"
				}
			case "tokenEnv":
				envNode = k
				if sum, name, ok := d.tokenEnv(v, "tokenEnv", fmt.Sprintf("agent %q", a.Name), env); ok {
					a.tokenHash, a.auth = sum, "tokenEnv:"+name
				}
			case "grants":
				a.grants = d.grants(v, prefix+".grants")
			case "deny":
				a.denies = d.denies(v, prefix+".deny", false)
			case "constraints":
				a.constraints = d.constraints(v, prefix+".constraints", k.Line)
			case "rateLimit": // see ops.go
				a.p.ops.setAgentRate(a.Name, d.rateLimit(k, v, prefix+".rateLimit"))
			}
		})
	if shaNode != nil && envNode != nil {
		d.fail(envNode, "agent %q has both tokenSha256 (line %d) and tokenEnv; give one", a.Name, shaNode.Line)
	}
}

func (d *decoder) grants(n *yaml.Node, prefix string) []grant {
	var out []grant
	for i, gn := range d.seq(n, prefix) {
		g := grant{rule: rule{id: fmt.Sprintf("%s[%d]", prefix, i), line: gn.Line}}
		if gn.Kind != yaml.MappingNode {
			d.fail(gn, "%s must be a mapping such as {area: clusters, access: [read]}, not %s", g.id, kindName(gn))
			continue
		}
		var haveArea, haveAccess bool
		d.fields(gn, "in "+g.id, []string{"area", "access", "projects", "orgs"}, func(key string, k, v *yaml.Node) {
			switch key {
			case "area":
				s, ok := d.scalar(v, "area")
				if !ok {
					return
				}
				haveArea = true
				g.area = Area(s)
				if s != "*" && !g.area.Valid() {
					d.fail(v, "unknown area %q in %s%s; areas are %s, or \"*\" for all", s, g.id, didYouMean(s, areaNames()), strings.Join(areaNames(), ", "))
				}
			case "access":
				its := d.items(v, g.id+".access")
				haveAccess = len(its) > 0
				for _, it := range its {
					switch Access(it.value) {
					case Read:
						g.read = true
					case Write:
						g.write = true
					default:
						d.failAt(it.line, "access %q in %s is not read or write%s", it.value, g.id, didYouMean(it.value, []string{"read", "write"}))
					}
				}
			case "projects":
				g.projects = d.ids(v, g.id+".projects", "project")
			case "orgs":
				g.orgs = d.ids(v, g.id+".orgs", "organization")
			}
		})
		if !haveArea {
			d.fail(gn, "%s has no area; add e.g. area: clusters", g.id)
		}
		if !haveAccess {
			d.fail(gn, "%s gives no access; add access: [read] or access: [read, write]", g.id)
		}
		if g.area.OrgScoped() && len(g.projects) > 0 {
			d.fail(gn, "%s: area %s is not project-scoped, so a projects list could never match; limit it with orgs instead", g.id, g.area)
		}
		out = append(out, g)
	}
	return out
}

func areaNames() []string {
	var out []string
	for _, a := range AllAreas() {
		out = append(out, string(a))
	}
	return out
}

// ids reads a list of Atlas IDs (24 lowercase hex digits).
func (d *decoder) ids(n *yaml.Node, what, kind string) []string {
	var out []string
	for _, it := range d.items(n, what) {
		if !isHexID(it.value) {
			d.failAt(it.line, "%s: %q is not an Atlas %s ID (24 lowercase hex digits)", what, it.value, kind)
			continue
		}
		out = append(out, it.value)
	}
	return out
}

func (d *decoder) denies(n *yaml.Node, prefix string, top bool) []denyRule {
	keys := []string{"tool", "projects", "orgs", "reason"}
	if top {
		keys = append(keys, "agents")
	}
	var out []denyRule
	for i, dn := range d.seq(n, prefix) {
		r := denyRule{rule: rule{id: fmt.Sprintf("%s[%d]", prefix, i), line: dn.Line}}
		switch dn.Kind {
		case yaml.ScalarNode:
			// "- atlas-delete-cluster" is short for "- tool: atlas-delete-cluster".
			r.tool = strings.TrimSpace(dn.Value)
		case yaml.MappingNode:
			d.fields(dn, "in "+r.id, keys, func(key string, k, v *yaml.Node) {
				switch key {
				case "tool":
					s, _ := d.scalar(v, r.id+".tool")
					r.tool = strings.TrimSpace(s)
				case "projects":
					r.projects = d.ids(v, r.id+".projects", "project")
				case "orgs":
					r.orgs = d.ids(v, r.id+".orgs", "organization")
				case "reason":
					r.reason, _ = d.scalar(v, r.id+".reason")
				case "agents":
					r.agents = values(d.items(v, r.id+".agents"))
				}
			})
		default:
			d.fail(dn, "%s must be a tool name or a mapping with a tool: key, not %s", r.id, kindName(dn))
			continue
		}
		if r.tool == "" {
			d.fail(dn, "%s names no tool; add tool: atlas-...", r.id)
			continue
		}
		if msg := checkToolPattern(r.tool); msg != "" {
			d.fail(dn, "%s: %s", r.id, msg)
			continue
		}
		out = append(out, r)
	}
	return out
}

// checkToolPattern accepts a tool name or a path.Match pattern over names
// ("atlas-delete-*").
func checkToolPattern(p string) string {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-*?[]^!", r)) {
			return fmt.Sprintf("%q is not a tool name or pattern (lower-case letters, digits, '-', and the wildcards * ? [ ])", p)
		}
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Sprintf("%q is not a valid pattern: %v", p, err)
	}
	return ""
}

func (d *decoder) constraints(n *yaml.Node, prefix string, line int) *constraints {
	c := &constraints{rule: rule{id: prefix, line: line}}
	d.fields(n, "in "+prefix, []string{"networkAccess", "clusters", "databaseUsers", "apiKeys"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "networkAccess":
			d.netConstraints(v, prefix+".networkAccess", &c.net)
		case "clusters":
			d.clusterConstraints(v, prefix+".clusters", &c.clusters)
		case "databaseUsers":
			d.roleConstraints(v, prefix+".databaseUsers", &c.dbUsers, false)
		case "apiKeys":
			d.roleConstraints(v, prefix+".apiKeys", &c.apiKeys, true)
		}
	})
	return c
}

func (d *decoder) netConstraints(n *yaml.Node, prefix string, c *netConstraints) {
	d.fields(n, "in "+prefix, []string{"allowedCidrs", "deniedCidrs", "maxLifetime", "allowAnywhere", "confirmAboveAddresses", "confirmAboveIPv6Prefix", "confirmAboveEntries"}, func(key string, k, v *yaml.Node) {
		id := prefix + "." + key
		switch key {
		case "allowedCidrs":
			c.allowed = d.cidrs(v, id)
			c.allowedRule = rule{id: id, line: k.Line}
		case "deniedCidrs":
			c.denied = d.cidrs(v, id)
		case "maxLifetime":
			dur, _, ok := d.durationAt(v, id)
			if !ok {
				return
			}
			c.maxLifetime, c.maxLifetimeRule = dur, rule{id: id, line: k.Line}
		case "allowAnywhere":
			c.allowAnywhere, _ = d.boolean(v, id)
			c.anywhereRule = rule{id: id, line: k.Line}
		case "confirmAboveAddresses", "confirmAboveIPv6Prefix", "confirmAboveEntries":
			d.netThreshold(key, id, k, v, c)
		}
	})
}

func (d *decoder) cidrs(n *yaml.Node, what string) []cidrItem {
	var out []cidrItem
	for _, it := range d.items(n, what) {
		s := it.value
		p, err := parseCIDR(s)
		if err != nil {
			d.failAt(it.line, "%s: %v", what, err)
			continue
		}
		if strings.Contains(s, "/") {
			if orig, err := netip.ParsePrefix(s); err == nil && orig.Masked() != orig && !orig.Addr().Is4In6() {
				d.failAt(it.line, "%s: %s has bits set after the prefix; did you mean %s?", what, s, orig.Masked())
				continue
			}
		}
		out = append(out, cidrItem{rule: it.rule, prefix: p})
	}
	return out
}

func (d *decoder) clusterConstraints(n *yaml.Node, prefix string, c *clusterConstraints) {
	var protectNode *yaml.Node
	d.fields(n, "in "+prefix, []string{"maxInstanceSize", "allowedProviders", "allowedRegions", "protectedNames", "protectUpdates", "maxNodes", "maxDiskSizeGB"}, func(key string, k, v *yaml.Node) {
		id := prefix + "." + key
		switch key {
		case "maxInstanceSize":
			s, ok := d.scalar(v, id)
			if !ok {
				return
			}
			t, ok := tier(s)
			if !ok || !knownTier(s) {
				d.fail(v, "%s: %q is not an instance size Atlas offers; use one of %s", id, s, tierList())
				return
			}
			c.maxSize, c.maxTier, c.maxSizeRule = strings.ToUpper(strings.TrimSpace(s)), t, rule{id: id, line: k.Line}
		case "allowedProviders":
			known := []string{"AWS", "GCP", "AZURE", "TENANT"}
			for _, it := range d.items(v, id) {
				u := strings.ToUpper(it.value)
				if !containsString(known, u) {
					d.failAt(it.line, "%s: %q is not a provider; use AWS, GCP, AZURE or TENANT (shared tiers)%s", id, it.value, didYouMean(u, known))
					continue
				}
				c.providers = append(c.providers, u)
			}
			c.providersRule = rule{id: id, line: k.Line}
		case "allowedRegions":
			for _, it := range d.items(v, id) {
				u := strings.ToUpper(it.value)
				if msg := checkNamePattern(u, "A-Z, 0-9, _"); msg != "" {
					d.failAt(it.line, "%s: %s", id, msg)
					continue
				}
				c.regions = append(c.regions, u)
			}
			c.regionsRule = rule{id: id, line: k.Line}
		case "protectedNames":
			for _, it := range d.items(v, id) {
				if _, err := path.Match(it.value, ""); err != nil {
					d.failAt(it.line, "%s: %q is not a valid pattern: %v", id, it.value, err)
					continue
				}
				c.protected = append(c.protected, item{rule: it.rule, value: strings.ToLower(it.value)})
			}
		case "protectUpdates":
			c.protectUpdates, _ = d.boolean(v, id)
			protectNode = k
		case "maxNodes", "maxDiskSizeGB":
			d.clusterLimit(key, id, k, v, c)
		}
	})
	if c.protectUpdates && len(c.protected) == 0 && protectNode != nil {
		d.fail(protectNode, "%s.protectUpdates has no protectedNames to protect", prefix)
	}
}

func (d *decoder) roleConstraints(n *yaml.Node, prefix string, c *roleConstraints, apiKey bool) {
	d.fields(n, "in "+prefix, []string{"allowedRoles", "deniedRoles"}, func(key string, k, v *yaml.Node) {
		id := prefix + "." + key
		var list []rolePattern
		for _, it := range d.items(v, id) {
			rp, msg := parseRolePattern(it, apiKey)
			if msg != "" {
				d.failAt(it.line, "%s: %s", id, msg)
				continue
			}
			list = append(list, rp)
		}
		if key == "allowedRoles" {
			c.allowed, c.allowedRule = list, rule{id: id, line: k.Line}
		} else {
			c.denied = list
		}
	})
}

func (d *decoder) confirm(n *yaml.Node, c *confirmConfig) {
	d.fields(n, "in confirm", []string{"tools", "skip", "withoutElicitation", "tokenTTL", "approvalWait", "approvalTTL", "rules"}, func(key string, k, v *yaml.Node) {
		id := "confirm." + key
		switch key {
		case "tools", "skip":
			var list []item
			for _, it := range d.items(v, id) {
				if msg := checkToolPattern(it.value); msg != "" {
					d.failAt(it.line, "%s: %s", id, msg)
					continue
				}
				list = append(list, it)
			}
			if key == "tools" {
				c.tools = list
			} else {
				c.skip = list
			}
		case "withoutElicitation":
			s, ok := d.scalar(v, id)
			if !ok {
				return
			}
			if s != ConfirmRefuse && s != ConfirmToken && s != ConfirmApproval {
				d.fail(v, "%s must be %q, %q or %q, not %q", id, ConfirmRefuse, ConfirmApproval, ConfirmToken, s)
				return
			}
			c.mode, c.modeRule = s, rule{id: id, line: k.Line}
		case "tokenTTL":
			dur, s, ok := d.durationAt(v, id)
			if !ok {
				return
			}
			if dur < time.Second || dur > 24*time.Hour {
				d.fail(v, "%s must be between 1s and 24h, not %s", id, s)
				return
			}
			c.ttl = dur
		case "approvalWait", "approvalTTL", "rules":
			d.approvalConfirmKey(key, v, &c.approval)
		}
	})
}

func checkNamePattern(p, allowed string) string {
	for _, r := range p {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-*?[]^!", r)) {
			return fmt.Sprintf("%q is not a name or pattern (%s and the wildcards * ? [ ])", p, allowed)
		}
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Sprintf("%q is not a valid pattern: %v", p, err)
	}
	return ""
}

func isHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func validAgentName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}
