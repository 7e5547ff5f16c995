package atlassim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// oauthToken is an access token the token endpoint issued.
type oauthToken struct {
	who     *principal
	expires time.Time
}

func oauthErr(status int, code, desc string) reply {
	rep := reply{status: status, body: map[string]any{"error": code, "error_description": desc}, ctype: "application/json",
		header: http.Header{"Cache-Control": {"no-store"}}}
	if status == http.StatusUnauthorized {
		rep.header.Set("Www-Authenticate", `Basic realm="MongoDB Atlas"`)
	}
	return rep
}

// clientCredentials reads client_id:secret from HTTP Basic (what Atlas
// documents) or from the form (client_secret_post, which some OAuth libraries
// fall back to).
func clientCredentials(r *http.Request, form url.Values) (id, secret string, found bool) {
	if id, secret, found = r.BasicAuth(); found {
		return id, secret, true
	}
	if form.Get("client_id") != "" {
		return form.Get("client_id"), form.Get("client_secret"), true
	}
	return "", "", false
}

func (s *Sim) serviceAccountOK(id, secret string) bool {
	want, found := s.opts.ServiceAccounts[id]
	return found && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
}

// handleToken is POST /api/oauth/token: client credentials in, a JWT-shaped
// Bearer token valid for TokenTTL out. It draws from no rate-limit bucket.
func (s *Sim) handleToken(r *http.Request, body []byte) reply {
	if r.Method != http.MethodPost {
		return oauthErr(http.StatusMethodNotAllowed, "invalid_request", "use POST")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthErr(http.StatusBadRequest, "invalid_request", "the body is not application/x-www-form-urlencoded")
	}
	id, secret, found := clientCredentials(r, form)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !found || !s.serviceAccountOK(id, secret) {
		return oauthErr(http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		return oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials, got "+strconvQuote(gt))
	}
	now := s.now()
	tok := s.mintJWT(id, now)
	s.tokens[tok] = &oauthToken{who: &principal{kind: "serviceAccount", id: id}, expires: now.Add(s.opts.TokenTTL)}
	s.tokenCount++
	return reply{
		status: http.StatusOK,
		ctype:  "application/json",
		header: http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}},
		body: map[string]any{
			"access_token": tok,
			"token_type":   "Bearer",
			"expires_in":   int(s.opts.TokenTTL / time.Second),
		},
	}
}

// handleRevoke is POST /api/oauth/revoke (RFC 7009): same Basic auth, form
// token=...; 200 whether or not the token was known.
func (s *Sim) handleRevoke(r *http.Request, body []byte) reply {
	if r.Method != http.MethodPost {
		return oauthErr(http.StatusMethodNotAllowed, "invalid_request", "use POST")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthErr(http.StatusBadRequest, "invalid_request", "the body is not application/x-www-form-urlencoded")
	}
	id, secret, found := clientCredentials(r, form)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !found || !s.serviceAccountOK(id, secret) {
		return oauthErr(http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
	}
	delete(s.tokens, form.Get("token"))
	return reply{status: http.StatusOK, header: http.Header{"Cache-Control": {"no-store"}}}
}

// bearer finds the live token of an Authorization: Bearer header.
func (s *Sim) bearer(r *http.Request, now time.Time) (*principal, string) {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	t, found := s.tokens[tok]
	if !found {
		return nil, "The access token is invalid or has been revoked."
	}
	if !now.Before(t.expires) {
		delete(s.tokens, tok)
		return nil, "The access token has expired."
	}
	return t.who, ""
}

// ExpireTokens makes every OAuth access token issued so far invalid (401).
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// mintJWT builds a token shaped like Atlas's (a signed JWT); the simulator
// only ever looks it up, but clients that peek at exp see the truth.
func (s *Sim) mintJWT(clientID string, now time.Time) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT", "kid": "atlassim"})
	payload, _ := json.Marshal(map[string]any{
		"iss": "atlassim", "aud": "api://admin", "sub": clientID, "cid": clientID, "actorId": clientID,
		"iat": now.Unix(), "exp": now.Add(s.opts.TokenTTL).Unix(), "jti": newUUID(),
	})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.jwtKey)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
