package approvals

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func newConsole(t *testing.T, n *Notifier) (*Service, *httptest.Server) {
	t.Helper()
	st, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var srv *httptest.Server
	mux := http.NewServeMux()
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	svc := NewService(Options{Store: st, ConsoleURL: srv.URL + "/approvals", Notifier: n})
	c := NewConsole(svc, testPolicy(t), "/approvals")
	mux.Handle("/approvals", c)
	mux.Handle("/approvals/", c)
	return svc, srv
}

func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func TestConsole(t *testing.T) {
	svc, srv := newConsole(t, nil)
	ctx := context.Background()
	req, _ := svc.Submit(ctx, newRequest(1))

	t.Run("headers against framing and sniffing", func(t *testing.T) {
		r, err := http.Get(srv.URL + "/approvals/")
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, r)
		if r.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("headers %v", r.Header)
		}
		if !strings.Contains(b, "Approver token") {
			t.Fatalf("no sign-in form: %s", b)
		}
	})

	t.Run("an agent's token is refused", func(t *testing.T) {
		c := browser(t)
		r, _ := c.PostForm(srv.URL+"/approvals/login", url.Values{"token": {agentToken}})
		if b := body(t, r); r.StatusCode != http.StatusForbidden || !strings.Contains(b, "Agents cannot approve") {
			t.Fatalf("%d %s", r.StatusCode, b)
		}
		api, _ := http.NewRequest(http.MethodPost, srv.URL+"/approvals/api/requests/"+req.ID+"/approve", nil)
		api.Header.Set("Authorization", "Bearer "+agentToken)
		resp, _ := http.DefaultClient.Do(api)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("API with agent token: %d", resp.StatusCode)
		}
		got, _ := svc.Get(ctx, req.ID)
		if got.Status != StatusPending {
			t.Fatal("an agent token changed the request")
		}
	})

	t.Run("sign in, see, approve with CSRF", func(t *testing.T) {
		c := browser(t)
		r, _ := c.PostForm(srv.URL+"/approvals/login", url.Values{"token": {aliceToken}})
		page := body(t, r)
		if !strings.Contains(page, "Signed in as <strong>alice</strong>") || !strings.Contains(page, "Delete cluster prod") {
			t.Fatalf("index: %s", page)
		}
		u, _ := url.Parse(srv.URL + "/approvals")
		cookies := c.Jar.Cookies(u)
		if len(cookies) != 1 {
			t.Fatalf("cookies %v", cookies)
		}
		r, _ = c.Get(srv.URL + "/approvals/" + req.ID)
		page = body(t, r)
		if !strings.Contains(page, "permanently delete cluster &#34;prod&#34;") {
			t.Fatalf("detail: %s", page)
		}
		csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
		if csrf == nil {
			t.Fatal("no csrf token")
		}
		r, _ = c.PostForm(srv.URL+"/approvals/"+req.ID+"/decide", url.Values{"decision": {"approve"}, "csrf": {"wrong"}})
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("wrong csrf: %d", r.StatusCode)
		}
		// A cross-site post is refused even with the right token.
		x, _ := http.NewRequest(http.MethodPost, srv.URL+"/approvals/"+req.ID+"/decide", strings.NewReader(url.Values{"decision": {"approve"}, "csrf": {csrf[1]}}.Encode()))
		x.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		x.Header.Set("Origin", "https://evil.example")
		r, _ = c.Do(x)
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site: %d", r.StatusCode)
		}
		r, _ = c.PostForm(srv.URL+"/approvals/"+req.ID+"/decide", url.Values{"decision": {"approve"}, "csrf": {csrf[1]}, "reason": {"checked"}})
		if page := body(t, r); !strings.Contains(page, "Recorded.") || !strings.Contains(page, "alice</b> approved") {
			t.Fatalf("after approve: %s", page)
		}
	})

	t.Run("JSON API with an approver token", func(t *testing.T) {
		r2, _ := svc.Submit(ctx, newRequest(1))
		do := func(method, path, tok, body string) (*http.Response, map[string]any) {
			rq, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			rq.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			return resp, m
		}
		resp, m := do("GET", "/approvals/api/requests?status=pending", bobToken, "")
		if resp.StatusCode != 200 || len(m["requests"].([]any)) != 1 {
			t.Fatalf("list: %d %v", resp.StatusCode, m)
		}
		resp, _ = do("POST", "/approvals/api/requests/"+r2.ID+"/deny", bobToken, `{}`)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("deny without reason: %d", resp.StatusCode)
		}
		resp, m = do("POST", "/approvals/api/requests/"+r2.ID+"/deny", bobToken, `{"reason":"wrong cluster"}`)
		if resp.StatusCode != 200 || m["status"] != "denied" {
			t.Fatalf("deny: %d %v", resp.StatusCode, m)
		}
		resp, _ = do("GET", "/approvals/api/requests", "nobody-knows-this-token", "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unknown token: %d", resp.StatusCode)
		}
	})
}

func TestWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
	}))
	defer hook.Close()
	for _, format := range []string{"slack", "generic"} {
		t.Run(format, func(t *testing.T) {
			mu.Lock()
			bodies = nil
			mu.Unlock()
			svc, _ := newConsole(t, &Notifier{URL: hook.URL, Format: format})
			ctx := context.Background()
			p := testPolicy(t)
			n := newRequest(1)
			n.Plan = []byte(`{"password":"hunter2-secret"}`)
			r, _ := svc.Submit(ctx, n)
			_, _ = svc.Decide(ctx, r.ID, p.ApproverByToken(aliceToken), false, "not now")
			r2, _ := svc.Submit(ctx, n)
			_, _ = svc.Decide(ctx, r2.ID, p.ApproverByToken(aliceToken), true, "")
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != 4 {
				t.Fatalf("%d webhook calls, want 4 (new, denied, new, approved)", len(bodies))
			}
			all, _ := json.Marshal(bodies)
			if strings.Contains(string(all), "hunter2") {
				t.Fatal("the plan's secret reached the webhook")
			}
			if format == "slack" {
				text, _ := bodies[0]["text"].(string)
				if !strings.Contains(text, "Approval needed") || !strings.Contains(text, svc.URL(r.ID)) {
					t.Fatalf("slack text %q", text)
				}
				if text, _ := bodies[1]["text"].(string); !strings.Contains(text, "not now") {
					t.Fatalf("denied text %q", text)
				}
			} else if bodies[3]["event"] != "approved" || bodies[0]["url"] != svc.URL(r.ID) || bodies[1]["reason"] != "not now" {
				t.Fatalf("generic %v", bodies)
			}
		})
	}
}
