package tools

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/gowebpki/jcs"
)

// redactedValue replaces every secret in what people and the log see.
const redactedValue = "[REDACTED]"

// redactBody is a body as people and the audit log may see it: at any depth,
// the value of every member named in secretFields or holding a well-known
// kind of secret (isSecretMember) is replaced by "[REDACTED]", and every URL
// inside a string loses its userinfo, query values and fragment. Names are
// compared without regard to case, so no spelling of a member keeps its
// value in the clear. The result is canonical JSON (RFC 8785), like the body
// it stands for; a body that is not JSON is replaced whole.
//
// An empty or null secret is kept: "none was given" is worth recording.
func redactBody(body json.RawMessage, secretFields []string) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return json.RawMessage(`"` + redactedValue + `"`)
	}
	names := make(map[string]bool, len(secretFields))
	for _, f := range secretFields {
		names[strings.ToLower(f)] = true
	}
	v = redactValue(v, names, 0, func(any) any { return redactedValue }, true)
	raw, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`"` + redactedValue + `"`)
	}
	c, err := jcs.Transform(raw)
	if err != nil {
		return json.RawMessage(`"` + redactedValue + `"`)
	}
	return c
}

// redactValue replaces every secret member's value with mask(value) and,
// when urls is set, masks the credentials of every URL in a string.
func redactValue(v any, names map[string]bool, depth int, mask func(any) any, urls bool) any {
	if depth > maxArgumentDepth*2 {
		return redactedValue
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if (names[strings.ToLower(k)] || isSecretMember(k)) && e != nil && e != "" {
				out[k] = mask(e)
				continue
			}
			out[k] = redactValue(e, names, depth+1, mask, urls)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e, names, depth+1, mask, urls)
		}
		return out
	case string:
		if urls {
			return maskURLs(x)
		}
	}
	return v
}

// commitSecrets is a body as the plan's hash sees it: every secret member's
// value replaced by its HMAC-SHA256 under key. The hash still changes when a
// secret does (a yes for one password never sends another), but a recorded
// hash is no oracle for guessing a weak password: without the key nobody
// can test a guess against it.
func commitSecrets(body json.RawMessage, secretFields []string, key []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(secretFields))
	for _, f := range secretFields {
		names[strings.ToLower(f)] = true
	}
	v = redactValue(v, names, 0, func(secret any) any {
		raw, _ := json.Marshal(secret)
		m := hmac.New(sha256.New, key)
		m.Write(raw)
		return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
	}, false)
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(raw)
}

// isSecretMember reports member names that always hold a credential,
// whatever the operation: the well-known names and the suffixes Atlas's
// notification and integration bodies use (apiToken, serviceKey,
// webhookSecret, datadogApiKey, victorOpsRoutingKey,
// microsoftTeamsWebhookUrl, notificationToken, …). A webhook URL is a
// credential: whoever holds it can post as the integration.
func isSecretMember(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "password", "privatekey", "clientsecret", "secret", "token", "apikey",
		"authorization", "passphrase", "credentials", "cookie", "serviceaccountkey":
		return true
	}
	for _, s := range [...]string{"password", "passwd", "token", "secret", "apikey", "privatekey", "secretkey", "secretaccesskey", "servicekey", "routingkey", "webhookurl", "licensekey"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// urlInText finds URLs inside a string: a scheme, "://", and everything up to
// the first space or quote.
var urlInText = lazyRegexp("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]*")

// maskURLs masks, in every URL in s, the userinfo (user:password@ or a bare
// token@), every query value (?token=…, ?sig=…) and the fragment: the places
// URLs carry credentials. Scheme, host, path and query names stay, so a
// person still sees where a notification goes. It is idempotent.
func maskURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText().ReplaceAllStringFunc(s, maskURL)
}

func maskURL(u string) string {
	i := strings.Index(u, "://")
	scheme, rest := u[:i+3], u[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = redactedValue + authority[at:]
	}
	var frag string
	if h := strings.IndexByte(tail, '#'); h >= 0 {
		frag = "#"
		if tail[h+1:] != "" {
			frag += redactedValue
		}
		tail = tail[:h]
	}
	if q := strings.IndexByte(tail, '?'); q >= 0 {
		path, query := tail[:q], tail[q+1:]
		parts := strings.Split(query, "&")
		for j, p := range parts {
			if k, v, ok := strings.Cut(p, "="); ok && v != "" {
				parts[j] = k + "=" + redactedValue
			} else if !ok && p != "" && looksLikeToken(p) {
				parts[j] = redactedValue
			}
		}
		tail = path + "?" + strings.Join(parts, "&")
	}
	return scheme + authority + tail + frag
}

// looksLikeToken is a bare query word long enough to be a key (?abcdef0123…).
func looksLikeToken(p string) bool { return len(p) >= 16 && p != redactedValue }

// RedactJSON masks every well-known kind of secret in a JSON document, at any
// depth, as plans are masked: the server applies it to whatever else it shows
// or records of a call (its arguments), so an escape-hatch body that carries a
// notification key is masked there too.
func RedactJSON(raw []byte) []byte { return redactBody(raw, nil) }
