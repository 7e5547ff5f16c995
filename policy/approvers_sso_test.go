package policy

import (
	"strings"
	"testing"
)

const ssoPolicy = `
identity:
  oauth:
    resource: http://127.0.0.1:8080/mcp
    issuers:
      - issuer: https://idp.example.com
        groupsClaim: roles
    console:
      clientId: atlas-mcp-console
      redirectURL: https://atlas-mcp.example.com/approvals/sso/callback
      scopes: [profile, groups]
agents:
  bot:
    tokenSha256: ` + "%BOT%" + `
    grants: [{area: '*', access: [read, write]}]
approvers:
  dana:
    match: { subject: "248289761001" }
    tokenSha256: ` + "%DANA%" + `
  sre-leads:
    match: { group: sre-leads }
    areas: [clusters]
`

func ssoSrc() string {
	return strings.NewReplacer("%BOT%", sha("bot-token-0123456789"), "%DANA%", sha("dana-token-0123456789")).Replace(ssoPolicy)
}

func TestApproversByClaims(t *testing.T) {
	p := mustParse(t, ssoSrc(), testOpts())
	c := p.OAuth().Console
	if c == nil || c.Issuer != "https://idp.example.com" || c.ClientID != "atlas-mcp-console" || c.ClientSecretEnv != DefaultConsoleSecretEnv || c.GroupsClaim != "roles" || strings.Join(c.Scopes, " ") != "profile groups" {
		t.Fatalf("console client = %+v", c)
	}
	if !p.UsesApproverSignIn() {
		t.Fatal("no sign-in")
	}
	tests := []struct {
		name   string
		claims Claims
		want   string
		rule   string
	}{
		{"by subject", Claims{Issuer: "https://idp.example.com", Subject: "248289761001", Groups: []string{"sre-leads"}}, "dana", "approvers.dana.match"},
		{"by group", Claims{Issuer: "https://idp.example.com", Subject: "u2", Groups: []string{"dev", "sre-leads"}}, "sre-leads", "approvers.sre-leads.match"},
		{"in no approver group", Claims{Issuer: "https://idp.example.com", Subject: "u3", Groups: []string{"dev"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, m := p.ApproverByClaims(tt.claims)
			got := ""
			if a != nil {
				got = a.Name
			}
			if got != tt.want || m.Rule != tt.rule {
				t.Fatalf("approver %q rule %q, want %q %q", got, m.Rule, tt.want, tt.rule)
			}
		})
	}
	dana, _ := p.ApproverByClaims(tests[0].claims)
	if p.ApproverByToken("dana-token-0123456789") != dana || dana.TokenRule() != "approvers.dana.tokenSha256" || !dana.OnePerson() {
		t.Fatal("dana has a token and a subject match")
	}
	leads, _ := p.ApproverByClaims(tests[1].claims)
	if leads.TokenRule() != "" || leads.OnePerson() || !leads.MayApprove(AreaClusters, "", "atlas-delete-cluster") || leads.MayApprove(AreaProjects, "", "atlas-delete-project") {
		t.Fatal("sre-leads: a group, clusters only, no token")
	}
}

func TestApproversSSOParseErrors(t *testing.T) {
	base := "agents:\n  bot:\n    tokenSha256: " + sha("bot-token-0123456789") + "\n    grants: [{area: '*', access: [read]}]\n"
	oauth := "identity:\n  oauth:\n    resource: http://127.0.0.1:8080/mcp\n    issuers: [{issuer: https://idp.example.com}]\n"
	console := "    console: {clientId: c, redirectURL: https://x.example.com/approvals/sso/callback}\n"
	tests := []struct{ name, src, want string }{
		{"match without identity.oauth", base + "approvers:\n  leads:\n    match: {group: sre}\n", "has no identity.oauth section"},
		{"match without a console client", oauth + base + "approvers:\n  leads:\n    match: {group: sre}\n", "identity.oauth has no console"},
		{"clientId match", oauth + console + base + "approvers:\n  leads:\n    match: {clientId: x}\n", "approvers are people"},
		{"empty match", oauth + console + base + "approvers:\n  leads:\n    match: {issuer: https://idp.example.com}\n", "must name a clientId, subject or group"},
		{"other issuer", oauth + console + base + "approvers:\n  leads:\n    match: {group: sre, issuer: https://other.example.com}\n", "not the console's issuer"},
		{"untrusted console issuer", oauth + "    console: {issuer: https://other.example.com, clientId: c, redirectURL: https://x.example.com/approvals/sso/callback}\n" + base, "identity.oauth.console.issuer \"https://other.example.com\" is not in identity.oauth.issuers"},
		{"console without clientId", oauth + "    console: {redirectURL: https://x.example.com/approvals/sso/callback}\n" + base, "needs clientId"},
		{"wrong callback", oauth + "    console: {clientId: c, redirectURL: https://x.example.com/approvals/callback}\n" + base, "ending in /sso/callback"},
		{"both secrets", oauth + "    console: {clientId: c, clientSecret: s, clientSecretEnv: S, redirectURL: https://x.example.com/approvals/sso/callback}\n" + base, "both clientSecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "test.yaml", testOpts())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
