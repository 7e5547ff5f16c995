package policy

import (
	"net/netip"
	"os"
	"time"
)

// Options are the run-time settings that come from outside the policy file.
type Options struct {
	// ReadOnly and DisableDestructive are the CLI flags (--read-only,
	// --disable-destructive); they add to the file's readOnly and
	// disableDestructive, never subtract.
	ReadOnly, DisableDestructive bool
	// LookupEnv resolves an agent's tokenEnv at load. Nil means os.LookupEnv;
	// tests pass a map so they never touch the process environment.
	LookupEnv func(string) (string, bool)
	// Now is the clock for maxLifetime checks. Nil means time.Now.
	Now func() time.Time
	// Tools is the server's catalogue. When given, Parse refuses tool names in
	// deny and confirm lists that match no tool and a confirm.skip that would
	// cover a destructive tool, and Decide refuses any tool not in it (or whose
	// area, access or destructiveness differ from it). Optional, but the server
	// should pass it: without it a misspelt deny rule silently matches nothing.
	Tools []ToolInfo
}

// Policy is a loaded policy: agents, grants, deny rules, argument constraints and
// confirmation rules. It is immutable after load and safe for concurrent use.
type Policy struct {
	source string

	flagReadOnly, flagNoDestroy bool
	fileReadOnly, fileNoDestroy rule // id set when the file says true

	agents []*Agent
	byName map[string]*Agent
	def    *Agent

	denies      []denyRule
	constraints *constraints // global; nil when the file has none
	confirm     confirmConfig
	approvals   approvalConfig // approvers and freezes (approvers.go)

	now       func() time.Time
	catalogue map[string]ToolInfo

	ops   opsConfig // hash and rate limits, see ops.go
	oauth *OAuth    // identity.oauth; nil when only static tokens are used
}

// Agent is one identity the server acts for: a local user over stdio, or a
// bearer token over HTTP.
type Agent struct {
	Name string

	p           *Policy
	line        int
	isDefault   bool
	tokenHash   []byte // SHA-256 of the bearer token; nil when the agent has none
	auth        string // how the token was given, for summaries; never the token
	description string
	grants      []grant
	denies      []denyRule
	constraints *constraints
	match       *matchRule // identity: which OAuth tokens are this agent
}

type grant struct {
	rule
	area        Area
	read, write bool
	projects    []string
	orgs        []string
}

func (g grant) gives(a Access) bool {
	return (a == Read && g.read) || (a == Write && g.write)
}

type denyRule struct {
	rule
	tool     string // a path.Match pattern over tool names
	projects []string
	orgs     []string
	agents   []string // top-level rules only; empty means every agent
	reason   string
}

// unconditional rules hide the tool from tools/list; scoped ones only refuse
// calls in their projects or orgs.
func (d denyRule) unconditional() bool { return len(d.projects) == 0 && len(d.orgs) == 0 }

// item is one entry of a list in the file, with its own line.
type item struct {
	rule
	value string
}

type cidrItem struct {
	rule
	prefix netip.Prefix
}

type constraints struct {
	rule     // "constraints" or "agents.NAME.constraints"
	net      netConstraints
	clusters clusterConstraints
	dbUsers  roleConstraints
	apiKeys  roleConstraints
}

type netConstraints struct {
	allowed         []cidrItem
	allowedRule     rule
	denied          []cidrItem
	maxLifetime     time.Duration
	maxLifetimeRule rule
	allowAnywhere   bool
	anywhereRule    rule
	// Confirmation thresholds for one call's union of new entries; a zero
	// rule id means the key is not set and the built-in default applies.
	confirmAddrs       uint64 // IPv4 addresses opened above which a person must confirm
	confirmAddrsRule   rule
	confirmPrefix6     int // IPv6: more addresses than one /N need confirmation
	confirmPrefix6Rule rule
	confirmEntries     int // more new entries than this in one call need confirmation
	confirmEntriesRule rule
}

func (n netConstraints) set() bool {
	return len(n.allowed) > 0 || len(n.denied) > 0 || n.maxLifetime > 0 || n.allowAnywhere ||
		n.confirmAddrsRule.id != "" || n.confirmPrefix6Rule.id != "" || n.confirmEntriesRule.id != ""
}

type clusterConstraints struct {
	maxSize        string
	maxTier        int
	maxSizeRule    rule
	providers      []string
	providersRule  rule
	regions        []string
	regionsRule    rule
	protected      []item
	protectUpdates bool
	maxNodes       int // 0: no limit
	maxNodesRule   rule
	maxDisk        float64 // GB; 0: no limit
	maxDiskRule    rule
}

func (c clusterConstraints) set() bool {
	return c.maxSize != "" || len(c.providers) > 0 || len(c.regions) > 0 || len(c.protected) > 0 ||
		c.maxNodes > 0 || c.maxDisk > 0
}

