package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// LoginConfig configures the approvers' sign-in to the approval console.
type LoginConfig struct {
	// Issuer is the OpenID provider (one of identity.oauth.issuers).
	Issuer string
	// ClientID and ClientSecret are the console's own client at the issuer —
	// not the agents' resource: an ID token is for the console alone.
	ClientID, ClientSecret string
	// RedirectURL is the console's callback URL as registered at the issuer.
	RedirectURL string
	// Scopes asked for; default openid, profile, email. "openid" is always
	// added.
	Scopes []string
	// GroupsClaim is where the ID token lists the person's groups; default
	// "groups".
	GroupsClaim string
	// OnLogin receives the verified person once the flow completes and
	// writes the response: it starts the console's own session and redirects
	// to next (a path on the console, already checked to be local).
	OnLogin func(w http.ResponseWriter, r *http.Request, p Person, next string)
	// States keeps started logins where every replica sees them (the
	// approval store), so the callback may reach another replica than the
	// one the login started on; nil keeps them in this process's memory.
	States StateStore

	HTTPClient *http.Client
	Logger     *zap.Logger
	Now        func() time.Time
}

// StateStore is a shared key-value store with expiry and an atomic take
// (the approval store implements it).
type StateStore interface {
	PutState(ctx context.Context, key string, value []byte, expires time.Time) error
	TakeState(ctx context.Context, key string, now time.Time) ([]byte, bool, error)
}

// Person is who signed in, from a verified ID token.
type Person struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	Groups  []string
}

// OIDCLogin is the authorization code flow with PKCE, state and nonce, for
// people signing in to the console. It never accepts a token a caller brings
// (an agent's access token, say): the only way to a Person is the code this
// login's own redirect started, exchanged by the server for an ID token whose
// audience is the console's client and whose nonce is the one sent.
type OIDCLogin struct {
	cfg      LoginConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	ctx      context.Context // carries the HTTP client for go-oidc and oauth2
	secure   bool

	mu      sync.Mutex
	pending map[string]pendingLogin
	// started are the times of recent logins kept in the shared store, so a
	// flood of sign-in starts is bounded there too.
	started []time.Time
}

type pendingLogin struct {
	Verifier string    `json:"verifier"`
	Nonce    string    `json:"nonce"`
	Next     string    `json:"next"`
	Created  time.Time `json:"created"`
}

// loginTTL is how long a started login may take; a person at a password
// prompt takes minutes, an attacker replaying a state gets none.
const loginTTL = 10 * time.Minute

// maxPending bounds started-but-unfinished logins, so a flood of /login hits
// cannot grow memory without end.
const maxPending = 10000

const loginCookie = "atlas_mcp_login"

// NewOIDCLogin discovers the issuer (it must be reachable) and builds the
// handlers.
func NewOIDCLogin(ctx context.Context, cfg LoginConfig) (*OIDCLogin, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" || cfg.OnLogin == nil {
		return nil, errors.New("identity: OIDC login needs Issuer, ClientID, RedirectURL and OnLogin")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	scopes := []string{oidc.ScopeOpenID}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile", "email"}
	}
	for _, s := range cfg.Scopes {
		if s != oidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	rctx := oidc.ClientContext(context.WithoutCancel(ctx), cfg.HTTPClient)
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("identity: discovering %s for the console login: %w", cfg.Issuer, err)
	}
	u, err := url.Parse(cfg.RedirectURL)
	if err != nil {
		return nil, fmt.Errorf("identity: RedirectURL: %w", err)
	}
	return &OIDCLogin{
		cfg:   cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(), RedirectURL: cfg.RedirectURL, Scopes: scopes},
		verifier: provider.VerifierContext(rctx, &oidc.Config{
			ClientID:             cfg.ClientID,
			SupportedSigningAlgs: AllowedAlgorithms(),
			Now:                  cfg.Now,
		}),
		ctx:     rctx,
		secure:  u.Scheme == "https",
		pending: map[string]pendingLogin{},
	}, nil
}

// LoginHandler starts a sign-in: it redirects to the issuer with a fresh
// state, nonce and PKCE challenge. ?next=/path says where to land afterwards.
func (l *OIDCLogin) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state, nonce := randomString(), randomString()
		verifier := oauth2.GenerateVerifier()
		next := localPath(r.URL.Query().Get("next"))
		if !l.remember(r.Context(), state, pendingLogin{Verifier: verifier, Nonce: nonce, Next: next, Created: l.cfg.Now()}) {
			http.Error(w, "too many sign-ins in progress; try again in a few minutes", http.StatusServiceUnavailable)
			return
		}
		// The cookie ties the state to this browser: a state lifted from
		// someone else's redirect is useless without it (login CSRF).
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: state, Path: "/", MaxAge: int(loginTTL.Seconds()), HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, l.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	})
}

