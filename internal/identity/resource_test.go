package identity_test

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

const resource = "http://127.0.0.1:8080/mcp"

// clock is a settable clock, so expiry and key ages are tested without sleeping.
type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.d)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.d += d
}

type fixture struct {
	op, rogue *testop.OP
	policy    *policy.Policy
	res       *identity.Resource
	logs      *observer.ObservedLogs
	clock     *clock
	handler   http.Handler
}

func startOP(t *testing.T, clients ...testop.Client) *testop.OP {
	t.Helper()
	o, err := testop.Start(testop.Config{Clients: clients, User: testop.User{Subject: "alice", Groups: []string{"approvers"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

func agentClients() []testop.Client {
	return []testop.Client{
		{ID: "ci-bot", Secret: "ci-secret", Audience: []string{resource}},
		{ID: "sre-tool", Secret: "sre-secret", Audience: []string{resource}, Groups: []string{"sre"}},
		{ID: "on-behalf", Secret: "obo-secret", Audience: []string{resource}, Claims: map[string]any{"act": map[string]any{"sub": "bob@example.com"}}},
		{ID: "self-aud", Secret: "self-secret"}, // audience: its own ID
		{ID: "other-rs", Secret: "other-secret", Audience: []string{"https://other.example.com/mcp"}},
		{ID: "stranger", Secret: "stranger-secret", Audience: []string{resource}},
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{}}
	f.op = startOP(t, agentClients()...)
	f.rogue = startOP(t, agentClients()...)
	y := fmt.Sprintf(`
identity:
  oauth:
    resource: %s
    issuers:
      - issuer: %s
    scopes: {write: atlas.write}
agents:
  ci-bot:
    match: {clientId: ci-bot}
    grants: [{area: clusters, access: [read, write]}]
  sre:
    match: {group: sre}
    grants: [{area: "*", access: [read]}]
  obo:
    match: {clientId: on-behalf}
    grants: [{area: clusters, access: [read]}]
  static:
    tokenEnv: STATIC_TOKEN
    grants: [{area: projects, access: [read]}]
`, resource, f.op.Issuer)
	p, err := policy.Parse([]byte(y), "policy.yaml", policy.Options{LookupEnv: func(k string) (string, bool) {
		return "static-token-0123456789", k == "STATIC_TOKEN"
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.policy = p
	core, logs := observer.New(zap.DebugLevel)
	f.logs = logs
	f.res = identity.New(identity.Fixed(p), identity.Options{Logger: zap.New(core), Now: f.clock.now, KeyMaxAge: time.Minute})
	// The same two calls internal/server makes for every MCP request.
	f.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := f.res.Authenticate(r.Context(), r)
		if err != nil {
			f.res.Refuse(w, r, err)
			return
		}
		_, _ = io.WriteString(w, id.Agent.Name+" "+id.Rule)
	})
	return f
}

func (f *fixture) token(t *testing.T, o *testop.OP, client, secret string, scopes ...string) string {
	t.Helper()
	tok, err := o.ClientCredentials(context.Background(), client, secret, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) call(token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}"))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	return w
}

func TestAcceptedTokensMapToAgents(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, client, secret, agent, rule string
	}{
		{"client id", "ci-bot", "ci-secret", "ci-bot", "agents.ci-bot.match"},
		{"group claim", "sre-tool", "sre-secret", "sre", "agents.sre.match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := f.token(t, f.op, tc.client, tc.secret)
			w := f.call(tok)
			if w.Code != http.StatusOK || w.Body.String() != tc.agent+" "+tc.rule {
				t.Fatalf("%d %q, want 200 %q", w.Code, w.Body.String(), tc.agent+" "+tc.rule)
			}
		})
	}
	t.Run("static token beside OAuth", func(t *testing.T) {
		if w := f.call("static-token-0123456789"); w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), "static ") {
			t.Fatalf("%d %q", w.Code, w.Body.String())
		}
	})
	t.Run("person behind the agent", func(t *testing.T) {
		id, err := f.res.Token(context.Background(), f.token(t, f.op, "on-behalf", "obo-secret", "atlas.write"))
		if err != nil {
			t.Fatal(err)
		}
		if id.Agent.Name != "obo" || id.Subject != "on-behalf" || id.Actor != "bob@example.com" || id.Issuer != f.op.Issuer || !id.HasScope("atlas.write") {
			t.Fatalf("identity = %+v", id)
		}
	})
}

// Every refusal is a 401 whose body says nothing about why; the reason is in
// the server log.
func TestRefusedTokens(t *testing.T) {
	f := newFixture(t)
	good := f.token(t, f.op, "ci-bot", "ci-secret")
	for _, tc := range []struct {
		name   string
		token  func(t *testing.T) string
		before func()
		reason string // in the log
	}{
		{"wrong audience", func(t *testing.T) string { return f.token(t, f.op, "self-aud", "self-secret") }, nil, "expected audience"},
		{"token for another resource", func(t *testing.T) string { return f.token(t, f.op, "other-rs", "other-secret") }, nil, "expected audience"},
		{"wrong issuer", func(t *testing.T) string { return f.token(t, f.rogue, "ci-bot", "ci-secret") }, nil, "is not in identity.oauth.issuers"},
		{"issuer claim forged onto another provider's token", func(t *testing.T) string {
			return forgeIssuer(t, f.token(t, f.rogue, "ci-bot", "ci-secret"), f.op.Issuer)
		}, nil, "does not verify"},
		{"alg none", func(t *testing.T) string { return algNone(t, good) }, nil, "allowed algorithm"},
		{"HS256 signed with the issuer's public key", func(t *testing.T) string { return hs256WithPublicKey(t, f.op, good) }, nil, "allowed algorithm"},
		{"no agent matches", func(t *testing.T) string { return f.token(t, f.op, "stranger", "stranger-secret") }, nil, "no agent's match"},
		{"not a token at all", func(t *testing.T) string { return "garbage" }, nil, "neither an agent's static token nor a JWT"},
		{"no token", func(t *testing.T) string { return "" }, nil, "no bearer token"},
		// The server's clock an hour behind the issuer's: nbf is in the future
		// (beyond go-oidc's 5 minutes of leeway for clock skew).
		{"not yet valid", func(t *testing.T) string { return f.token(t, f.op, "ci-bot", "ci-secret") }, func() { f.clock.advance(-time.Hour) }, "before the nbf"},
		{"expired", func(t *testing.T) string { return f.token(t, f.op, "ci-bot", "ci-secret") }, func() { f.clock.advance(2 * time.Hour) }, "token is expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token(t)
			if tc.before != nil {
				tc.before()
			}
			f.logs.TakeAll()
			w := f.call(tok)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d (%q), want 401", w.Code, w.Body.String())
			}
			ch := w.Header().Get("WWW-Authenticate")
			if !strings.Contains(ch, `resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"`) {
				t.Errorf("WWW-Authenticate = %q", ch)
			}
			logged := ""
			for _, e := range f.logs.All() {
				logged += fmt.Sprint(e.ContextMap()) + "\n"
			}
			if !strings.Contains(logged, tc.reason) {
				t.Errorf("log %q does not give the reason %q", logged, tc.reason)
			}
			if strings.Contains(w.Body.String(), tc.reason) {
				t.Errorf("body %q gives the reason away", w.Body.String())
			}
		})
	}
}

