package approvals

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// ssoFixture is a console whose approvers sign in with a real OpenID
// provider (the zitadel OP of testop) on loopback.
type ssoFixture struct {
	op  *testop.OP
	p   *policy.Policy
	svc *Service
	srv *httptest.Server
}

func newSSOConsole(t *testing.T) *ssoFixture {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	op, err := testop.Start(testop.Config{
		Clients: []testop.Client{
			{ID: "console", Secret: "console-secret", Redirects: []string{srv.URL + "/approvals/sso/callback"}},
			{ID: "agent", Secret: "agent-secret", Audience: []string{"http://127.0.0.1:8080/mcp"}, Groups: []string{"sre-leads"}},
		},
		User: testop.User{Subject: "lee", Name: "Lee Ortiz", Groups: []string{"dev", "sre-leads"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	src := `
identity:
  oauth:
    resource: http://127.0.0.1:8080/mcp
    issuers: [{issuer: ` + op.Issuer + `}]
    console:
      clientId: console
      clientSecret: console-secret
      redirectURL: ` + srv.URL + `/approvals/sso/callback
agents:
  bot:
    tokenSha256: ` + hash(agentToken) + `
    grants: [{area: '*', access: [read, write]}]
  oauth-bot:
    match: {clientId: agent}
    grants: [{area: '*', access: [read, write]}]
approvers:
  alice:
    tokenSha256: ` + hash(aliceToken) + `
  dana:
    match: {subject: dana}
  sre-leads:
    match: {group: sre-leads}
    areas: [clusters]
`
	p, err := policy.Parse([]byte(src), "policy.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := NewService(Options{Store: st, ConsoleURL: srv.URL + "/approvals"})
	c := NewConsole(svc, p, "/approvals")
	oc := p.OAuth().Console
	sso, err := NewSSO(context.Background(), SSOConfig{Issuer: oc.Issuer, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, RedirectURL: oc.RedirectURL, GroupsClaim: oc.GroupsClaim})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UseSSO(sso); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/approvals/", c)
	return &ssoFixture{op: op, p: p, svc: svc, srv: srv}
}

// signIn runs the whole code flow in a browser-like client and returns the
// page the callback answered.
func (f *ssoFixture) signIn(t *testing.T, c *http.Client, next string) (int, string) {
	t.Helper()
	u := f.srv.URL + "/approvals/sso/login"
	if next != "" {
		u += "?next=" + next
	}
	r, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return r.StatusCode, body(t, r)
}

// callbackURL runs the flow up to the redirect back to the console and
// returns that URL (code and state) without following it.
func (f *ssoFixture) callbackURL(t *testing.T, c *http.Client) *url.URL {
	t.Helper()
	stop := *c
	stop.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.Contains(req.URL.Path, "/sso/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	r, err := stop.Get(f.srv.URL + "/approvals/sso/login")
	if err != nil {
		t.Fatal(err)
	}
	body(t, r)
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("no callback redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	return u
}

func (f *ssoFixture) page(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	r, err := c.Get(f.srv.URL + "/approvals/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return body(t, r)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (f *ssoFixture) decide(t *testing.T, c *http.Client, id, decision string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(f.page(t, c, id))
	if m == nil {
		t.Fatal("no CSRF token on the request page: not signed in")
	}
	r, err := c.PostForm(f.srv.URL+"/approvals/"+id+"/decide", url.Values{"decision": {decision}, "csrf": {m[1]}, "reason": {"checked with " + decision}})
	if err != nil {
		t.Fatal(err)
	}
	return body(t, r)
}

func TestSSOSignInByGroupAndTwoPeople(t *testing.T) {
	f := newSSOConsole(t)
	ctx := context.Background()
	req, _ := f.svc.Submit(ctx, newRequest(2))

	if p := f.page(t, browser(t), ""); !strings.Contains(p, "Sign in with "+f.op.Issuer) || !strings.Contains(p, "Approver token") {
		t.Fatalf("sign-in page offers no SSO beside the token form:\n%s", p)
	}
	lee := browser(t)
	code, page := f.signIn(t, lee, req.ID)
	if code != http.StatusOK || !strings.Contains(page, "Signed in as approver <strong>sre-leads</strong>") || !strings.Contains(page, "approvers.sre-leads.match {group: sre-leads}") || !strings.Contains(page, "lee") {
		t.Fatalf("%d\n%s", code, page)
	}
	if !strings.Contains(page, `url=/approvals/`+req.ID) {
		t.Fatalf("does not continue to the request: %s", page)
	}
	p := f.page(t, lee, req.ID)
	if !strings.Contains(p, "Lee Ortiz, subject lee, groups dev, sre-leads") || !strings.Contains(p, "(by approvers.sre-leads.match)") || !strings.Contains(p, "Delete cluster prod") {
		t.Fatalf("the request page does not say who is signed in:\n%s", p)
	}
	f.decide(t, lee, req.ID, "approve")
	got, _ := f.svc.Get(ctx, req.ID)
	if got.Approvals() != 1 {
		t.Fatalf("approvals %d", got.Approvals())
	}
	d := got.Decisions[0]
	if d.Approver != "sre-leads" || d.Rule != "approvers.sre-leads.match" || d.Subject != "lee" || d.Issuer != f.op.Issuer {
		t.Fatalf("decision = %+v", d)
	}
	// The same person again (a new sign-in) does not count twice.
	again := browser(t)
	f.signIn(t, again, "")
	if p := f.page(t, again, req.ID); !strings.Contains(p, "already decided") {
		t.Fatalf("lee may decide twice:\n%s", p)
	}
	leads, _ := f.p.ApproverByClaims(policy.Claims{Issuer: f.op.Issuer, Subject: "lee", Groups: []string{"sre-leads"}})
	if _, err := f.svc.DecideAs(ctx, req.ID, Decider{Approver: leads, Rule: d.Rule, Issuer: d.Issuer, Subject: "lee"}, true, ""); err == nil {
		t.Fatal("lee decided twice")
	}
	// Another member of the group is another person: the two-person rule
	// is met.
	f.op.SetUser(testop.User{Subject: "kim", Groups: []string{"sre-leads"}})
	kim := browser(t)
	if code, page := f.signIn(t, kim, ""); code != http.StatusOK || !strings.Contains(page, "kim") {
		t.Fatalf("%d %s", code, page)
	}
	f.decide(t, kim, req.ID, "approve")
	got, _ = f.svc.Get(ctx, req.ID)
	if got.Status != StatusApproved || got.Decisions[1].Subject != "kim" {
		t.Fatalf("status %s decisions %+v", got.Status, got.Decisions)
	}
	if p := f.page(t, kim, req.ID); !strings.Contains(p, "<b>sre-leads</b> (lee) approved") || !strings.Contains(p, "<b>sre-leads</b> (kim) approved") {
		t.Fatalf("the decisions do not name the people:\n%s", p)
	}
}

func TestSSOSignInBySubject(t *testing.T) {
	f := newSSOConsole(t)
	ctx := context.Background()
	// dana is matched by subject; being in no approver group does not matter.
	f.op.SetUser(testop.User{Subject: "dana", Groups: []string{"dev"}})
	req, _ := f.svc.Submit(ctx, newRequest(1))
	dana := browser(t)
	if code, page := f.signIn(t, dana, ""); code != http.StatusOK || !strings.Contains(page, "approvers.dana.match {subject: dana}") {
		t.Fatalf("%d %s", code, page)
	}
	f.decide(t, dana, req.ID, "approve")
	got, _ := f.svc.Get(ctx, req.ID)
	if got.Status != StatusApproved || got.Decisions[0].Approver != "dana" || got.Decisions[0].Rule != "approvers.dana.match" || got.Decisions[0].Subject != "dana" {
		t.Fatalf("%s %+v", got.Status, got.Decisions)
	}
	// The JSON API, with the session and its CSRF token, says who this is.
	r, _ := dana.Get(f.srv.URL + "/approvals/api/whoami")
	if b := body(t, r); !strings.Contains(b, `"subject": "dana"`) || !strings.Contains(b, `"rule": "approvers.dana.match"`) {
		t.Fatalf("whoami: %s", b)
	}
}

func TestSSOPersonInNoApproverGroupRefused(t *testing.T) {
	f := newSSOConsole(t)
	req, _ := f.svc.Submit(context.Background(), newRequest(1))
	f.op.SetUser(testop.User{Subject: "sam", Groups: []string{"dev", "marketing"}})
	c := browser(t)
	code, page := f.signIn(t, c, req.ID)
	if code != http.StatusForbidden || !strings.Contains(page, "no approver of this server") || !strings.Contains(page, "sam") || !strings.Contains(page, "marketing") {
		t.Fatalf("%d\n%s", code, page)
	}
	if p := f.page(t, c, req.ID); !strings.Contains(p, "Approver token") || strings.Contains(p, "Delete cluster prod") {
		t.Fatalf("a refused person got a session:\n%s", p)
	}
	r, _ := c.Get(f.srv.URL + "/approvals/api/requests")
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API after a refused sign-in: %d", r.StatusCode)
	}
	body(t, r)
}

// An agent's OAuth access token (from the same issuer, even with the group
// an approver matches) is never an approver's session: not as a bearer token
// on the API, not as the session cookie, not handed to the callback.
func TestSSOAgentAccessTokenRefused(t *testing.T) {
	f := newSSOConsole(t)
	ctx := context.Background()
	req, _ := f.svc.Submit(ctx, newRequest(1))
	tok, err := f.op.ClientCredentials(ctx, "agent", "agent-secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"api/whoami", "api/requests", "api/requests/" + req.ID + "/approve"} {
		method := http.MethodGet
		if strings.HasSuffix(path, "approve") {
			method = http.MethodPost
		}
		x, _ := http.NewRequest(method, f.srv.URL+"/approvals/"+path, nil)
		x.Header.Set("Authorization", "Bearer "+tok)
		r, err := http.DefaultClient.Do(x)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, r); r.StatusCode != http.StatusUnauthorized || !strings.Contains(b, "not an approver's credential") {
			t.Errorf("%s %s with an access token: %d %s", method, path, r.StatusCode, b)
		}
	}
	x, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/approvals/"+req.ID, nil)
	x.AddCookie(&http.Cookie{Name: cookieName, Value: tok})
	r, _ := http.DefaultClient.Do(x)
	if b := body(t, r); !strings.Contains(b, "Approver token") || strings.Contains(b, "Delete cluster prod") {
		t.Errorf("access token as the session cookie got in:\n%s", b)
	}
	c := browser(t)
	r, _ = c.Get(f.srv.URL + "/approvals/sso/callback?id_token=" + tok + "&access_token=" + tok + "&state=x&code=" + tok)
	if body(t, r); r.StatusCode != http.StatusBadRequest {
		t.Errorf("access token at the callback: %d", r.StatusCode)
	}
	if got, _ := f.svc.Get(ctx, req.ID); got.Status != StatusPending {
		t.Fatalf("status %s", got.Status)
	}
}

// A callback works once (state), only in the browser that started it
// (cookie), and an intercepted code is useless with another browser's state
// (PKCE: the verifier belongs to the login that asked for the code).
func TestSSOStateAndPKCEReplayRefused(t *testing.T) {
	f := newSSOConsole(t)
	victim := browser(t)
	cb := f.callbackURL(t, victim)
	r, _ := victim.Get(cb.String())
	if b := body(t, r); r.StatusCode != http.StatusOK || !strings.Contains(b, "Signed in as approver") {
		t.Fatalf("first use: %d %s", r.StatusCode, b)
	}
	r, _ = victim.Get(cb.String())
	if body(t, r); r.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d, want 400", r.StatusCode)
	}
	r, _ = browser(t).Get(cb.String())
	if body(t, r); r.StatusCode != http.StatusBadRequest {
		t.Errorf("callback in another browser: %d, want 400", r.StatusCode)
	}
	// The attacker starts a login of their own (their state, their cookie,
	// their verifier) and swaps in the victim's fresh code.
	other := browser(t)
	victimCB := f.callbackURL(t, browser(t))
	mine := f.callbackURL(t, other)
	q := mine.Query()
	q.Set("code", victimCB.Query().Get("code"))
	mine.RawQuery = q.Encode()
	r, _ = other.Get(mine.String())
	if b := body(t, r); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a code with another login's state and verifier: %d %s", r.StatusCode, b)
	}
	if p := f.page(t, other, ""); !strings.Contains(p, "Approver token") {
		t.Errorf("the attacker has a session:\n%s", p)
	}
}

func TestSSONotOfferedWithoutMatchApprovers(t *testing.T) {
	_, srv := newConsole(t, nil)
	r, _ := http.Get(srv.URL + "/approvals/")
	if b := body(t, r); strings.Contains(b, "Sign in with") {
		t.Fatal("SSO offered without SSO")
	}
	r, _ = http.Get(srv.URL + "/approvals/sso/login")
	if body(t, r); r.StatusCode != http.StatusNotFound {
		t.Fatalf("sso/login without SSO: %d", r.StatusCode)
	}
}

// The person an OAuth agent acted for does not approve that agent's request,
// even from an approver group: nobody approves their own request.
func TestSSOPersonBehindTheAgentCannotApprove(t *testing.T) {
	f := newSSOConsole(t)
	ctx := context.Background()
	n := newRequest(1)
	n.AgentIssuer, n.AgentSubject = f.op.Issuer, "lee"
	req, _ := f.svc.Submit(ctx, n)
	lee := browser(t)
	f.signIn(t, lee, "")
	if p := f.page(t, lee, req.ID); !strings.Contains(p, "You asked for this call") {
		t.Fatalf("lee may approve the request lee's agent made:\n%s", p)
	}
	leads, _ := f.p.ApproverByClaims(policy.Claims{Issuer: f.op.Issuer, Subject: "lee", Groups: []string{"sre-leads"}})
	if _, err := f.svc.DecideAs(ctx, req.ID, Decider{Approver: leads, Rule: "approvers.sre-leads.match", Issuer: f.op.Issuer, Subject: "lee"}, true, ""); !errors.Is(err, ErrOwnRequest) {
		t.Fatalf("err = %v, want ErrOwnRequest", err)
	}
	f.op.SetUser(testop.User{Subject: "kim", Groups: []string{"sre-leads"}})
	kim := browser(t)
	f.signIn(t, kim, "")
	f.decide(t, kim, req.ID, "approve")
	if got, _ := f.svc.Get(ctx, req.ID); got.Status != StatusApproved {
		t.Fatalf("kim's approval: %s", got.Status)
	}
}

// Replicas over one store: a sign-in started on one console finishes on
// another (the load balancer sent the callback elsewhere), once.
func TestSSOCallbackOnAnotherReplica(t *testing.T) {
	f := newSSOConsole(t)
	// Replica B: same policy, same store, same client — its own process
	// memory. Its SSO keeps started logins in the store, as A's below does.
	mkSSO := func() *SSO {
		oc := f.p.OAuth().Console
		s, err := NewSSO(context.Background(), SSOConfig{Issuer: oc.Issuer, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, RedirectURL: oc.RedirectURL, Store: f.svc.Store()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	serve := func() *httptest.Server {
		c := NewConsole(f.svc, f.p, "/approvals")
		if err := c.UseSSO(mkSSO()); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/approvals/", c)
		ts := httptest.NewServer(mux)
		t.Cleanup(ts.Close)
		return ts
	}
	a, b := serve(), serve()
	start := &ssoFixture{op: f.op, p: f.p, svc: f.svc, srv: a}
	person := browser(t)
	cb := start.callbackURL(t, person)
	// The cookie jar is per host:port; the callback's host is the
	// registered one, so send B the same query with the login cookie.
	login := person.Jar.Cookies(&url.URL{Scheme: "http", Host: cb.Host, Path: "/"})
	onB := func() *http.Response {
		x, _ := http.NewRequest(http.MethodGet, b.URL+cb.Path+"?"+cb.RawQuery, nil)
		for _, c := range login {
			x.AddCookie(c)
		}
		r, err := (&http.Client{}).Do(x)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := onB()
	if page := body(t, r); r.StatusCode != http.StatusOK || !strings.Contains(page, "Signed in as approver") {
		t.Fatalf("callback on B: %d %s", r.StatusCode, page)
	}
	if r := onB(); r.StatusCode != http.StatusBadRequest {
		body(t, r)
		t.Fatalf("replayed on B: %d", r.StatusCode)
	}
}
