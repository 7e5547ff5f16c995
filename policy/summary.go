package policy

// AgentSummary is what the atlas-whoami tool shows an agent about itself: enough
// to plan its calls without trial and error. It never holds a token or hash.
type AgentSummary struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Default is true for the agent used over stdio.
	Default bool `json:"default"`
	// Auth says how the agent authenticates over HTTP: "none", "tokenSha256" or
	// "tokenEnv:VAR".
	Auth               string               `json:"auth"`
	ReadOnly           bool                 `json:"readOnly"`
	DisableDestructive bool                 `json:"disableDestructive"`
	Grants             []GrantSummary       `json:"grants"`
	Denies             []DenySummary        `json:"denies,omitempty"`
	Constraints        []ConstraintsSummary `json:"constraints,omitempty"`
	Confirmation       ConfirmationSummary  `json:"confirmation"`
}

// GrantSummary is one grant. Empty Projects and Orgs mean any.
type GrantSummary struct {
	Rule     string   `json:"rule"`
	Area     Area     `json:"area"` // "*" for every area
	Access   []Access `json:"access"`
	Projects []string `json:"projects,omitempty"`
	Orgs     []string `json:"orgs,omitempty"`
}

// DenySummary is one deny rule that applies to the agent.
type DenySummary struct {
	Rule     string   `json:"rule"`
	Tool     string   `json:"tool"` // a name or a pattern such as "atlas-delete-*"
	Projects []string `json:"projects,omitempty"`
	Orgs     []string `json:"orgs,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// ConstraintsSummary is one set of argument constraints (policy-wide, the
// agent's own, or a built-in one); a call must pass every set.
type ConstraintsSummary struct {
	Rule          string                `json:"rule"`
	NetworkAccess *NetworkAccessSummary `json:"networkAccess,omitempty"`
	Clusters      *ClustersSummary      `json:"clusters,omitempty"`
	DatabaseUsers *RolesSummary         `json:"databaseUsers,omitempty"`
	APIKeys       *RolesSummary         `json:"apiKeys,omitempty"`
}

// NetworkAccessSummary are the access-list constraints.
type NetworkAccessSummary struct {
	AllowedCIDRs  []string `json:"allowedCidrs,omitempty"`
	DeniedCIDRs   []string `json:"deniedCidrs,omitempty"`
	MaxLifetime   string   `json:"maxLifetime,omitempty"`
	AllowAnywhere bool     `json:"allowAnywhere,omitempty"`
	// Confirmation thresholds the policy sets for one call's new entries.
	ConfirmAboveAddresses  *uint64 `json:"confirmAboveAddresses,omitempty"`
	ConfirmAboveIPv6Prefix *int    `json:"confirmAboveIPv6Prefix,omitempty"`
	ConfirmAboveEntries    int     `json:"confirmAboveEntries,omitempty"`
}

// ClustersSummary are the cluster constraints.
type ClustersSummary struct {
	MaxInstanceSize  string   `json:"maxInstanceSize,omitempty"`
	AllowedProviders []string `json:"allowedProviders,omitempty"`
	AllowedRegions   []string `json:"allowedRegions,omitempty"`
	ProtectedNames   []string `json:"protectedNames,omitempty"`
	ProtectUpdates   bool     `json:"protectUpdates,omitempty"`
	MaxNodes         int      `json:"maxNodes,omitempty"`
	MaxDiskSizeGB    float64  `json:"maxDiskSizeGB,omitempty"`
}

// RolesSummary are role constraints (database users, API keys).
type RolesSummary struct {
	AllowedRoles []string `json:"allowedRoles,omitempty"`
	DeniedRoles  []string `json:"deniedRoles,omitempty"`
}

// ConfirmationSummary says which calls need a human's yes.
type ConfirmationSummary struct {
	// Destructive is always true: every destructive tool needs confirmation.
	Destructive bool `json:"destructive"`
	// Tools need confirmation besides the destructive ones (names or patterns).
	Tools []string `json:"tools,omitempty"`
	// WideAccessList is true when the built-in access-list thresholds apply: a
	// call whose new entries together open more than 256 IPv4 addresses or one
	// IPv6 /64, or that creates more than 20 entries, needs confirmation.
	WideAccessList bool `json:"wideAccessList"`
	// Skip lists non-destructive tools the built-in confirmations do not apply to.
	Skip []string `json:"skip,omitempty"`
	// WithoutElicitation is "refuse" or "token": what happens when the host
	// cannot ask the user.
	WithoutElicitation string `json:"withoutElicitation"`
	TokenTTL           string `json:"tokenTTL"`
}

// Summary describes what the agent may do, for the atlas-whoami tool.
func (a *Agent) Summary() AgentSummary {
	p := a.p
	if p == nil {
		// An Agent built outside this package belongs to no policy and may do
		// nothing; say so rather than panic.
		return AgentSummary{Name: a.Name, Auth: "none", Grants: []GrantSummary{}}
	}
	s := AgentSummary{
		Name:               a.Name,
		Description:        a.description,
		Default:            a.isDefault,
		Auth:               a.auth,
		ReadOnly:           p.ReadOnly(),
		DisableDestructive: p.DisableDestructive(),
		Grants:             []GrantSummary{},
	}
	if s.Auth == "" {
		s.Auth = "none"
	}
	for _, g := range a.grants {
		gs := GrantSummary{Rule: g.id, Area: g.area, Projects: g.projects, Orgs: g.orgs}
		if g.read {
			gs.Access = append(gs.Access, Read)
		}
		if g.write {
			gs.Access = append(gs.Access, Write)
		}
		s.Grants = append(s.Grants, gs)
	}
	for _, rs := range [][]denyRule{p.denies, a.denies} {
		for _, r := range rs {
			if r.appliesTo(a.Name) {
				s.Denies = append(s.Denies, DenySummary{Rule: r.id, Tool: r.tool, Projects: r.projects, Orgs: r.orgs, Reason: r.reason})
			}
		}
	}
	anywhere := false
	for _, c := range []*constraints{p.constraints, a.constraints} {
		if c == nil {
			continue
		}
		anywhere = anywhere || c.net.allowAnywhere
		if cs, ok := c.summary(); ok {
			s.Constraints = append(s.Constraints, cs)
		}
	}
	if !anywhere {
		s.Constraints = append(s.Constraints, ConstraintsSummary{
			Rule:          ruleDefaultNetDeny,
			NetworkAccess: &NetworkAccessSummary{DeniedCIDRs: []string{"0.0.0.0/0", "::/0"}},
		})
	}
	s.Confirmation = p.confirmSummary()
	return s
}

func (c *constraints) summary() (ConstraintsSummary, bool) {
	cs := ConstraintsSummary{Rule: c.id}
	if n := c.net; n.set() {
		ns := &NetworkAccessSummary{AllowAnywhere: n.allowAnywhere}
		for _, x := range n.allowed {
			ns.AllowedCIDRs = append(ns.AllowedCIDRs, x.prefix.String())
		}
		for _, x := range n.denied {
			ns.DeniedCIDRs = append(ns.DeniedCIDRs, x.prefix.String())
		}
		if n.maxLifetime > 0 {
			ns.MaxLifetime = n.maxLifetime.String()
		}
		if n.confirmAddrsRule.id != "" {
			v := n.confirmAddrs
			ns.ConfirmAboveAddresses = &v
		}
		if n.confirmPrefix6Rule.id != "" {
			v := n.confirmPrefix6
			ns.ConfirmAboveIPv6Prefix = &v
		}
		ns.ConfirmAboveEntries = n.confirmEntries
		cs.NetworkAccess = ns
	}
	if k := c.clusters; k.set() {
		cs.Clusters = &ClustersSummary{
			MaxInstanceSize:  k.maxSize,
			AllowedProviders: k.providers,
			AllowedRegions:   k.regions,
			ProtectedNames:   values(k.protected),
			ProtectUpdates:   k.protectUpdates,
			MaxNodes:         k.maxNodes,
			MaxDiskSizeGB:    k.maxDisk,
		}
	}
	if r := c.dbUsers; r.set() {
		cs.DatabaseUsers = &RolesSummary{AllowedRoles: rawRoles(r.allowed), DeniedRoles: rawRoles(r.denied)}
	}
	if r := c.apiKeys; r.set() {
		cs.APIKeys = &RolesSummary{AllowedRoles: rawRoles(r.allowed), DeniedRoles: rawRoles(r.denied)}
	}
	ok := cs.NetworkAccess != nil || cs.Clusters != nil || cs.DatabaseUsers != nil || cs.APIKeys != nil
	return cs, ok
}

func (p *Policy) confirmSummary() ConfirmationSummary {
	cs := ConfirmationSummary{
		Destructive:        true,
		WideAccessList:     true,
		WithoutElicitation: p.confirm.mode,
		TokenTTL:           p.confirm.ttl.String(),
		Skip:               values(p.confirm.skip),
	}
	// The tools whose spec asks for a yes, as the catalogue says (without
	// one, the policy cannot know them ahead of a call).
	for _, name := range sortedNames(p.catalogue) {
		if ok, _ := p.skipped(name); !ok && p.catalogue[name].Confirms != "" && !p.catalogue[name].Destructive {
			cs.Tools = append(cs.Tools, name)
		}
	}
	if ok, _ := p.skipped("atlas-create-access-list"); ok {
		cs.WideAccessList = false
	}
	cs.Tools = append(cs.Tools, values(p.confirm.tools)...)
	return cs
}

func rawRoles(ps []rolePattern) []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.raw
	}
	return out
}