// A key the issuer withdrew stops verifying once the cached copy ages out; a
// new key is picked up on first sight.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t)
	old := f.token(t, f.op, "ci-bot", "ci-secret")
	if w := f.call(old); w.Code != http.StatusOK {
		t.Fatalf("before rotation: %d", w.Code)
	}
	if err := f.op.Rotate(); err != nil {
		t.Fatal(err)
	}
	fresh := f.token(t, f.op, "ci-bot", "ci-secret")
	// A new key ID is fetched at once, but fetches for unknown key IDs are
	// spaced 10s apart (tokens with made-up key IDs must not become a stream
	// of fetches); the first fetch was just now.
	f.clock.advance(11 * time.Second)
	if w := f.call(fresh); w.Code != http.StatusOK {
		t.Fatalf("token with the new key: %d %s", w.Code, w.Body.String())
	}
	f.clock.advance(time.Minute) // past KeyMaxAge, within the token's lifetime
	f.logs.TakeAll()
	if w := f.call(old); w.Code != http.StatusUnauthorized {
		t.Fatalf("token with the rotated-out key: %d, want 401", w.Code)
	}
	if n := f.logs.FilterField(zap.String("reason", "the token does not verify")).Len(); n != 1 {
		t.Errorf("log: %v", f.logs.All())
	}
	if w := f.call(fresh); w.Code != http.StatusOK {
		t.Fatalf("new key after refresh: %d", w.Code)
	}
}

