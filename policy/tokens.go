package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"gopkg.in/yaml.v3"
)

// tokenSha256 reads a tokenSha256 value: 64 hex digits, the SHA-256 of the
// credential. who names the holder in errors ("agent \"ci-bot\"").
func (d *decoder) tokenSha256(v *yaml.Node, what, who string) ([]byte, bool) {
	s, ok := d.scalar(v, what)
	if !ok {
		return nil, false
	}
	sum, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(sum) != sha256.Size {
		d.fail(v, "tokenSha256 of %s must be 64 hex digits, the SHA-256 of the token (e.g. the output of: printf %%s \"$TOKEN\" | sha256sum)", who)
		return nil, false
	}
	return sum, true
}

// tokenEnv reads a tokenEnv value, the name of a variable holding the
// credential, and returns the credential's SHA-256 (the token itself is
// never kept) and the variable's name.
func (d *decoder) tokenEnv(v *yaml.Node, what, who string, env func(string) (string, bool)) ([]byte, string, bool) {
	s, ok := d.scalar(v, what)
	if !ok {
		return nil, "", false
	}
	if !validEnvName(s) {
		d.fail(v, "tokenEnv of %s must be an environment variable name, not %q", who, s)
		return nil, "", false
	}
	tok, set := env(s)
	switch {
	case !set:
		d.fail(v, "environment variable %s (tokenEnv of %s) is not set", s, who)
	case len(tok) < minEnvTokenLen:
		d.fail(v, "environment variable %s (tokenEnv of %s) holds a token shorter than %d characters; use a long random token", s, who, minEnvTokenLen)
	default:
		sum := sha256.Sum256([]byte(tok))
		return sum[:], s, true
	}
	return nil, "", false
}

// namedEntries walks a map of named entries (agents, approvers): each name
// must be a plain, valid name, given once. defined returns the line of an
// earlier entry of that name (0: none); add takes the entry.
func (d *decoder) namedEntries(v *yaml.Node, what string, defined func(name string) int, add func(name string, k, val *yaml.Node)) {
	for i := 0; i+1 < len(v.Content); i += 2 {
		kn := d.deref(v.Content[i])
		if kn == nil {
			continue
		}
		if kn.Kind != yaml.ScalarNode {
			d.fail(kn, "an %s name must be a plain name, not %s", what, kindName(kn))
			continue
		}
		name := kn.Value
		if !validAgentName(name) {
			d.fail(kn, "%s name %q is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", what, name)
			continue
		}
		if line := defined(name); line != 0 {
			d.fail(kn, "%s %q is defined twice (first on line %d)", what, name, line)
			continue
		}
		add(name, kn, v.Content[i+1])
	}
}
