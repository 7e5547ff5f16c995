package policy

import (
	"strings"
	"testing"
)

const identityPolicy = `
identity:
  oauth:
    resource: https://atlas-mcp.example.com/mcp
    issuers:
      - issuer: https://idp.example.com
        requiredScopes: [atlas]
        groupsClaim: roles
    scopes: {read: atlas.read, write: atlas.write}
agents:
  ci-bot:
    match: { clientId: ci-bot }
    grants: [{area: clusters, access: [read, write]}]
  alice:
    match: { subject: alice@example.com }
    grants: [{area: clusters, access: [read]}]
  sre:
    match: { group: sre }
    grants: [{area: "*", access: [read]}]
  static:
    tokenSha256: e9fa88e684f9766d1fb5bac8b0eb7c12bd2c5cc0be29c2500c15d005c30a8fed
    grants: [{area: projects, access: [read]}]
`

func TestIdentityParse(t *testing.T) {
	p, err := Parse([]byte(identityPolicy), "policy.yaml", testOpts())
	if err != nil {
		t.Fatal(err)
	}
	o := p.OAuth()
	if o == nil || o.Resource != "https://atlas-mcp.example.com/mcp" || len(o.Issuers) != 1 {
		t.Fatalf("OAuth = %+v", o)
	}
	is := o.Issuers[0]
	if is.Issuer != "https://idp.example.com" || is.GroupsClaim != "roles" || len(is.RequiredScopes) != 1 || is.RequiredScopes[0] != "atlas" {
		t.Errorf("issuer = %+v", is)
	}
	if o.ScopeFor(Write) != "atlas.write" || o.ScopeFor(Read) != "atlas.read" {
		t.Errorf("scopes = %q %q", o.ScopeFor(Read), o.ScopeFor(Write))
	}
	if !p.Agent("static").HasToken() || p.Agent("static").HasMatch() || !p.Agent("ci-bot").HasMatch() {
		t.Error("token/match flags wrong")
	}
}

func TestAgentByClaims(t *testing.T) {
	p, err := Parse([]byte(identityPolicy), "policy.yaml", testOpts())
	if err != nil {
		t.Fatal(err)
	}
	iss := "https://idp.example.com"
	for _, tc := range []struct {
		name   string
		claims Claims
		agent  string
		rule   string
	}{
		{"client id", Claims{Issuer: iss, Subject: "svc-1", ClientID: "ci-bot"}, "ci-bot", "agents.ci-bot.match"},
		{"subject", Claims{Issuer: iss, Subject: "alice@example.com", ClientID: "vscode"}, "alice", "agents.alice.match"},
		// alice is also in sre, but her own rule comes first in the file.
		{"first match wins", Claims{Issuer: iss, Subject: "alice@example.com", Groups: []string{"sre"}}, "alice", "agents.alice.match"},
		{"group", Claims{Issuer: iss, Subject: "bob", Groups: []string{"dev", "sre"}}, "sre", "agents.sre.match"},
		{"nobody", Claims{Issuer: iss, Subject: "mallory", ClientID: "other"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, m := p.AgentByClaims(tc.claims)
			if got := agentNameOf(a); got != tc.agent || m.Rule != tc.rule {
				t.Fatalf("got %q by %q, want %q by %q", got, m.Rule, tc.agent, tc.rule)
			}
			if a != nil && !strings.HasPrefix(m.At, "policy.yaml:") {
				t.Errorf("At = %q", m.At)
			}
		})
	}
}

func agentNameOf(a *Agent) string {
	if a == nil {
		return ""
	}
	return a.Name
}

func TestIdentityParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"match without oauth", "agents:\n  a:\n    match: {clientId: x}\n", "no identity.oauth section"},
		{"empty match", "identity:\n  oauth:\n    resource: https://x.example/mcp\n    issuers: [{issuer: https://idp.example}]\nagents:\n  a:\n    match: {}\n", "must name a clientId, subject or group"},
		{"unknown match key", "identity:\n  oauth:\n    resource: https://x.example/mcp\n    issuers: [{issuer: https://idp.example}]\nagents:\n  a:\n    match: {clientID: x}\n", `did you mean "clientId"`},
		{"no resource", "identity:\n  oauth:\n    issuers: [{issuer: https://idp.example}]\nagents:\n  a: {}\n", "needs resource"},
		{"no issuers", "identity:\n  oauth:\n    resource: https://x.example/mcp\nagents:\n  a: {}\n", "at least one entry in issuers"},
		{"http issuer far away", "identity:\n  oauth:\n    resource: https://x.example/mcp\n    issuers: [{issuer: http://idp.example}]\nagents:\n  a: {}\n", "must be https"},
		{"unknown pinned issuer", "identity:\n  oauth:\n    resource: https://x.example/mcp\n    issuers: [{issuer: https://idp.example}]\nagents:\n  a:\n    match: {clientId: x, issuer: https://other.example}\n", "not in identity.oauth.issuers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "p.yaml", testOpts())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoopbackIssuerAllowed(t *testing.T) {
	y := "identity:\n  oauth:\n    resource: http://127.0.0.1:8080/mcp\n    issuers: [{issuer: http://127.0.0.1:9000}]\nagents:\n  a:\n    match: {subject: s}\n"
	if _, err := Parse([]byte(y), "p.yaml", testOpts()); err != nil {
		t.Fatal(err)
	}
}

func TestTeamOAuthExampleLoads(t *testing.T) {
	opts := testOpts()
	opts.LookupEnv = mapEnv(map[string]string{"ATLAS_MCP_LEGACY_TOKEN": "legacy-token-0123456789", "ATLAS_MCP_APPROVER_DANA": "dana-approver-token-0123456789"})
	p, err := Load(examplePath("team-oauth.yaml"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if a, m := p.AgentByClaims(Claims{Issuer: "https://idp.example.com", Subject: "bob", Groups: []string{"sre"}}); agentNameOf(a) != "sre" || m.Rule != "agents.sre.match" {
		t.Fatalf("sre member -> %q by %q", agentNameOf(a), m.Rule)
	}
	if p.AgentByToken("legacy-token-0123456789") != p.Agent("legacy-bot") {
		t.Fatal("static token beside OAuth")
	}
	if a, m := p.ApproverByClaims(Claims{Issuer: "https://idp.example.com", Subject: "lee", Groups: []string{"sre-leads"}}); a == nil || a.Name != "sre-leads" || m.Rule != "approvers.sre-leads.match" {
		t.Fatalf("sre lead -> %v by %q", a, m.Rule)
	}
	if c := p.OAuth().Console; c == nil || c.ClientID != "atlas-mcp-console" || c.Issuer != "https://idp.example.com" {
		t.Fatalf("console client %+v", c)
	}
}
