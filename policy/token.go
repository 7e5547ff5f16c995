package policy

import (
	"crypto/sha256"
	"crypto/subtle"
)

// AgentByToken returns the agent whose bearer token this is, or nil. The token is
// hashed and compared against every agent's hash in constant time, and the loop
// never stops early, so the time taken says nothing about which agent (if any)
// came close.
func (p *Policy) AgentByToken(token string) *Agent {
	if token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	var found *Agent
	for _, a := range p.agents {
		// Agents without a token are skipped: which agents have one is in the
		// policy file, not a secret.
		if a.tokenHash == nil {
			continue
		}
		if subtle.ConstantTimeCompare(sum[:], a.tokenHash) == 1 {
			found = a
		}
	}
	return found
}
