package main

import (
	"os"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// The team deployment's policy in the README, with the console's client and
// approvers matched by group and subject, loads as written and maps people to
// the approvers it says.
func TestREADMETeamSSOPolicy(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "```yaml\n# policy.yaml\nidentity:\n")
	if i < 0 {
		t.Fatal("README has no team policy (```yaml block starting # policy.yaml, identity:)")
	}
	body := s[i+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	env := func(k string) (string, bool) {
		return map[string]string{"ATLAS_MCP_LEGACY_TOKEN": "legacy-token-0123456789", "ATLAS_MCP_APPROVER_DANA": "dana-approver-token-0123456789"}[k], strings.HasPrefix(k, "ATLAS_MCP_")
	}
	p, err := policy.Parse([]byte(body), "README.md", policy.Options{LookupEnv: env})
	if err != nil {
		t.Fatalf("the README's team policy does not load: %v\n%s", err, body)
	}
	c := p.OAuth().Console
	if c == nil || c.ClientID != "atlas-mcp-console" || c.ClientSecretEnv != "ATLAS_MCP_CONSOLE_CLIENT_SECRET" || c.Issuer != "https://idp.example.com" || c.RedirectURL != "https://atlas-mcp.example.com/approvals/sso/callback" {
		t.Fatalf("console client = %+v", c)
	}
	for claims, want := range map[*policy.Claims]string{
		{Issuer: "https://idp.example.com", Subject: "lee", Groups: []string{"sre-leads"}}: "sre-leads",
		{Issuer: "https://idp.example.com", Subject: "dana@example.com"}:                   "dana",
		{Issuer: "https://idp.example.com", Subject: "sam", Groups: []string{"sre"}}:       "",
	} {
		got := ""
		if a, _ := p.ApproverByClaims(*claims); a != nil {
			got = a.Name
		}
		if got != want {
			t.Errorf("%+v is approver %q, want %q", *claims, got, want)
		}
	}
}
