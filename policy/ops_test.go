package policy

import (
	"strings"
	"testing"
)

func TestRateLimitAndHash(t *testing.T) {
	src := `version: 1
rateLimit: {perMinute: 120}
agents:
  a:
    default: true
    rateLimit: {perMinute: 6, burst: 2}
    grants: [{area: clusters, access: [read]}]
  b:
    grants: [{area: clusters, access: [read]}]
`
	p, err := Parse([]byte(src), "p.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := p.Agent("a").RateLimit(); !ok || r.PerMinute != 6 || r.Burst != 2 || r.Rule != "agents.a.rateLimit" || r.Line != 6 {
		t.Errorf("a: %+v %v", r, ok)
	}
	if r, ok := p.Agent("b").RateLimit(); !ok || r.PerMinute != 120 || r.Burst != 20 || r.Rule != "rateLimit" {
		t.Errorf("b (top-level default): %+v %v", r, ok)
	}
	// sha256sum of the file's bytes.
	if p.Hash() != contentHash([]byte(src)) || len(p.Hash()) != 64 {
		t.Errorf("hash %q", p.Hash())
	}
	if Default(Options{}).Hash() != BuiltinHash {
		t.Error("default policy hash")
	}
	if _, ok := Default(Options{}).DefaultAgent().RateLimit(); ok {
		t.Error("the default policy limits calls")
	}
	for _, bad := range []string{"{perMinute: 0}", "{perMinute: many}", "{burst: 3}", "{perMinute: 5, every: 1s}", "60"} {
		_, err := Parse([]byte(strings.Replace(src, "{perMinute: 120}", bad, 1)), "p.yaml", Options{})
		if err == nil || !strings.Contains(err.Error(), "rateLimit") {
			t.Errorf("rateLimit: %s loaded (%v)", bad, err)
		}
	}
}
