package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// AllowedAlgorithms are the signature algorithms an access token may use:
// asymmetric only. "none" and the HMAC family are never accepted — with HS256
// an attacker who knows the issuer's public key could sign with it as the
// shared secret.
func AllowedAlgorithms() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

func joseAlgs() []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, a := range AllowedAlgorithms() {
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}

// Options configures a Resource.
type Options struct {
	// HTTPClient fetches issuer metadata and keys; nil means a client with a
	// 10s timeout.
	HTTPClient *http.Client
	Logger     *zap.Logger
	// Now is the clock for exp/nbf and key cache ages; nil means time.Now.
	Now func() time.Time
	// KeyMaxAge is how long fetched keys are trusted before they are fetched
	// again; default 5 minutes. A token with an unknown key ID makes the keys
	// be fetched again (at most every 10 seconds), so a new key is picked up
	// on first use; a key the issuer has withdrawn stops verifying when the
	// cached copy ages out.
	KeyMaxAge time.Duration
}

// Resource is this server as an OAuth resource server, and the static-token
// check beside it. It is safe for concurrent use.
type Resource struct {
	// current is the policy in force; it is asked on every request, so a
	// reloaded policy's agents, issuers and audience apply at once.
	current func() *policy.Policy
	client  *http.Client
	log     *zap.Logger
	now     func() time.Time
	maxAge  time.Duration

	mu      sync.Mutex
	issuers map[string]*issuerState
}

// issuerState is what is learnt about one issuer URL: where its keys are,
// and the keys. It outlives policy reloads that keep the issuer.
type issuerState struct {
	keys    *keySet // nil until discovery succeeded
	lastErr error
	lastTry time.Time
}

// New builds the authenticator over the policy in force, which current
// returns (for a policy that never changes: func() *policy.Policy { return p }).
// It does no I/O: issuer metadata is discovered on the first token of that
// issuer, so the server starts while an identity provider is briefly down.
func New(current func() *policy.Policy, o Options) *Resource {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeyMaxAge == 0 {
		o.KeyMaxAge = 5 * time.Minute
	}
	return &Resource{current: current, client: o.HTTPClient, log: o.Logger, now: o.Now, maxAge: o.KeyMaxAge, issuers: map[string]*issuerState{}}
}

// Authenticate implements Authenticator.
func (r *Resource) Authenticate(ctx context.Context, req *http.Request) (*Identity, error) {
	token, ok := bearer(req.Header.Get("Authorization"))
	if !ok {
		return nil, &Refusal{Reason: "no bearer token in the Authorization header", Err: ErrNoToken}
	}
	return r.Token(ctx, token)
}

// Token identifies a bearer token: a static token of the policy first (cheap,
// constant time), then an OAuth access token.
func (r *Resource) Token(ctx context.Context, token string) (*Identity, error) {
	p := r.current()
	if id := staticIdentity(p, token); id != nil {
		return id, nil
	}
	oauth := p.OAuth()
	if oauth == nil {
		return nil, refuse("the token is no agent's token in the policy (no OAuth issuer is configured)", nil)
	}
	if !looksLikeJWT(token) {
		return nil, refuse("the token is neither an agent's static token nor a JWT", nil)
	}
	return r.verify(ctx, p, oauth, token)
}

// accessClaims are the claims read from a verified access token.
type accessClaims struct {
	Subject  string          `json:"sub"`
	ClientID string          `json:"client_id"`
	Azp      string          `json:"azp"`
	Scope    string          `json:"scope"`
	Scp      json.RawMessage `json:"scp"`
	Act      *struct {
		Subject string `json:"sub"`
	} `json:"act"`
}

