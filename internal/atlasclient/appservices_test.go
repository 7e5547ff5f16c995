package atlasclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	testPublicKey  = "pubkeyabc"
	testPrivateKey = "00000000-priv-ate0-key0-secretsecret"
)

// fakeAppServices is a small App Services Admin API: login, session refresh,
// and one list endpoint, with switches to expire access tokens and revoke
// refresh tokens.
type fakeAppServices struct {
	mu        sync.Mutex
	gen       int
	access    map[string]bool
	refresh   map[string]bool
	logins    int
	refreshes int
	apiCalls  int
}

func newFakeAppServices() *fakeAppServices {
	return &fakeAppServices{access: map[string]bool{}, refresh: map[string]bool{}}
}

func (f *fakeAppServices) counts() (logins, refreshes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.refreshes
}

func (f *fakeAppServices) expireAccess() {
	f.mu.Lock()
	f.access = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakeAppServices) revokeRefresh() {
	f.mu.Lock()
	f.refresh = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakeAppServices) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	const prefix = "/api/admin/v3.0"
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	deny := func() {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid session","error_code":"InvalidSession"}`))
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == prefix+appServicesLoginPath:
		var in struct{ Username, APIKey string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Username != testPublicKey || in.APIKey != testPrivateKey {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid username/password","error_code":"InvalidPassword"}`))
			return
		}
		f.logins++
		f.gen++
		a, rt := fmt.Sprintf("access-%d", f.gen), fmt.Sprintf("refresh-%d", f.gen)
		f.access[a], f.refresh[rt] = true, true
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": a, "refresh_token": rt, "user_id": "u", "device_id": "d"})
	case r.Method == http.MethodPost && r.URL.Path == prefix+appServicesSessionPath:
		if !f.refresh[bearer] {
			deny()
			return
		}
		f.refreshes++
		f.gen++
		a := fmt.Sprintf("access-%d", f.gen)
		f.access[a] = true
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": a})
	case strings.HasPrefix(r.URL.Path, prefix+"/groups/"):
		if !f.access[bearer] {
			deny()
			return
		}
		if r.Header.Get("Accept") != "application/json" {
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		f.apiCalls++
		if strings.HasSuffix(r.URL.Path, "/apps/missing") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"app not found: 'missing'","error_code":"AppNotFound"}`))
			return
		}
		_, _ = w.Write([]byte(`[{"_id":"5997529e46224c6e42gb6dd9","name":"myapp"}]`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestAppServicesSession(t *testing.T) {
	fake := newFakeAppServices()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	core, logs := observer.New(zapcore.DebugLevel)
	c, err := New(Config{
		BaseURL:            srv.URL,
		AppServicesBaseURL: srv.URL + "/api/admin/v3.0",
		Credentials:        Credentials{PublicKey: testPublicKey, PrivateKey: testPrivateKey},
		Logger:             zap.New(core),
		// 401 retries spend bucket tokens too; the default 100/min would make
		// this test wait for refills.
		Limits: map[string]Limit{SetAppServices: {}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasAppServicesCredentials() {
		t.Fatal("API key should enable App Services")
	}
	ctx := context.Background()
	list := &Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps", Params: map[string]string{"groupId": testGroup}}
	call := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var apps []struct {
					ID string `json:"_id"`
				}
				if _, err := c.Do(ctx, list, &apps); err != nil {
					errs <- err
				} else if len(apps) != 1 {
					errs <- fmt.Errorf("got %d apps", len(apps))
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name                      string
		before                    func()
		wantLogins, wantRefreshes int
	}{
		{"first calls log in once", func() {}, 1, 0},
		{"expired access token costs one refresh", fake.expireAccess, 1, 1},
		{"revoked refresh token costs one login", func() { fake.expireAccess(); fake.revokeRefresh() }, 2, 1},
		{"steady state costs nothing", func() {}, 2, 1},
	}
	for _, s := range steps {
		s.before()
		call(20)
		if l, r := fake.counts(); l != s.wantLogins || r != s.wantRefreshes {
			t.Fatalf("%s: logins %d refreshes %d, want %d %d", s.name, l, r, s.wantLogins, s.wantRefreshes)
		}
	}

	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps/{appId}",
		Params: map[string]string{"groupId": testGroup, "appId": "missing"}}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.ErrorCode != "AppNotFound" || ae.Detail != "app not found: 'missing'" {
		t.Fatalf("err = %#v", err)
	}
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		for _, secret := range []string{testPrivateKey, "access-", "refresh-"} {
			if strings.Contains(line, secret) {
				t.Fatalf("log line %q contains %q", line, secret)
			}
		}
	}
	if len(logs.All()) == 0 {
		t.Fatal("expected debug logs to check")
	}
}

func TestAppServicesNeedsAPIKey(t *testing.T) {
	srv := httptest.NewServer(tokenHandler(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected API request %s", r.URL.Path)
	}))
	defer srv.Close()
	var events []Event
	c := newSAClient(t, srv.URL, func(c *Config) {
		c.AppServicesBaseURL = srv.URL + "/api/admin/v3.0"
		c.Hook = func(e Event) { events = append(events, e) }
	})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps", Params: map[string]string{"groupId": testGroup}}, nil)
	if !errors.Is(err, ErrNoAppServicesCredentials) {
		t.Fatalf("err = %v", err)
	}
	for _, v := range []string{"MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY"} {
		if !strings.Contains(err.Error(), v) {
			t.Fatalf("error %q does not name %s", err, v)
		}
	}
	if len(events) != 1 || events[0].Attempts != 0 {
		t.Fatalf("events %+v", events)
	}
}

func TestAppServicesBadKey(t *testing.T) {
	srv := httptest.NewServer(newFakeAppServices())
	defer srv.Close()
	c, err := New(Config{
		BaseURL:            srv.URL,
		AppServicesBaseURL: srv.URL + "/api/admin/v3.0",
		Credentials:        Credentials{PublicKey: testPublicKey, PrivateKey: "wrong-private-key"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps", Params: map[string]string{"groupId": testGroup}}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Hint, "MONGODB_ATLAS_PRIVATE_API_KEY") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-private-key") {
		t.Fatal("key in error")
	}
}
