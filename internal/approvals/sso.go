package approvals

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// SSOConfig is the console's OpenID Connect client (the policy's
// identity.oauth.console, with its secret resolved).
type SSOConfig struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is {console URL}/sso/callback as registered at the issuer.
	RedirectURL string
	GroupsClaim string
	Scopes      []string
	// Store, when set, keeps started sign-ins so the callback may reach any
	// replica over the same store (normally the service's Store()).
	Store      Store
	HTTPClient *http.Client
	Logger     *zap.Logger
}

// SSO signs approvers in to a console with the identity provider: the
// authorization code flow with PKCE of identity.OIDCLogin. The person it
// returns maps to the first approver whose match: holds; nothing a caller
// brings (an agent's access token, say) can become a session this way.
type SSO struct {
	issuer  string
	login   *identity.OIDCLogin
	console atomic.Pointer[Console]
}

// NewSSO discovers the issuer (it must be reachable) and builds the login.
func NewSSO(ctx context.Context, cfg SSOConfig) (*SSO, error) {
	s := &SSO{issuer: cfg.Issuer}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{"profile", "email"}
	}
	var states identity.StateStore
	if cfg.Store != nil {
		states = cfg.Store
	}
	login, err := identity.NewOIDCLogin(ctx, identity.LoginConfig{
		States: states,
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.RedirectURL, Scopes: scopes, GroupsClaim: cfg.GroupsClaim,
		HTTPClient: cfg.HTTPClient, Logger: cfg.Logger,
		OnLogin: func(w http.ResponseWriter, r *http.Request, p identity.Person, next string) {
			c := s.console.Load()
			if c == nil {
				http.Error(w, "the approval console is not ready", http.StatusServiceUnavailable)
				return
			}
			c.ssoLogin(w, r, p, next)
		},
	})
	if err != nil {
		return nil, err
	}
	s.login = login
	return s, nil
}

// Issuer is the identity provider people sign in with.
func (s *SSO) Issuer() string { return s.issuer }

// UseSSO offers sign-in with the identity provider beside the token form.
// One SSO serves one console.
func (c *Console) UseSSO(s *SSO) error {
	if s == nil {
		return errors.New("approvals: nil SSO")
	}
	if !s.console.CompareAndSwap(nil, c) {
		return errors.New("approvals: this SSO already serves a console")
	}
	c.sso = s
	return nil
}

func (c *Console) ssoOffered() bool { return c.sso != nil && c.pol().UsesApproverSignIn() }

// ssoLogin turns a verified person into a console session: the first
// approver whose match: holds, or a refusal that says who they are and why.
func (c *Console) ssoLogin(w http.ResponseWriter, r *http.Request, p identity.Person, next string) {
	claims := policy.Claims{Issuer: p.Issuer, Subject: p.Subject, Groups: p.Groups}
	a, m := c.pol().ApproverByClaims(claims)
	person := map[string]any{"Issuer": p.Issuer, "Subject": p.Subject, "Name": p.Name, "Email": p.Email, "Groups": p.Groups}
	if a == nil {
		c.render(w, http.StatusForbidden, "refused.html", map[string]any{"Prefix": c.prefix, "Person": person})
		return
	}
	s := session{Approver: a.Name, Rule: m.Rule, Issuer: p.Issuer, Subject: p.Subject, Name: orText(p.Name, p.Email), Groups: p.Groups}
	if err := c.startSession(w, r, &s); err != nil {
		http.Error(w, "cannot start a session: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	// A page, not a redirect: the browser came here from the identity
	// provider (a cross-site navigation), and the SameSite=Strict session
	// cookie is only sent once the next navigation starts on this site.
	c.render(w, http.StatusOK, "signedin.html", map[string]any{"Prefix": c.prefix, "Next": next, "Person": person, "Approver": a, "Session": &s, "CSRF": s.CSRF, "Match": fmt.Sprintf("%s %s", m.Rule, m.Describe)})
}
