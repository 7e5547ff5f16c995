// Package testop runs a real OpenID provider (zitadel/oidc's op package) on
// loopback for tests: discovery, JWKS, token endpoint with client credentials
// and authorization code + PKCE, JWT access tokens, and key rotation. Its login
// is headless: the configured user "signs in" without a form, so a browser is
// not needed to finish a code flow.
//
// It is test tooling, imported by tests and by cmd/testop (which the
// end-to-end suite starts); the atlas-mcp binary never links it.
package testop

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is one registered client of the provider.
type Client struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
	// Audience is the aud of the access tokens it is issued; empty means its
	// own ID. For an MCP client this is the resource (the atlas-mcp URL).
	Audience []string `json:"audience,omitempty"`
	// RedirectURIs are allowed for the authorization code flow.
	Redirects []string `json:"redirects,omitempty"`
	// Scopes it may ask for besides openid/profile/email/groups; nil allows
	// any.
	Scopes []string `json:"scopes,omitempty"`
	// Groups go into its client credentials tokens' groups claim.
	Groups []string `json:"groups,omitempty"`
	// Claims are added to its access tokens as they are (e.g. "act").
	Claims map[string]any `json:"claims,omitempty"`
	// AccessTokenLifetime defaults to 5 minutes.
	AccessTokenLifetime time.Duration `json:"accessTokenLifetime,omitempty"`
}

func (c *Client) audience() []string {
	if len(c.Audience) == 0 {
		return []string{c.ID}
	}
	return append([]string(nil), c.Audience...)
}

func (c *Client) GetID() string                    { return c.ID }
func (c *Client) RedirectURIs() []string           { return c.Redirects }
func (c *Client) PostLogoutRedirectURIs() []string { return nil }
func (c *Client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c *Client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }
func (c *Client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *Client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeClientCredentials}
}
func (c *Client) LoginURL(id string) string            { return "/login?id=" + id }
func (c *Client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *Client) IDTokenLifetime() time.Duration       { return 5 * time.Minute }
func (c *Client) DevMode() bool                        { return true }
func (c *Client) ClockSkew() time.Duration             { return 0 }
func (c *Client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *Client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *Client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *Client) IsScopeAllowed(s string) bool {
	if c.Scopes == nil {
		return true
	}
	for _, x := range c.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// User is who signs in on the headless login page.
type User struct {
	Subject string `json:"subject"`
	// Name, when set, is the ID token's name claim.
	Name   string   `json:"name,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// Config configures a provider.
type Config struct {
	Clients []Client `json:"clients"`
	User    User     `json:"user"`
	// Addr to listen on; default 127.0.0.1:0.
	Addr string `json:"addr,omitempty"`
	// Algorithm signs tokens: RS256 (default), ES256 or EdDSA.
	Algorithm string `json:"algorithm,omitempty"`
}

// OP is a running provider.
type OP struct {
	// Issuer is its URL (http://127.0.0.1:PORT), which is also its iss.
	Issuer string
	st     *storage
	srv    *http.Server
	ln     net.Listener
}

// Start runs a provider until Close.
func Start(cfg Config) (*OP, error) {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("testop: %w", err)
	}
	k, err := newKey(jose.SignatureAlgorithm(cfg.Algorithm))
	if err != nil {
		ln.Close()
		return nil, err
	}
	st := &storage{clients: map[string]*Client{}, requests: map[string]*authRequest{}, codes: map[string]string{}, user: cfg.User, keys: []*key{k}, now: time.Now}
	for i := range cfg.Clients {
		c := cfg.Clients[i]
		st.clients[c.ID] = &c
	}
	issuer := "http://" + ln.Addr().String()
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:       sha256.Sum256([]byte(issuer)),
		CodeMethodS256:  true,
		AuthMethodPost:  true,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, "groups"},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("testop: %w", err)
	}
	o := &OP{Issuer: issuer, st: st, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		if err := st.login(id); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, op.AuthCallbackURL(provider)(r.Context(), id), http.StatusFound)
	})
	mux.Handle("/", provider)
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = o.srv.Serve(ln) }()
	return o, nil
}

// Close stops the provider.
func (o *OP) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return o.srv.Shutdown(ctx)
}

// Rotate makes a new signing key and withdraws every older one from the
// JWKS, as an issuer does after a key leaks.
func (o *OP) Rotate() error {
	o.st.mu.Lock()
	alg := o.st.keys[0].alg
	o.st.mu.Unlock()
	k, err := newKey(alg)
	if err != nil {
		return err
	}
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.keys = []*key{k}
	return nil
}

// SetUser changes who signs in next.
func (o *OP) SetUser(u User) {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	o.st.user = u
}

// ClientCredentials gets an access token for a client, as a machine client
// would: POST to the token endpoint with HTTP Basic client authentication.
func (o *OP) ClientCredentials(ctx context.Context, clientID, secret string, scopes ...string) (string, error) {
	form := "grant_type=client_credentials"
	if len(scopes) > 0 {
		form += "&scope=" + strings.Join(scopes, "+")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Issuer+"/oauth/token", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := decodeJSON(resp, &tr); err != nil {
		return "", err
	}
	if tr.AccessToken == "" {
		return "", errors.New("testop: no access token: " + tr.Error + ": " + tr.Description)
	}
	return tr.AccessToken, nil
}

func decodeJSON(resp *http.Response, v any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("testop: HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}
