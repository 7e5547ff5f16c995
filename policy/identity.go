package policy

import (
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultGroupsClaim is the claim an issuer's group memberships are read from
// when its entry names none.
const DefaultGroupsClaim = "groups"

// OAuth is the policy's identity.oauth section: this server as an OAuth 2.1
// resource server. The policy holds it (not flags alone) because which issuers
// are trusted and which claims make which agent are one decision, reviewed
// together.
type OAuth struct {
	// Resource is this server's URL as hosts reach it (…/mcp): the audience an
	// access token must carry (RFC 8707) and the resource of the metadata.
	Resource string
	Issuers  []Issuer
	// ReadScope and WriteScope, when set, are the scopes a token needs for read
	// and write tools; "" means the policy does not map scopes to access.
	ReadScope, WriteScope string
	// Console is the approval console's own OAuth client, for approvers who
	// sign in with the identity provider; nil when none is configured.
	Console *ConsoleClient
	// Line is where identity.oauth starts in the file.
	Line int
}

// DefaultConsoleSecretEnv is where the console's client secret is read from
// when identity.oauth.console names neither clientSecret nor clientSecretEnv.
const DefaultConsoleSecretEnv = "ATLAS_MCP_CONSOLE_CLIENT_SECRET"

// ConsoleClient is identity.oauth.console: the client the approval console
// signs people in with (OpenID Connect authorization code + PKCE). It is not
// the agents' resource: the ID tokens it receives are for the console alone.
type ConsoleClient struct {
	// Issuer is one of identity.oauth.issuers; default the first.
	Issuer   string
	ClientID string
	// ClientSecret is given in the file (discouraged) or, by name,
	// ClientSecretEnv (default ATLAS_MCP_CONSOLE_CLIENT_SECRET); the caller
	// resolves the variable, so a policy loads without it.
	ClientSecret    string
	ClientSecretEnv string
	// RedirectURL is the console's callback as registered at the issuer:
	// {console URL}/sso/callback, e.g.
	// https://atlas-mcp.example.com/approvals/sso/callback.
	RedirectURL string
	// GroupsClaim is the issuer's groups claim (its entry's groupsClaim).
	GroupsClaim string
	// Scopes asked for besides openid; empty means profile and email.
	Scopes []string
	Line   int
}

// Issuer is one trusted authorization server.
type Issuer struct {
	// Issuer is the exact iss of its tokens; its metadata is discovered at
	// {Issuer}/.well-known/openid-configuration or RFC 8414's
	// oauth-authorization-server.
	Issuer string
	// Audience overrides the audience tokens of this issuer must carry; "" means
	// OAuth.Resource.
	Audience string
	// RequiredScopes must all be in a token's scope claim.
	RequiredScopes []string
	// GroupsClaim names the claim holding group memberships.
	GroupsClaim string
	Line        int
}

// Claims are the facts of a verified access token that the policy maps to an
// agent. The identity package fills them; the policy never sees a token.
type Claims struct {
	Issuer   string
	Subject  string
	ClientID string // azp or client_id
	Groups   []string
}

type matchRule struct {
	rule
	issuer, subject, clientID, group string
}

func (m *matchRule) matches(c Claims) bool {
	if m == nil {
		return false
	}
	return (m.issuer == "" || m.issuer == c.Issuer) &&
		(m.subject == "" || m.subject == c.Subject) &&
		(m.clientID == "" || m.clientID == c.ClientID) &&
		(m.group == "" || containsString(c.Groups, m.group))
}

func (m *matchRule) describe() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+": "+v)
		}
	}
	add("issuer", m.issuer)
	add("clientId", m.clientID)
	add("subject", m.subject)
	add("group", m.group)
	return "{" + strings.Join(parts, ", ") + "}"
}

// OAuth returns the identity.oauth section, or nil when the policy configures
// no OAuth (static tokens only).
func (p *Policy) OAuth() *OAuth {
	if p.oauth == nil {
		return nil
	}
	o := *p.oauth
	o.Issuers = append([]Issuer(nil), p.oauth.Issuers...)
	return &o
}

// ScopeFor is the scope a token must hold for a tool of this access, "" when
// the policy maps none.
func (o *OAuth) ScopeFor(a Access) string {
	if o == nil {
		return ""
	}
	if a == Write {
		return o.WriteScope
	}
	return o.ReadScope
}

// AgentByClaims maps a verified token's claims to an agent: the first agent in
// file order whose match: holds. It returns the agent and the rule that matched
// ("agents.ci-bot.match"), so decisions and audit records can name it.
func (p *Policy) AgentByClaims(c Claims) (*Agent, Match) {
	for _, a := range p.agents {
		if a.match.matches(c) {
			return a, Match{Rule: a.match.id, Line: a.match.line, At: a.match.at(p.source), Describe: a.match.describe()}
		}
	}
	return nil, Match{}
}