func TestNoOAuthDoesNotInviteAnOAuthFlow(t *testing.T) {
	p, err := policy.Parse([]byte("agents:\n  a:\n    tokenEnv: T\n"), "p.yaml", policy.Options{LookupEnv: func(string) (string, bool) { return "a-static-token-0123456789", true }})
	if err != nil {
		t.Fatal(err)
	}
	res := identity.New(identity.Fixed(p), identity.Options{})
	mux := http.NewServeMux()
	res.Routes(mux)
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		if _, err := res.Authenticate(r.Context(), r); err != nil {
			res.Refuse(w, r, err)
		}
	})
	for _, path := range []string{"/mcp", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server", "/register"} {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Header().Get("WWW-Authenticate") != "" {
			t.Errorf("%s: WWW-Authenticate %q invites OAuth", path, w.Header().Get("WWW-Authenticate"))
		}
		if !strings.Contains(w.Body.String(), "Authorization: Bearer <token>") || !strings.Contains(w.Body.String(), "claude mcp add") {
			t.Errorf("%s: body does not say how to pass the header: %q", path, w.Body.String())
		}
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	f.res.Routes(mux)
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v: %s", path, err, w.Body.String())
		}
		if m["resource"] != resource || fmt.Sprint(m["authorization_servers"]) != "["+f.op.Issuer+"]" ||
			fmt.Sprint(m["bearer_methods_supported"]) != "[header]" || fmt.Sprint(m["scopes_supported"]) != "[atlas.write]" {
			t.Errorf("%s: %v", path, m)
		}
	}
}

