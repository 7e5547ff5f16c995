// Package identity says who is calling atlas-mcp over HTTP: an agent's static
// bearer token from the policy, or an OAuth 2.1 access token (a JWT from a
// trusted issuer, for this server's resource) whose claims the policy maps to an
// agent. It serves the RFC 9728 protected-resource metadata hosts use to find
// the issuer, and the OpenID Connect login approvers use to sign in to the
// approval console.
//
// A client's token is only ever read here; nothing in this package (or any
// caller) passes it on: atlas-mcp talks to Atlas with its own credential.
package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// Methods an Identity was established by.
const (
	MethodToken = "token" // a static token of the policy
	MethodOAuth = "oauth" // an OAuth access token
)

// Identity is who one HTTP request is.
type Identity struct {
	Agent  *policy.Agent
	Method string
	// Rule is the policy rule that made the request this agent: the match rule
	// ("agents.ci-bot.match") for OAuth, the agent's token setting for a static
	// token.
	Rule string
	// At is the rule's "file:line", when it has one.
	At string
	// The token's claims, for OAuth: the person or client behind the agent.
	Issuer   string
	Subject  string
	ClientID string
	// Actor is the act claim's subject (RFC 8693): who acts on Subject's behalf.
	Actor  string
	Groups []string
	Scopes []string
}

// HasScope reports whether the token carries the scope. Static tokens carry no
// scopes and are never asked for one.
func (id *Identity) HasScope(s string) bool {
	for _, x := range id.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Authenticator is what the HTTP server asks about each request. It is an
// interface so the server does not depend on how identities are established.
type Authenticator interface {
	// Authenticate returns the request's identity, or a *Refusal.
	Authenticate(ctx context.Context, r *http.Request) (*Identity, error)
	// Refuse answers a request Authenticate refused: 401, with a challenge
	// that points hosts at the metadata when OAuth is configured. The reason
	// goes to the server log, never the body: it would help an attacker tune
	// a forged token and tells an honest client nothing it can act on.
	Refuse(w http.ResponseWriter, r *http.Request, err error)
	// ScopeFor is the scope a call of this access needs ("" when none): the
	// policy's identity.oauth.scopes. Static tokens need none.
	ScopeFor(id *Identity, a policy.Access) string
	// InsufficientScope answers 403 insufficient_scope naming the scope, so an
	// OAuth client can ask its issuer for it and retry.
	InsufficientScope(w http.ResponseWriter, r *http.Request, scope string)
	// Routes adds the metadata routes (and, without OAuth, the answers that
	// tell hosts probing for OAuth to send a header instead).
	Routes(mux *http.ServeMux)
}

// Refusal is why a request has no identity. Reason is for the server log.
type Refusal struct {
	// Code is RFC 6750's error: "" when no token was sent, "invalid_token"
	// otherwise.
	Code   string
	Reason string
	Err    error
}

func (r *Refusal) Error() string {
	if r.Err != nil {
		return r.Reason + ": " + r.Err.Error()
	}
	return r.Reason
}

func (r *Refusal) Unwrap() error { return r.Err }

func refuse(reason string, err error) *Refusal {
	return &Refusal{Code: "invalid_token", Reason: reason, Err: err}
}

// ErrNoToken is the reason when no bearer token was sent.
var ErrNoToken = errors.New("no bearer token")

// bearer reads "Authorization: Bearer T"; RFC 6750 names only the header form
// for us (no query parameter: it ends up in logs).
func bearer(h string) (string, bool) {
	const p = "bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	t := strings.TrimSpace(h[len(p):])
	return t, t != ""
}

// staticIdentity identifies a static token of the policy.
func staticIdentity(p *policy.Policy, token string) *Identity {
	a := p.AgentByToken(token)
	if a == nil {
		return nil
	}
	// The rule is the key that holds the token: tokenSha256 or tokenEnv.
	key, _, _ := strings.Cut(a.Summary().Auth, ":")
	return &Identity{Agent: a, Method: MethodToken, Rule: "agents." + a.Name + "." + key}
}

// looksLikeJWT: three base64url parts. A static token never has two dots in
// practice, and trying the JWT path on one would only log a confusing reason.
func looksLikeJWT(t string) bool { return strings.Count(t, ".") == 2 }