// Match names the match: rule that mapped claims to an agent.
type Match struct {
	Rule     string // "agents.NAME.match"
	Line     int
	At       string // "policy.yaml:12"
	Describe string // "{clientId: ci-bot}"
}

// HasMatch reports whether the agent can be reached with an OAuth token.
func (a *Agent) HasMatch() bool { return a.match != nil }

func (d *decoder) identity(n *yaml.Node, p *Policy) {
	d.fields(n, "in identity", []string{"oauth"}, func(key string, k, v *yaml.Node) {
		p.oauth = d.oauth(k, v)
	})
}

func (d *decoder) oauth(k, n *yaml.Node) *OAuth {
	o := &OAuth{Line: k.Line}
	var resNode *yaml.Node
	d.fields(n, "in identity.oauth", []string{"resource", "issuers", "scopes", "console"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "console":
			o.Console = d.consoleClient(k, v)
		case "resource":
			resNode = k
			s, ok := d.scalar(v, "identity.oauth.resource")
			if !ok {
				return
			}
			if msg := checkURL(s, true); msg != "" {
				d.fail(v, "identity.oauth.resource: %s", msg)
				return
			}
			o.Resource = s
		case "issuers":
			for i, in := range d.seq(v, "identity.oauth.issuers") {
				o.Issuers = append(o.Issuers, d.issuer(in, fmt.Sprintf("identity.oauth.issuers[%d]", i)))
			}
		case "scopes":
			d.fields(v, "in identity.oauth.scopes", []string{"read", "write"}, func(key string, k, v *yaml.Node) {
				s, _ := d.scalar(v, "identity.oauth.scopes."+key)
				s = strings.TrimSpace(s)
				if strings.ContainsAny(s, " \t") {
					d.fail(v, "identity.oauth.scopes.%s must be one scope, not %q", key, s)
					return
				}
				if key == "read" {
					o.ReadScope = s
				} else {
					o.WriteScope = s
				}
			})
		}
	})
	if resNode == nil {
		d.fail(k, "identity.oauth needs resource: this server's URL as hosts reach it (e.g. https://atlas-mcp.example.com/mcp); tokens must be issued for it")
	}
	if len(o.Issuers) == 0 {
		d.fail(k, "identity.oauth needs at least one entry in issuers: (e.g. - issuer: https://idp.example.com)")
	}
	return o
}

func (d *decoder) consoleClient(k, n *yaml.Node) *ConsoleClient {
	const id = "identity.oauth.console"
	c := &ConsoleClient{Line: k.Line}
	var secretNode, envNode *yaml.Node
	d.fields(n, "in "+id, []string{"issuer", "clientId", "clientSecret", "clientSecretEnv", "redirectURL", "scopes"}, func(key string, k, v *yaml.Node) {
		if key == "scopes" {
			c.Scopes = values(d.items(v, id+".scopes"))
			return
		}
		s, ok := d.scalar(v, id+"."+key)
		if !ok {
			return
		}
		s = strings.TrimSpace(s)
		switch key {
		case "issuer":
			c.Issuer = s
		case "clientId":
			c.ClientID = s
		case "clientSecret":
			secretNode, c.ClientSecret = k, s
		case "clientSecretEnv":
			envNode = k
			if !validEnvName(s) {
				d.fail(v, "%s.clientSecretEnv must be an environment variable name, not %q", id, s)
				return
			}
			c.ClientSecretEnv = s
		case "redirectURL":
			if msg := checkURL(s, true); msg != "" {
				d.fail(v, "%s.redirectURL: %s", id, msg)
				return
			}
			if !strings.HasSuffix(s, "/sso/callback") {
				d.fail(v, "%s.redirectURL must be the console's callback, ending in /sso/callback (e.g. https://atlas-mcp.example.com/approvals/sso/callback), not %q", id, s)
				return
			}
			c.RedirectURL = s
		}
	})
	if secretNode != nil && envNode != nil {
		d.fail(envNode, "%s has both clientSecret (line %d) and clientSecretEnv; give one", id, secretNode.Line)
	}
	if c.ClientSecret == "" && c.ClientSecretEnv == "" {
		c.ClientSecretEnv = DefaultConsoleSecretEnv
	}
	if c.ClientID == "" {
		d.fail(k, "%s needs clientId: the console's client at the identity provider", id)
	}
	if c.RedirectURL == "" {
		d.fail(k, "%s needs redirectURL: the console's callback as registered at the identity provider, e.g. https://atlas-mcp.example.com/approvals/sso/callback", id)
	}
	return c
}