func (r *Resource) verify(ctx context.Context, p *policy.Policy, oauth *policy.OAuth, token string) (*Identity, error) {
	// Read the issuer before verifying, only to choose which issuer's keys to
	// verify with; nothing else of the unverified token is used.
	parsed, err := jwt.ParseSigned(token, joseAlgs())
	if err != nil {
		return nil, refuse("the token is not a JWT signed with an allowed algorithm ("+strings.Join(AllowedAlgorithms(), ", ")+")", err)
	}
	var unverified jwt.Claims
	if err := parsed.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, refuse("the token's claims cannot be read", err)
	}
	var cfg *policy.Issuer
	for i := range oauth.Issuers {
		if oauth.Issuers[i].Issuer == unverified.Issuer {
			cfg = &oauth.Issuers[i]
		}
	}
	if cfg == nil {
		return nil, refuse(fmt.Sprintf("issuer %q is not in identity.oauth.issuers", unverified.Issuer), nil)
	}
	keys, err := r.keysFor(ctx, cfg.Issuer)
	if err != nil {
		return nil, refuse("the issuer's metadata cannot be fetched", err)
	}
	aud := cfg.Audience
	if aud == "" {
		aud = oauth.Resource
	}
	v := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: aud, SupportedSigningAlgs: AllowedAlgorithms(), Now: r.now})
	// go-oidc checks the signature with the issuer's keys (and only the
	// allowed algorithms), iss, aud, exp and nbf.
	tok, err := v.Verify(ctx, token)
	if err != nil {
		return nil, refuse("the token does not verify", err)
	}
	var c accessClaims
	if err := tok.Claims(&c); err != nil {
		return nil, refuse("the token's claims cannot be read", err)
	}
	var raw map[string]json.RawMessage
	if err := tok.Claims(&raw); err != nil {
		return nil, refuse("the token's claims cannot be read", err)
	}
	id := &Identity{Method: MethodOAuth, Issuer: tok.Issuer, Subject: c.Subject, ClientID: c.ClientID, Scopes: scopes(c.Scope, c.Scp)}
	if id.ClientID == "" {
		id.ClientID = c.Azp
	}
	if c.Act != nil {
		id.Actor = c.Act.Subject
	}
	id.Groups = stringList(raw[cfg.GroupsClaim])
	for _, s := range cfg.RequiredScopes {
		if !id.HasScope(s) {
			return nil, refuse(fmt.Sprintf("the token lacks the required scope %q (has %q)", s, id.Scopes), nil)
		}
	}
	a, m := p.AgentByClaims(policy.Claims{Issuer: id.Issuer, Subject: id.Subject, ClientID: id.ClientID, Groups: id.Groups})
	if a == nil {
		return nil, refuse(fmt.Sprintf("no agent's match: rule takes this token (iss %s, sub %q, client %q, groups %q)", id.Issuer, id.Subject, id.ClientID, id.Groups), nil)
	}
	id.Agent, id.Rule, id.At = a, m.Rule, m.At
	return id, nil
}

// discoveryRetry is how long a failed discovery is remembered, so a flood of
// tokens naming an unreachable issuer does not become a flood of fetches.
const discoveryRetry = 10 * time.Second