// CallbackHandler finishes a sign-in: state and cookie must agree and be
// unused, the code is exchanged with the PKCE verifier, and the ID token must
// verify for the console's client with the login's nonce.
func (l *OIDCLogin) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, next, err := l.finish(r)
		if err != nil {
			l.cfg.Logger.Warn("console sign-in refused", zap.Error(err), zap.String("remote", r.RemoteAddr))
			http.Error(w, "Sign-in failed. Start again from the console's sign-in link.", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
		l.cfg.Logger.Info("console sign-in", zap.String("sub", p.Subject), zap.Strings("groups", p.Groups))
		l.cfg.OnLogin(w, r, p, next)
	})
}

func (l *OIDCLogin) finish(r *http.Request) (Person, string, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return Person{}, "", fmt.Errorf("the issuer answered %s: %s", e, q.Get("error_description"))
	}
	state, code := q.Get("state"), q.Get("code")
	c, err := r.Cookie(loginCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return Person{}, "", errors.New("state does not match this browser's sign-in")
	}
	pl, ok := l.take(r.Context(), state)
	if !ok {
		return Person{}, "", errors.New("unknown, used or expired state")
	}
	if code == "" {
		return Person{}, "", errors.New("no code")
	}
	tok, err := l.oauth.Exchange(l.ctx, code, oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		return Person{}, "", fmt.Errorf("exchanging the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Person{}, "", errors.New("the token response has no id_token")
	}
	p, err := l.verifyIDToken(r.Context(), raw, pl.Nonce)
	if err != nil {
		return Person{}, "", err
	}
	return p, pl.Next, nil
}

// verifyIDToken accepts only an ID token for the console's client carrying
// the nonce this login sent. An agent's access token fails here twice over:
// its audience is the MCP resource and it carries no nonce.
func (l *OIDCLogin) verifyIDToken(ctx context.Context, raw, nonce string) (Person, error) {
	idt, err := l.verifier.Verify(ctx, raw)
	if err != nil {
		return Person{}, fmt.Errorf("ID token: %w", err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Person{}, errors.New("ID token: nonce does not match")
	}
	var c struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	var all map[string]json.RawMessage
	if err := idt.Claims(&c); err != nil {
		return Person{}, fmt.Errorf("ID token claims: %w", err)
	}
	if err := idt.Claims(&all); err != nil {
		return Person{}, fmt.Errorf("ID token claims: %w", err)
	}
	return Person{Issuer: idt.Issuer, Subject: idt.Subject, Email: c.Email, Name: c.Name, Groups: stringList(all[l.cfg.GroupsClaim])}, nil
}

// stateKey names a started login in the shared store by a hash of its
// state, so the store never holds a value an attacker could replay.
func stateKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return "login:" + hex.EncodeToString(sum[:])
}

func (l *OIDCLogin) remember(ctx context.Context, state string, p pendingLogin) bool {
	if l.cfg.States != nil {
		if !l.admit(p.Created) {
			return false
		}
		b, _ := json.Marshal(p)
		if err := l.cfg.States.PutState(ctx, stateKey(state), b, p.Created.Add(loginTTL)); err != nil {
			l.cfg.Logger.Warn("console sign-in: cannot store the login's state", zap.Error(err))
			return false
		}
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	for k, v := range l.pending {
		if now.Sub(v.Created) > loginTTL {
			delete(l.pending, k)
		}
	}
	if len(l.pending) >= maxPending {
		return false
	}
	l.pending[state] = p
	return true
}

// admit counts a login kept in the shared store against maxPending per
// loginTTL for this process.
func (l *OIDCLogin) admit(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := 0
	for i < len(l.started) && now.Sub(l.started[i]) > loginTTL {
		i++
	}
	l.started = l.started[i:]
	if len(l.started) >= maxPending {
		return false
	}
	l.started = append(l.started, now)
	return true
}

// take returns and forgets a pending login: a state works once.
func (l *OIDCLogin) take(ctx context.Context, state string) (pendingLogin, bool) {
	if l.cfg.States != nil {
		b, ok, err := l.cfg.States.TakeState(ctx, stateKey(state), l.cfg.Now())
		var p pendingLogin
		if err != nil || !ok || json.Unmarshal(b, &p) != nil || l.cfg.Now().Sub(p.Created) > loginTTL {
			return pendingLogin{}, false
		}
		return p, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pending[state]
	delete(l.pending, state)
	if !ok || l.cfg.Now().Sub(p.Created) > loginTTL {
		return pendingLogin{}, false
	}
	return p, true
}

// localPath keeps next on this site: a path, never a scheme or host (an open
// redirect would lend the console's name to phishing).
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
