package atlassim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

const digestRealm = "MMS Public API"

// digestNonce is a nonce the simulator issued. seen holds the nc:cnonce pairs
// already used with it, so a captured Authorization header cannot be
// replayed, while concurrent requests of one client (different nc) still pass.
type digestNonce struct {
	issued time.Time
	seen   map[string]struct{}
}

// challenge issues a fresh nonce and returns the WWW-Authenticate value,
// byte for byte the shape Atlas sends.
func (s *Sim) challenge(now time.Time, stale bool) string {
	// Sweep expired nonces now and then, not on every challenge: clients like
	// curl take a fresh challenge per request.
	if now.Sub(s.nonceSwept) >= digestNonceTTL/10 || now.Before(s.nonceSwept) {
		for n, d := range s.nonces {
			if now.Sub(d.issued) > digestNonceTTL {
				delete(s.nonces, n)
			}
		}
		s.nonceSwept = now
	}
	nonce := base64.StdEncoding.EncodeToString(randomBytes(24))
	s.nonces[nonce] = &digestNonce{issued: now, seen: map[string]struct{}{}}
	st := "false"
	if stale {
		st = "true"
	}
	return `Digest realm="` + digestRealm + `", domain="", nonce="` + nonce + `", algorithm=MD5, qop="auth", stale=` + st
}

// verifyDigest checks an Authorization: Digest header (RFC 7616 with MD5,
// qop=auth; RFC 2069 without qop is accepted too). stale reports a correct
// answer to an expired nonce, so the client can retry without prompting.
func (s *Sim) verifyDigest(r *http.Request, now time.Time) (who *principal, stale bool) {
	_, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	p := parseDigestParams(raw)
	if p["realm"] != digestRealm || p["username"] == "" || p["response"] == "" {
		return nil, false
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return nil, false
	}
	uri := p["uri"]
	if uri != r.RequestURI && uri != r.URL.RequestURI() {
		return nil, false
	}
	n, known := s.nonces[p["nonce"]]
	if !known {
		return nil, false
	}
	priv, pr, found := s.apiKeyPrincipal(p["username"])
	if !found {
		return nil, false
	}
	ha1 := md5hex(p["username"] + ":" + digestRealm + ":" + priv)
	ha2 := md5hex(r.Method + ":" + uri)
	var want string
	switch p["qop"] {
	case "auth":
		if p["nc"] == "" || p["cnonce"] == "" {
			return nil, false
		}
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	case "":
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + ha2)
	default:
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(p["response"]))) != 1 {
		return nil, false
	}
	if now.Sub(n.issued) > digestNonceTTL {
		delete(s.nonces, p["nonce"])
		return nil, true
	}
	use := p["nc"] + ":" + p["cnonce"]
	if _, replay := n.seen[use]; replay {
		return nil, false
	}
	n.seen[use] = struct{}{}
	return pr, false
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parseDigestParams reads k=v, k="v" pairs separated by commas; quoted values
// may hold commas and backslash escapes.
func parseDigestParams(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return out
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i < len(s) {
				i++
			}
			s = s[i:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val.WriteString(strings.TrimSpace(s[:end]))
			s = s[end:]
		}
		out[key] = val.String()
	}
}