// keysFor returns the issuer's key set, discovering where it is on first use.
func (r *Resource) keysFor(ctx context.Context, issuer string) (*keySet, error) {
	r.mu.Lock()
	st := r.issuers[issuer]
	if st == nil {
		st = &issuerState{}
		r.issuers[issuer] = st
	}
	if st.keys != nil {
		r.mu.Unlock()
		return st.keys, nil
	}
	if st.lastErr != nil && r.now().Sub(st.lastTry) < discoveryRetry {
		err := st.lastErr
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Unlock()

	jwksURL, err := discover(ctx, r.client, issuer)
	r.mu.Lock()
	defer r.mu.Unlock()
	st.lastTry = r.now()
	if err != nil {
		st.lastErr = err
		return nil, err
	}
	if st.keys == nil {
		st.keys, st.lastErr = newKeySet(r.client, jwksURL, r.maxAge, r.now), nil
	}
	return st.keys, nil
}

// discover finds the issuer's JWKS: OpenID Connect discovery first, then RFC
// 8414 authorization server metadata (issuers that are OAuth-only). The
// metadata's issuer must be the configured one exactly, or a metadata document
// could point us at someone else's keys.
func discover(ctx context.Context, c *http.Client, issuer string) (string, error) {
	var errs []error
	for _, u := range metadataURLs(issuer) {
		var m struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := getJSON(ctx, c, u, &m); err != nil {
			errs = append(errs, err)
			continue
		}
		if m.Issuer != issuer {
			errs = append(errs, fmt.Errorf("%s names issuer %q, not %q", u, m.Issuer, issuer))
			continue
		}
		if m.JWKSURI == "" {
			errs = append(errs, fmt.Errorf("%s has no jwks_uri", u))
			continue
		}
		return m.JWKSURI, nil
	}
	return "", fmt.Errorf("discovering %s: %w", issuer, errors.Join(errs...))
}

func metadataURLs(issuer string) []string {
	out := []string{strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"}
	if u, err := url.Parse(issuer); err == nil {
		// RFC 8414 section 3: the well-known part goes between host and path.
		p := strings.TrimSuffix(u.Path, "/")
		out = append(out, u.Scheme+"://"+u.Host+"/.well-known/oauth-authorization-server"+p)
	}
	return out
}

func getJSON(ctx context.Context, c *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", u, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

// scopes reads OAuth's space-separated scope claim, or the scp list some
// issuers send instead.
func scopes(scope string, scp json.RawMessage) []string {
	out := strings.Fields(scope)
	if len(out) == 0 && len(scp) > 0 {
		out = stringList(scp)
	}
	return out
}

// stringList reads a claim that is a list of strings or a single string.
func stringList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return strings.Fields(one)
	}
	return nil
}

// ScopeFor implements Authenticator.
func (r *Resource) ScopeFor(id *Identity, a policy.Access) string {
	if id == nil || id.Method != MethodOAuth {
		return ""
	}
	return r.current().OAuth().ScopeFor(a)
}

// keySet holds an issuer's public keys (its JWKS). go-oidc's own remote key
// set refetches only on an unknown key ID, so a key the issuer withdrew (rotated
// out after a leak) would verify from its cache forever, and every token naming
// a made-up key ID would cost a fetch. Here keys are trusted for maxAge, an
// unknown key ID triggers a fetch at most every minRefresh, and keys that are
// out of date and cannot be refreshed verify nothing (fail closed).
type keySet struct {
	client *http.Client
	url    string
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched time.Time // when keys were fetched
	lastTry time.Time // when a fetch was last attempted
}

// minRefresh spaces fetches caused by unknown key IDs.
const minRefresh = 10 * time.Second

func newKeySet(client *http.Client, url string, maxAge time.Duration, now func() time.Time) *keySet {
	return &keySet{client: client, url: url, maxAge: maxAge, now: now}
}

// VerifySignature implements oidc.KeySet. go-oidc has already refused
// algorithms outside AllowedAlgorithms and more than one signature.
func (k *keySet) VerifySignature(ctx context.Context, token string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, joseAlgs())
	if err != nil || len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("malformed JWT: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.current(ctx, kid)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		if payload, err := jws.Verify(&key); err == nil {
			return payload, nil
		}
	}
	if kid != "" {
		return nil, fmt.Errorf("no current key of the issuer has key ID %q (or it does not verify the signature)", kid)
	}
	return nil, errors.New("no current key of the issuer verifies the signature")
}

func (k *keySet) current(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	stale := k.keys == nil || now.Sub(k.fetched) >= k.maxAge
	lastOK := !k.lastTry.After(k.fetched) // the last attempt succeeded (or there was none)
	spaced := k.lastTry.IsZero() || now.Sub(k.lastTry) >= minRefresh
	unknown := kid != "" && !hasKeyID(k.keys, kid)
	// Keys that aged out are fetched at once; after a failed attempt, and for
	// unknown key IDs, fetches are spaced.
	if stale && (lastOK || spaced) || unknown && spaced {
		k.lastTry = now
		var set jose.JSONWebKeySet
		if err := getJSON(ctx, k.client, k.url, &set); err != nil {
			if stale {
				return nil, fmt.Errorf("the issuer's keys are out of date and cannot be fetched: %w", err)
			}
		} else {
			k.keys, k.fetched = set.Keys, now
			stale = false
		}
	}
	if stale {
		return nil, errors.New("the issuer's keys are out of date and cannot be fetched (retrying shortly)")
	}
	return k.keys, nil
}

func hasKeyID(keys []jose.JSONWebKey, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}

// Fixed is the policy source of a policy that never changes (the CLI, tests).
func Fixed(p *policy.Policy) func() *policy.Policy { return func() *policy.Policy { return p } }
