package testop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is an in-memory op.Storage, adapted from zitadel/oidc's example
// storage down to what the tests use: confidential clients (client credentials
// and authorization code + PKCE), one user who is "logged in" headlessly, JWT
// access tokens, and signing keys that rotate on request.
type storage struct {
	mu       sync.Mutex
	clients  map[string]*Client
	requests map[string]*authRequest
	codes    map[string]string
	user     User
	keys     []*key // keys[0] signs; all are published
	now      func() time.Time
}

type key struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer // *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey
}

func (k *key) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *key) Algorithm() jose.SignatureAlgorithm          { return k.alg }
func (k *key) Key() any                                    { return k.private }
func (k *key) ID() string                                  { return k.id }
func (k *key) Use() string                                 { return "sig" }

type publicKey struct{ *key }

func (k publicKey) Key() any { return k.private.Public() }

// newKey makes a signing key for the algorithm: RS256 (the default), ES256 or
// EdDSA.
func newKey(alg jose.SignatureAlgorithm) (*key, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case "", jose.RS256:
		alg = jose.RS256
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("testop: algorithm %s is not supported", alg)
	}
	if err != nil {
		return nil, err
	}
	return &key{id: uuid.NewString(), alg: alg, private: priv}, nil
}

type authRequest struct {
	oidc.AuthRequest
	id       string
	audience []string
	subject  string
	name     string
	groups   []string
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string          { return a.id }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string  { return a.audience }
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }
func (a *authRequest) GetClientID() string    { return a.ClientID }
func (a *authRequest) GetNonce() string       { return a.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.Scopes }
func (a *authRequest) GetState() string       { return a.State }
func (a *authRequest) GetSubject() string     { return a.subject }
func (a *authRequest) Done() bool             { return a.done }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return a.ResponseType
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: a.CodeChallengeMethod}
}

// tokenRequest is a client credentials grant's request: the client is the
// subject, as issuers do for machine clients.
type tokenRequest struct {
	subject  string
	audience []string
	scopes   []string
}

func (t *tokenRequest) GetSubject() string    { return t.subject }
func (t *tokenRequest) GetAudience() []string { return t.audience }
func (t *tokenRequest) GetScopes() []string   { return t.scopes }

func (s *storage) client(id string) (*Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("client not found")
	}
	return c, nil
}

func (s *storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.client(r.ClientID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &authRequest{AuthRequest: *r, id: uuid.NewString(), audience: c.audience()}
	s.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return nil, errors.New("request not found")
	}
	return r, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("code invalid or expired")
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

// login completes an authorization request as the configured user, which is
// what a person typing a password would do.
func (s *storage) login(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return errors.New("request not found")
	}
	if s.user.Subject == "" {
		return errors.New("no user is set to log in")
	}
	r.subject, r.name, r.groups, r.done, r.authTime = s.user.Subject, s.user.Name, s.user.Groups, true, s.now()
	return nil
}

func (s *storage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	lifetime := defaultLifetime
	if ar, ok := r.(*authRequest); ok {
		if c, err := s.client(ar.ClientID); err == nil && c.AccessTokenLifetime > 0 {
			lifetime = c.AccessTokenLifetime
		}
	}
	if tr, ok := r.(*tokenRequest); ok {
		if c, err := s.client(tr.subject); err == nil && c.AccessTokenLifetime > 0 {
			lifetime = c.AccessTokenLifetime
		}
	}
	return uuid.NewString(), s.now().Add(lifetime), nil
}

const defaultLifetime = 5 * time.Minute

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, _ string) (string, string, time.Time, error) {
	id, exp, err := s.CreateAccessToken(ctx, r)
	return id, "", exp, err
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, _ string) (op.RefreshTokenRequest, error) {
	return nil, errors.New("refresh tokens are not issued")
}

func (s *storage) TerminateSession(ctx context.Context, _, _ string) error { return nil }

func (s *storage) RevokeToken(ctx context.Context, _, _, _ string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(ctx context.Context, _, _ string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0], nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []jose.SignatureAlgorithm{s.keys[0].alg}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []op.Key
	for _, k := range s.keys {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	return s.client(id)
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.client(id)
	if err != nil {
		return err
	}
	if c.Secret != secret {
		return errors.New("invalid secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(ctx context.Context, _ *oidc.UserInfo, _, _ string, _ []string) error {
	return nil
}

// SetUserinfoFromRequest puts the user's groups in the ID token, where the
// console's login reads them.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, u *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	u.Subject = r.GetSubject()
	if ar, ok := r.(*authRequest); ok && len(ar.groups) > 0 {
		u.AppendClaims("groups", ar.groups)
	}
	if ar, ok := r.(*authRequest); ok && ar.name != "" {
		u.Name = ar.name
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, u *oidc.UserInfo, _, subject, _ string) error {
	u.Subject = subject
	return nil
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, _ *oidc.IntrospectionResponse, _, _, _ string) error {
	return nil
}

// GetPrivateClaimsFromRequest puts groups (and a client's extra claims) in
// access tokens, so the policy's group: match has something to match.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, r op.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{}
	switch tr := r.(type) {
	case *authRequest:
		if len(tr.groups) > 0 {
			claims["groups"] = tr.groups
		}
		if c, err := s.client(tr.ClientID); err == nil {
			for k, v := range c.Claims {
				claims[k] = v
			}
		}
	case *tokenRequest:
		if c, err := s.client(tr.subject); err == nil {
			if len(c.Groups) > 0 {
				claims["groups"] = c.Groups
			}
			for k, v := range c.Claims {
				claims[k] = v
			}
		}
	}
	if scopes := r.GetScopes(); len(scopes) > 0 {
		claims["scope"] = oidc.SpaceDelimitedArray(scopes).String()
	}
	return claims, nil
}

func (s *storage) GetPrivateClaimsFromScopes(ctx context.Context, _, _ string, _ []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(ctx context.Context, _, _ string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *storage) ValidateJWTProfileScopes(ctx context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }

// ClientCredentials implements op.ClientCredentialsStorage.
func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	c, err := s.client(id)
	if err != nil || c.Secret != secret {
		return nil, errors.New("wrong client or secret")
	}
	return c, nil
}

func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, err := s.client(id)
	if err != nil {
		return nil, err
	}
	for _, sc := range scopes {
		if !c.IsScopeAllowed(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not allowed for %s", sc, id)
		}
	}
	return &tokenRequest{subject: id, audience: c.audience(), scopes: scopes}, nil
}
