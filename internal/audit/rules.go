package audit

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces every secret value.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest configured secret that is searched for: a
// shorter one would mask common substrings of harmless text (and a real
// credential is never that short).
const minSecretLen = 6

// isSecretName reports whether a JSON member name always holds a secret,
// whatever the type declares. Exact names are the well-known ones; suffixes
// catch the variants Atlas and cloud providers use (bindPassword,
// secretAccessKey, privateApiKey, sessionToken).
func isSecretName(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "password", "privatekey", "clientsecret", "apikey", "token",
		"accesstoken", "refreshtoken", "secret", "authorization",
		"passphrase", "serviceaccountkey", "cookie":
		return true
	}
	for _, suffix := range [...]string{"password", "passwd", "secret", "token", "privatekey", "secretkey", "secretaccesskey", "apikey"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// valueRules masks secrets inside string values: credentials in URLs and the
// configured secret values. It is immutable once built and safe for
// concurrent use.
type valueRules struct {
	rep *strings.Replacer // nil when no secret is configured
}

func newValueRules(secrets []string) *valueRules {
	seen := make(map[string]bool)
	var variants []string
	add := func(s string) {
		if len(s) >= minSecretLen && !seen[s] {
			seen[s] = true
			variants = append(variants, s)
		}
	}
	for _, s := range secrets {
		// A secret that is part of the mask itself would make redaction
		// grow on every pass instead of being idempotent.
		if len(s) < minSecretLen || strings.Contains(Redacted, s) {
			continue
		}
		add(s)
		// The same credential also travels escaped: in URLs (a password
		// inside a connection string) and in JSON-encoded log lines.
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		if b, err := json.Marshal(s); err == nil {
			add(string(b[1 : len(b)-1]))
		}
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		if enc.Encode(s) == nil {
			e := strings.TrimSuffix(sb.String(), "\n")
			add(e[1 : len(e)-1])
		}
	}
	if len(variants) == 0 {
		return &valueRules{}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(variants, func(i, j int) bool { return len(variants[i]) > len(variants[j]) })
	pairs := make([]string, 0, 2*len(variants))
	for _, v := range variants {
		pairs = append(pairs, v, Redacted)
	}
	return &valueRules{rep: strings.NewReplacer(pairs...)}
}

func (r *valueRules) scrub(s string) string {
	s = maskURLCredentials(s)
	if r.rep != nil {
		s = r.rep.Replace(s)
	}
	return s
}

// maskURLCredentials replaces the password of every scheme://user:password@
// in s (mongodb:// and mongodb+srv:// connection strings, but also http://
// and others, which leak the same way). The userinfo ends at the last '@'
// before the path, so an unescaped '@' inside a password is masked too.
func maskURLCredentials(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	rest, changed := s, false
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + 3
		auth := rest[start:]
		if end := strings.IndexAny(auth, "/?#\"'<> \t\r\n`"); end >= 0 {
			auth = auth[:end]
		}
		at := strings.LastIndexByte(auth, '@')
		colon := -1
		if at >= 0 {
			colon = strings.IndexByte(auth[:at], ':')
		}
		if colon < 0 {
			b.WriteString(rest[:start])
			rest = rest[start:]
			continue
		}
		b.WriteString(rest[:start+colon+1])
		b.WriteString(Redacted)
		rest = rest[start+at:]
		changed = true
	}
	if !changed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}