func TestInsufficientScope(t *testing.T) {
	f := newFixture(t)
	id, err := f.res.Token(context.Background(), f.token(t, f.op, "ci-bot", "ci-secret"))
	if err != nil {
		t.Fatal(err)
	}
	need := f.res.ScopeFor(id, policy.Write)
	if need != "atlas.write" || id.HasScope(need) {
		t.Fatalf("ScopeFor = %q", need)
	}
	w := httptest.NewRecorder()
	f.res.InsufficientScope(w, httptest.NewRequest(http.MethodPost, "/mcp", nil), need)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="insufficient_scope", scope="atlas.write"`) {
		t.Fatalf("%d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if s := f.res.ScopeFor(&identity.Identity{Method: identity.MethodToken}, policy.Write); s != "" {
		t.Errorf("static tokens need no scope, got %q", s)
	}
}

// --- hand-made attack tokens ---

func parts(t *testing.T, tok string) []string {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	return p
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// algNone keeps the good token's claims and drops the signature.
func algNone(t *testing.T, good string) string {
	p := parts(t, good)
	return b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + p[1] + "."
}

// hs256WithPublicKey is the key-confusion attack: a verifier that takes alg from
// the token would use the issuer's RSA public key as an HMAC secret.
func hs256WithPublicKey(t *testing.T, o *testop.OP, good string) string {
	resp, err := http.Get(o.Issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("jwks: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(set.Keys[0].Key.(*rsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	p := parts(t, good)
	signing := b64(map[string]string{"alg": "HS256", "typ": "JWT", "kid": set.Keys[0].KeyID}) + "." + p[1]
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// forgeIssuer rewrites iss to the trusted issuer, keeping the other provider's
// signature: the trusted issuer's keys must not verify it.
func forgeIssuer(t *testing.T, tok, iss string) string {
	p := parts(t, tok)
	raw, err := base64.RawURLEncoding.DecodeString(p[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["iss"] = iss
	return p[0] + "." + b64(claims) + "." + p[2]
}

type countingTransport struct {
	mu   sync.Mutex
	hits map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.hits[r.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// Tokens naming key IDs the issuer never published cost at most one fetch
// every 10 seconds, not one each.
func TestMadeUpKeyIDsDoNotFloodTheIssuer(t *testing.T) {
	f := newFixture(t)
	ct := &countingTransport{hits: map[string]int{}}
	res := identity.New(identity.Fixed(f.policy), identity.Options{HTTPClient: &http.Client{Transport: ct}, Now: f.clock.now})
	good := f.token(t, f.op, "ci-bot", "ci-secret")
	if _, err := res.Token(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	p := parts(t, good)
	for i := range 20 {
		forged := b64(map[string]string{"alg": "RS256", "kid": fmt.Sprintf("made-up-%d", i)}) + "." + p[1] + "." + p[2]
		if _, err := res.Token(context.Background(), forged); err == nil {
			t.Fatal("a token with a made-up key ID verified")
		}
	}
	if n := ct.hits["/keys"]; n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
	if _, err := res.Token(context.Background(), good); err != nil {
		t.Errorf("the good token after the flood: %v", err)
	}
}

// The authenticator asks for the policy in force on every request, so a
// reloaded policy's agents and issuers apply at once.
func TestFollowsThePolicyInForce(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, f.op, "ci-bot", "ci-secret")
	var (
		mu  sync.Mutex
		cur = f.policy
	)
	res := identity.New(func() *policy.Policy { mu.Lock(); defer mu.Unlock(); return cur }, identity.Options{})
	if id, err := res.Token(context.Background(), tok); err != nil || id.Agent.Name != "ci-bot" {
		t.Fatalf("before: %v %v", id, err)
	}
	reloaded, err := policy.Parse([]byte(fmt.Sprintf("identity:\n  oauth:\n    resource: %s\n    issuers: [{issuer: %s}]\nagents:\n  renamed:\n    match: {clientId: ci-bot}\n", resource, f.op.Issuer)), "policy.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	cur = reloaded
	mu.Unlock()
	id, err := res.Token(context.Background(), tok)
	if err != nil || id.Agent.Name != "renamed" || id.Agent != reloaded.Agent("renamed") {
		t.Fatalf("after reload: %v %v", id, err)
	}
}

// oauthOnly makes the provider look like an OAuth-only authorization server:
// OpenID Connect discovery answers 404, and its metadata (the same issuer and
// jwks_uri) is served at the RFC 8414 path instead, which zitadel's provider
// does not route itself.
type oauthOnly struct{ hits *countingTransport }

func (b oauthOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	b.hits.mu.Lock()
	b.hits.hits[r.URL.Path]++
	b.hits.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		return &http.Response{StatusCode: http.StatusNotFound, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	case "/.well-known/oauth-authorization-server":
		r = r.Clone(r.Context())
		r.URL.Path = "/.well-known/openid-configuration"
	}
	return http.DefaultTransport.RoundTrip(r)
}

// An issuer without OpenID Connect discovery is found by its RFC 8414
// authorization server metadata.
func TestRFC8414Discovery(t *testing.T) {
	f := newFixture(t)
	ct := &countingTransport{hits: map[string]int{}}
	res := identity.New(identity.Fixed(f.policy), identity.Options{HTTPClient: &http.Client{Transport: oauthOnly{ct}}})
	id, err := res.Token(context.Background(), f.token(t, f.op, "ci-bot", "ci-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if id.Agent.Name != "ci-bot" || ct.hits["/.well-known/oauth-authorization-server"] != 1 {
		t.Fatalf("agent %s, fetches %v", id.Agent.Name, ct.hits)
	}
}

// The allow-list is asymmetric algorithms, not RS256 alone: issuers signing
// with ES256 or EdDSA are accepted.
func TestOtherAllowedAlgorithms(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			o, err := testop.Start(testop.Config{Clients: agentClients(), Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = o.Close() })
			p, err := policy.Parse([]byte(fmt.Sprintf("identity:\n  oauth:\n    resource: %s\n    issuers: [{issuer: %s}]\nagents:\n  ci-bot:\n    match: {clientId: ci-bot}\n", resource, o.Issuer)), "policy.yaml", policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := o.ClientCredentials(context.Background(), "ci-bot", "ci-secret")
			if err != nil {
				t.Fatal(err)
			}
			if h := parts(t, tok)[0]; !strings.Contains(decodeB64(t, h), `"alg":"`+alg+`"`) {
				t.Fatalf("header %s", decodeB64(t, h))
			}
			id, err := identity.New(identity.Fixed(p), identity.Options{}).Token(context.Background(), tok)
			if err != nil || id.Agent.Name != "ci-bot" {
				t.Fatalf("%v %v", id, err)
			}
		})
	}
}

func decodeB64(t *testing.T, s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
