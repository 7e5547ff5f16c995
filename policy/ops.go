package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// opsConfig holds the policy's operational settings: its identity (hash) and
// how fast each agent may call. They sit apart from the access rules because
// they say nothing about what an agent may do, only how often and under which
// version of the file.
type opsConfig struct {
	hash      string
	rate      *RateLimit           // top-level rateLimit: every agent without its own
	agentRate map[string]RateLimit // agents.NAME.rateLimit
}

// BuiltinHash is the Hash of the built-in default policy.
const BuiltinHash = "builtin"

// Hash identifies the policy a decision was made under: the hex SHA-256 of
// the file's bytes, as sha256sum prints it, so an operator can match an audit
// record to a file; BuiltinHash for the built-in default.
func (p *Policy) Hash() string {
	if p.ops.hash == "" {
		return BuiltinHash
	}
	return p.ops.hash
}

func contentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// RateLimit is how many tool calls an agent may make: PerMinute on average,
// with bursts of up to Burst at once.
type RateLimit struct {
	PerMinute int
	Burst     int
	// Rule is the policy path that set it ("rateLimit" or
	// "agents.NAME.rateLimit"); Line its line in the file.
	Rule string
	Line int
}

// RateLimit is the agent's call-rate limit: its own, else the policy's
// top-level one. ok is false when neither is set (no limit).
func (a *Agent) RateLimit() (RateLimit, bool) {
	if a == nil || a.p == nil {
		return RateLimit{}, false
	}
	if r, ok := a.p.ops.agentRate[a.Name]; ok {
		return r, true
	}
	if a.p.ops.rate != nil {
		return *a.p.ops.rate, true
	}
	return RateLimit{}, false
}

// rateLimit reads {perMinute: N, burst: M}. Burst defaults to perMinute/6
// (ten seconds' worth), at least 1.
func (d *decoder) rateLimit(k, v *yaml.Node, id string) *RateLimit {
	r := &RateLimit{Rule: id, Line: k.Line}
	positive := func(n *yaml.Node, what string) int {
		s, ok := d.scalar(n, what)
		if !ok {
			return 0
		}
		i, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || i <= 0 || i > 1_000_000 {
			d.fail(n, "%s must be a whole number from 1 to 1000000, not %q", what, s)
			return 0
		}
		return i
	}
	seen := false
	d.fields(v, "in "+id, []string{"perMinute", "burst"}, func(key string, _, val *yaml.Node) {
		switch key {
		case "perMinute":
			seen = true
			r.PerMinute = positive(val, id+".perMinute")
		case "burst":
			r.Burst = positive(val, id+".burst")
		}
	})
	if !seen {
		d.fail(k, "%s needs perMinute, e.g. rateLimit: {perMinute: 60, burst: 10}", id)
		return nil
	}
	if r.PerMinute == 0 {
		return nil // already reported
	}
	if r.Burst == 0 {
		r.Burst = max(1, r.PerMinute/6)
	}
	return r
}

func (o *opsConfig) setAgentRate(agent string, r *RateLimit) {
	if r == nil {
		return
	}
	if o.agentRate == nil {
		o.agentRate = map[string]RateLimit{}
	}
	o.agentRate[agent] = *r
}

// String describes the limit for messages.
func (r RateLimit) String() string {
	return fmt.Sprintf("%d calls per minute (bursts of %d)", r.PerMinute, r.Burst)
}
