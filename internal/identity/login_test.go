package identity

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
)

type loginFixture struct {
	op      *testop.OP
	console *httptest.Server
	login   *OIDCLogin
	people  chan Person
}

func newLoginFixture(t *testing.T) *loginFixture {
	t.Helper()
	f := &loginFixture{people: make(chan Person, 4)}
	mux := http.NewServeMux()
	f.console = httptest.NewServer(mux)
	t.Cleanup(f.console.Close)
	op, err := testop.Start(testop.Config{
		Clients: []testop.Client{
			{ID: "console", Secret: "console-secret", Redirects: []string{f.console.URL + "/callback"}},
			{ID: "agent", Secret: "agent-secret", Audience: []string{"http://127.0.0.1:8080/mcp"}},
		},
		User: testop.User{Subject: "alice", Groups: []string{"approvers", "sre"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	f.op = op
	f.login, err = NewOIDCLogin(context.Background(), LoginConfig{
		Issuer: op.Issuer, ClientID: "console", ClientSecret: "console-secret",
		RedirectURL: f.console.URL + "/callback",
		Scopes:      []string{"profile", "groups"},
		OnLogin: func(w http.ResponseWriter, r *http.Request, p Person, next string) {
			f.people <- p
			fmt.Fprintf(w, "signed in %s %v -> %s", p.Subject, p.Groups, next)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/login", f.login.LoginHandler())
	mux.Handle("/callback", f.login.CallbackHandler())
	return f
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, u string) (int, string, *http.Request) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Request
}

func TestOIDCLoginCodeFlow(t *testing.T) {
	f := newLoginFixture(t)
	b := browser(t)
	code, body, last := get(t, b, f.console.URL+"/login?next=/approvals/42")
	if code != http.StatusOK || body != "signed in alice [approvers sre] -> /approvals/42" {
		t.Fatalf("%d %q", code, body)
	}
	p := <-f.people
	if p.Issuer != f.op.Issuer || p.Subject != "alice" {
		t.Errorf("person = %+v", p)
	}

	// The callback URL (code and state) works once.
	if code, _, _ := get(t, b, last.URL.String()); code != http.StatusBadRequest {
		t.Errorf("replayed callback: %d, want 400", code)
	}
	// A state lifted from another browser's redirect is refused: no cookie.
	noFollow := browser(t)
	noFollow.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), f.console.URL+"/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := noFollow.Get(f.console.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stolen := resp.Header.Get("Location")
	if !strings.Contains(stolen, "state=") {
		t.Fatalf("no callback redirect: %d %q", resp.StatusCode, stolen)
	}
	if code, _, _ := get(t, browser(t), stolen); code != http.StatusBadRequest {
		t.Errorf("callback in another browser: %d, want 400", code)
	}
	if code, _, _ := get(t, b, f.console.URL+"/login?next=https://evil.example/"); code != http.StatusOK {
		t.Fatalf("second login: %d", code)
	} else if p := <-f.people; p.Subject != "alice" {
		t.Fatal(p)
	}
}

// An agent's access token is never an approver's session: the login has no
// way in for a token a caller brings, and its ID token check refuses access
// tokens (wrong audience; no nonce even when the audience is the console's).
func TestOIDCLoginRefusesAccessTokens(t *testing.T) {
	f := newLoginFixture(t)
	ctx := context.Background()
	agentTok, err := f.op.ClientCredentials(ctx, "agent", "agent-secret")
	if err != nil {
		t.Fatal(err)
	}
	consoleTok, err := f.op.ClientCredentials(ctx, "console", "console-secret")
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"agent's access token": agentTok, "access token for the console's client": consoleTok} {
		if _, err := f.login.verifyIDToken(ctx, tok, "any-nonce"); err == nil {
			t.Errorf("%s accepted as an ID token", name)
		}
		req, _ := http.NewRequest(http.MethodGet, f.console.URL+"/callback?id_token="+tok+"&access_token="+tok, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s at the callback: %d, want 400", name, resp.StatusCode)
		}
	}
	select {
	case p := <-f.people:
		t.Fatalf("signed in %+v", p)
	default:
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/a/b?c=1": "/a/b?c=1", "": "/", "https://evil.example": "/", "//evil.example": "/", "/\\evil.example": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