func (d *decoder) issuer(n *yaml.Node, id string) Issuer {
	is := Issuer{Line: n.Line, GroupsClaim: DefaultGroupsClaim}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping such as {issuer: https://idp.example.com}, not %s", id, kindName(n))
		return is
	}
	d.fields(n, "in "+id, []string{"issuer", "audience", "requiredScopes", "groupsClaim"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "issuer":
			s, ok := d.scalar(v, id+".issuer")
			if !ok {
				return
			}
			if msg := checkURL(s, false); msg != "" {
				d.fail(v, "%s.issuer: %s", id, msg)
				return
			}
			is.Issuer = s
		case "audience":
			is.Audience, _ = d.scalar(v, id+".audience")
		case "requiredScopes":
			is.RequiredScopes = values(d.items(v, id+".requiredScopes"))
		case "groupsClaim":
			s, _ := d.scalar(v, id+".groupsClaim")
			if s = strings.TrimSpace(s); s != "" {
				is.GroupsClaim = s
			}
		}
	})
	if is.Issuer == "" {
		d.fail(n, "%s has no issuer; add issuer: https://idp.example.com", id)
	}
	return is
}

// checkURL accepts https URLs, and http only on loopback (a local provider or a
// test): a token checked against keys fetched over plain HTTP from afar proves
// nothing.
func checkURL(s string, resource bool) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("%q is not an absolute URL without query or fragment", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" && !resource {
			return fmt.Sprintf("%q uses http; an issuer must be https (http only on loopback)", s)
		}
	default:
		return fmt.Sprintf("%q is not an http(s) URL", s)
	}
	return ""
}

func (d *decoder) agentMatch(n *yaml.Node, a *Agent, line int) *matchRule {
	if a.auth == "" {
		a.auth = "match" // for summaries; a token key read later takes precedence
	}
	return d.match(n, "agents."+a.Name+".match", line)
}

// match reads a match: mapping ({clientId|subject|group|issuer: …}); id names
// it in errors and decisions. Approvers signing in with OpenID Connect can be
// named the same way (their ID token's claims as Claims).
func (d *decoder) match(n *yaml.Node, id string, line int) *matchRule {
	m := &matchRule{rule: rule{id: id, line: line}}
	d.fields(n, "in "+id, []string{"clientId", "subject", "group", "issuer"}, func(key string, k, v *yaml.Node) {
		s, _ := d.scalar(v, id+"."+key)
		s = strings.TrimSpace(s)
		if s == "" {
			d.fail(v, "%s.%s is empty", id, key)
			return
		}
		switch key {
		case "clientId":
			m.clientID = s
		case "subject":
			m.subject = s
		case "group":
			m.group = s
		case "issuer":
			m.issuer = s
		}
	})
	if m.clientID == "" && m.subject == "" && m.group == "" {
		d.failAt(line, "%s must name a clientId, subject or group; a match on nothing would take every token", id)
	}
	return m
}

// checkIdentity runs after the whole file is read: a match needs OAuth, and a
// match pinned to an issuer must name a trusted one.
func (d *decoder) checkIdentity(p *Policy) {
	trusted := func(iss string) bool {
		for _, is := range p.oauth.Issuers {
			if is.Issuer == iss {
				return true
			}
		}
		return false
	}
	if p.oauth != nil && p.oauth.Console != nil {
		c := p.oauth.Console
		switch {
		case c.Issuer == "" && len(p.oauth.Issuers) > 0:
			c.Issuer = p.oauth.Issuers[0].Issuer
		case c.Issuer != "" && !trusted(c.Issuer):
			d.failAt(c.Line, "identity.oauth.console.issuer %q is not in identity.oauth.issuers", c.Issuer)
		}
		for _, is := range p.oauth.Issuers {
			if is.Issuer == c.Issuer {
				c.GroupsClaim = is.GroupsClaim
			}
		}
	}
	for _, a := range p.approvals.approvers {
		if a.match == nil {
			continue
		}
		switch {
		case p.oauth == nil:
			d.failAt(a.match.line, "%s signs people in with an identity provider, but the policy has no identity.oauth section naming the trusted issuers (and identity.oauth.console, the console's client)", a.match.id)
		case p.oauth.Console == nil:
			d.failAt(a.match.line, "%s signs people in with an identity provider, but identity.oauth has no console: {clientId, clientSecretEnv, redirectURL}, the approval console's client", a.match.id)
		case a.match.issuer != "" && a.match.issuer != p.oauth.Console.Issuer:
			d.failAt(a.match.line, "%s.issuer %q is not the console's issuer (identity.oauth.console.issuer %q); nobody could sign in as this approver", a.match.id, a.match.issuer, p.oauth.Console.Issuer)
		}
	}
	for _, a := range p.agents {
		if a.match == nil {
			continue
		}
		if p.oauth == nil {
			d.failAt(a.match.line, "%s maps OAuth tokens, but the policy has no identity.oauth section naming the trusted issuers", a.match.id)
			continue
		}
		if a.match.issuer != "" {
			known := false
			for _, is := range p.oauth.Issuers {
				known = known || is.Issuer == a.match.issuer
			}
			if !known {
				d.failAt(a.match.line, "%s.issuer %q is not in identity.oauth.issuers", a.match.id, a.match.issuer)
			}
		}
	}
}
