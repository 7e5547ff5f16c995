package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestAgentByToken(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	src := `
agents:
  alice:
    tokenSha256: ` + sum("alice-token") + `
  bob:
    tokenSha256: ` + sum("bob-token") + `
  carol:
    tokenEnv: CAROL
  local:
    default: true
`
	opts := testOpts()
	opts.LookupEnv = mapEnv(map[string]string{"CAROL": "carol-secret-token-1234"})
	p := mustParse(t, src, opts)
	tests := []struct {
		token string
		want  string // "" = nobody
	}{
		{"alice-token", "alice"},
		{"bob-token", "bob"},
		{"carol-secret-token-1234", "carol"},
		{"", ""},
		{"alice-token ", ""},
		{"Alice-token", ""},
		{"alice", ""},
		{sum("alice-token"), ""}, // the hash itself is not the token
		{"CAROL", ""},
	}
	for _, tt := range tests {
		got := p.AgentByToken(tt.token)
		name := ""
		if got != nil {
			name = got.Name
		}
		if name != tt.want {
			t.Errorf("AgentByToken(%q) = %q, want %q", tt.token, name, tt.want)
		}
	}
	if p.DefaultAgent().Name != "local" {
		t.Errorf("default = %s", p.DefaultAgent().Name)
	}
	if s := mustAgent(t, p, "carol").Summary(); s.Auth != "tokenEnv:CAROL" {
		t.Errorf("carol auth = %q", s.Auth)
	}
}

func TestSingleAgentIsDefault(t *testing.T) {
	p := mustParse(t, "agents:\n  solo: {}\n", testOpts())
	if p.DefaultAgent() == nil || p.DefaultAgent().Name != "solo" {
		t.Error("the only agent is not the default")
	}
	p = mustParse(t, "agents:\n  a: {}\n  b: {}\n", testOpts())
	if p.DefaultAgent() != nil {
		t.Error("two agents, none marked, yet a default")
	}
}
