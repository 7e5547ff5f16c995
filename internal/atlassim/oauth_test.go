package atlassim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func postForm(t *testing.T, url, user, pass, form string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(form))
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("not JSON: %s", raw)
		}
	}
	return res.StatusCode, m, res.Header
}

func TestOAuthTokenFlow(t *testing.T) {
	h := newHarness(t, Options{Seed: true, TokenTTL: 90 * time.Second})
	tokenURL := h.srv.URL + "/api/oauth/token"

	t.Run("wrong secret is invalid_client", func(t *testing.T) {
		status, body, hdr := postForm(t, tokenURL, DemoClientID, "nope", "grant_type=client_credentials")
		if status != 401 || body["error"] != "invalid_client" {
			t.Fatalf("got %d %v", status, body)
		}
		if hdr.Get("Www-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
	t.Run("wrong grant type", func(t *testing.T) {
		status, body, _ := postForm(t, tokenURL, DemoClientID, DemoClientSecret, "grant_type=password")
		if status != 400 || body["error"] != "unsupported_grant_type" {
			t.Fatalf("got %d %v", status, body)
		}
	})
	if n := h.sim.TokenRequests(); n != 0 {
		t.Fatalf("failed token requests counted: %d", n)
	}

	status, body, hdr := postForm(t, tokenURL, DemoClientID, DemoClientSecret, "grant_type=client_credentials")
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(90) {
		t.Fatalf("token answer %v; want Bearer, expires_in 90 (TokenTTL)", body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	tok, _ := body["access_token"].(string)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not JWT-shaped: %q", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !strings.Contains(string(payload), `"sub":"`+DemoClientID+`"`) {
		t.Errorf("JWT payload %s (%v) does not name the client", payload, err)
	}
	if n := h.sim.TokenRequests(); n != 1 {
		t.Fatalf("TokenRequests = %d, want 1", n)
	}

	bearer := withAuth("Bearer " + tok)
	h.must(200, "GET", "/orgs", nil, bearer)

	// Tokens last TokenTTL on the simulator's clock.
	h.clock.Advance(89 * time.Second)
	h.must(200, "GET", "/orgs", nil, bearer)
	h.clock.Advance(time.Second)
	r := h.must(401, "GET", "/orgs", nil, bearer)
	if !strings.Contains(r.header.Get("Www-Authenticate"), "invalid_token") {
		t.Errorf("expired bearer: WWW-Authenticate %q", r.header.Get("Www-Authenticate"))
	}

	// ExpireTokens kills every token issued so far, and only those.
	_, body, _ = postForm(t, tokenURL, DemoClientID, DemoClientSecret, "grant_type=client_credentials")
	fresh := withAuth("Bearer " + body["access_token"].(string))
	h.must(200, "GET", "/orgs", nil, fresh)
	h.sim.ExpireTokens()
	h.must(401, "GET", "/orgs", nil, fresh)
	_, body, _ = postForm(t, tokenURL, DemoClientID, DemoClientSecret, "grant_type=client_credentials")
	after := withAuth("Bearer " + body["access_token"].(string))
	h.must(200, "GET", "/orgs", nil, after)

	// Revocation: 200, and the token stops working.
	status, _, _ = postForm(t, h.srv.URL+"/api/oauth/revoke", DemoClientID, DemoClientSecret,
		"token="+body["access_token"].(string)+"&token_type_hint=access_token")
	if status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	h.must(401, "GET", "/orgs", nil, after)
	if status, _, _ := postForm(t, h.srv.URL+"/api/oauth/revoke", DemoClientID, "bad", "token=x"); status != 401 {
		t.Fatalf("revoke with bad credentials: %d", status)
	}

	// Client credentials in the form body work too (client_secret_post).
	status, _, _ = postForm(t, tokenURL, "", "", "grant_type=client_credentials&client_id="+DemoClientID+"&client_secret="+DemoClientSecret)
	if status != 200 {
		t.Fatalf("client_secret_post: %d", status)
	}
	if n := h.sim.TokenRequests(); n != 4 {
		t.Fatalf("TokenRequests = %d, want 4", n)
	}
	// The log tells how each request authenticated.
	var auths []string
	for _, lr := range h.sim.Requests() {
		if lr.Path == "/api/oauth/token" {
			auths = append(auths, lr.Auth)
		}
	}
	if want := "basic basic basic basic basic none"; strings.Join(auths, " ") != want {
		t.Errorf("token requests logged with auth %v, want %s", auths, want)
	}
}

func TestServiceAccountsOption(t *testing.T) {
	h := newHarness(t, Options{ServiceAccounts: map[string]string{"mdb_sa_id_x": "mdb_sa_sk_x"}})
	if status, _, _ := postForm(t, h.srv.URL+"/api/oauth/token", DemoClientID, DemoClientSecret, "grant_type=client_credentials"); status != 401 {
		t.Fatalf("default service account still accepted when ServiceAccounts is set: %d", status)
	}
	h.tok = h.fetchToken("mdb_sa_id_x", "mdb_sa_sk_x")
	h.must(200, "GET", "/orgs", nil)
}