type roleConstraints struct {
	allowed     []rolePattern
	allowedRule rule
	denied      []rolePattern
}

func (r roleConstraints) set() bool { return len(r.allowed) > 0 || len(r.denied) > 0 }

// Confirmation modes for hosts that cannot ask the user (no MCP elicitation).
const (
	ConfirmRefuse = "refuse" // refuse the call and say why
	ConfirmToken  = "token"  // answer with a one-time token bound to the exact arguments
)

// DefaultAgentName is the agent of the policy used when no file is given.
const DefaultAgentName = "local"

const defaultTokenTTL = 5 * time.Minute

type confirmConfig struct {
	tools    []item // added to the built-in set
	skip     []item // removed from it (never a destructive tool)
	mode     string
	modeRule rule
	ttl      time.Duration
	approval approvalConfirm // approvalWait, approvalTTL, rules (approvers.go)
}

// Default is the policy used when no policy file is given: one agent "local",
// the default for stdio, that may read and write every area; every destructive
// tool, atlas-create-api-key and access-list calls whose new entries together
// open more than a /24 (IPv4) or a /64 (IPv6), or that create more than 20
// entries, need a human's yes; entries that together open the whole internet
// are refused.
//
// The agent has no bearer token, so HTTP mode needs a policy file that gives
// agents tokens: with Default, AgentByToken never finds anyone.
func Default(opts Options) *Policy {
	p := newPolicy("", opts)
	a := &Agent{Name: DefaultAgentName, p: p, isDefault: true}
	a.grants = []grant{{rule: rule{id: ruleDefaultGrant}, area: "*", read: true, write: true}}
	p.addAgent(a)
	p.def = a
	return p
}

func newPolicy(source string, opts Options) *Policy {
	p := &Policy{
		source:        source,
		flagReadOnly:  opts.ReadOnly,
		flagNoDestroy: opts.DisableDestructive,
		byName:        map[string]*Agent{},
		now:           opts.Now,
		confirm:       confirmConfig{mode: ConfirmRefuse, ttl: defaultTokenTTL},
	}
	if p.now == nil {
		p.now = time.Now
	}
	if opts.Tools != nil {
		p.catalogue = make(map[string]ToolInfo, len(opts.Tools))
		for _, t := range opts.Tools {
			p.catalogue[t.Name] = t
		}
	}
	return p
}

func (p *Policy) addAgent(a *Agent) {
	p.agents = append(p.agents, a)
	p.byName[a.Name] = a
}

func lookupEnv(opts Options) func(string) (string, bool) {
	if opts.LookupEnv != nil {
		return opts.LookupEnv
	}
	return os.LookupEnv
}

// Source is the file name the policy was parsed from ("" for Default).
func (p *Policy) Source() string { return p.source }

// DefaultAgent is the agent used over stdio; nil when the file names none (an
// HTTP-only policy with several agents).
func (p *Policy) DefaultAgent() *Agent { return p.def }

// Agent returns the agent with that name, or nil.
func (p *Policy) Agent(name string) *Agent { return p.byName[name] }

// Agents returns the agents in file order. The slice is a copy.
func (p *Policy) Agents() []*Agent { return append([]*Agent(nil), p.agents...) }

// WithoutElicitation says what to do with a call that needs confirmation when the
// host cannot ask the user: ConfirmRefuse, ConfirmToken or ConfirmApproval.
func (p *Policy) WithoutElicitation() string { return p.confirm.mode }

// TokenTTL is how long a confirmation token stays valid.
func (p *Policy) TokenTTL() time.Duration { return p.confirm.ttl }

// ReadOnly reports whether every write tool is removed (flag or file).
func (p *Policy) ReadOnly() bool { return p.flagReadOnly || p.fileReadOnly.id != "" }

// DisableDestructive reports whether every destructive tool is removed.
func (p *Policy) DisableDestructive() bool {
	return p.flagNoDestroy || p.fileNoDestroy.id != ""
}

// readOnlyRule and noDestroyRule name what switched the mode on; the flag wins
// because it is the operator's latest word.
func (p *Policy) readOnlyRule() rule {
	if p.flagReadOnly {
		return rule{id: ruleFlagReadOnly}
	}
	return p.fileReadOnly
}

func (p *Policy) noDestroyRule() rule {
	if p.flagNoDestroy {
		return rule{id: ruleFlagNoDestroy}
	}
	return p.fileNoDestroy
}

// IsDefault reports whether the agent is the stdio default.
func (a *Agent) IsDefault() bool { return a.isDefault }

// HasToken reports whether the agent can authenticate over HTTP.
func (a *Agent) HasToken() bool { return a.tokenHash != nil }
