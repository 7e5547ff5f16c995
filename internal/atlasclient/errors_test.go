package atlasclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClientID     = "mdb_sa_id_test"
	testClientSecret = "mdb_sa_sk_supersecret"
	testToken        = "tok-eyJhbGciOi-secret"
)

// tokenHandler answers the service-account token endpoint (checking Basic
// auth) and hands everything else to api.
func tokenHandler(api http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			id, sec, ok := r.BasicAuth()
			if !ok || id != testClientID || sec != testClientSecret {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad client"}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"` + testToken + `","token_type":"Bearer","expires_in":3600}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		api(w, r)
	})
}

func newSAClient(t *testing.T, url string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:        url,
		Credentials:    Credentials{ClientID: testClientID, ClientSecret: testClientSecret},
		RetryBaseDelay: time.Millisecond,
		RetryMaxDelay:  5 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func getCluster(name string) *Request {
	return &Request{Method: http.MethodGet, Template: "/groups/{groupId}/clusters/{clusterName}",
		Params: map[string]string{"groupId": testGroup, "clusterName": name}}
}

func TestAPIErrorMapping(t *testing.T) {
	tests := []struct {
		name          string
		method        string
		status        int
		body          string
		header        map[string]string
		wantCode      string
		wantRetryable bool
		wantHint      string
		wantRetry     time.Duration
	}{
		{name: "400 detail", status: 400, body: `{"detail":"name is invalid","error":400,"errorCode":"CLUSTER_NAME_INVALID","parameters":["x"],"reason":"Bad Request"}`,
			wantCode: "CLUSTER_NAME_INVALID", wantHint: "name is invalid"},
		{name: "401", status: 401, wantCode: "UNAUTHORIZED", wantHint: "lasts one hour"},
		{name: "403 names permission", method: http.MethodPatch, status: 403, body: `{"error":403,"errorCode":"USER_UNAUTHORIZED"}`,
			wantCode: "USER_UNAUTHORIZED", wantHint: "GROUP_CLUSTER_MANAGER"},
		{name: "404", status: 404, body: `{"error":404,"errorCode":"CLUSTER_NOT_FOUND","detail":"No cluster named x"}`,
			wantCode: "CLUSTER_NOT_FOUND", wantHint: "verify the project ID"},
		{name: "406 names version", status: 406, body: `{"error":406,"errorCode":"INVALID_VERSION_DATE"}`,
			wantCode: "INVALID_VERSION_DATE", wantHint: "application/vnd.atlas.2024-08-05+json"},
		{name: "409 retryable after waiting", method: http.MethodPatch, status: 409, body: `{"error":409,"errorCode":"CANNOT_UPDATE_PAUSED_CLUSTER"}`,
			wantCode: "CANNOT_UPDATE_PAUSED_CLUSTER", wantRetryable: true, wantHint: "IDLE"},
		{name: "429 retry-after", method: http.MethodPatch, status: 429, header: map[string]string{"Retry-After": "120"},
			body: `{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET"}`, wantCode: "RATE_LIMITED_TOKEN_BUCKET", wantRetryable: true, wantRetry: 120 * time.Second, wantHint: "2m0s"},
		{name: "429 parameters", method: http.MethodPatch, status: 429,
			body: `{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/orgs",90,10,5,60]}`, wantCode: "RATE_LIMITED_TOKEN_BUCKET", wantRetryable: true, wantRetry: 90 * time.Second},
		{name: "500 html body", method: http.MethodPatch, status: 500, body: `<html>oops</html>`, wantCode: "UNEXPECTED_ERROR", wantHint: "may or may not"},
		{name: "502 empty GET", status: 502, wantCode: "UNEXPECTED_ERROR", wantRetryable: true, wantHint: "retry later"},
		{name: "redirect is an error", status: 302, header: map[string]string{"Location": "http://127.0.0.1:1/elsewhere"}, wantCode: "FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tokenHandler(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := newSAClient(t, srv.URL, func(c *Config) { c.MaxAttempts = 1 })
			req := getCluster("Cluster0")
			if tt.method == http.MethodPatch {
				req.Method = http.MethodPatch
				req.Body = map[string]any{"paused": false}
			}
			_, err := c.Do(context.Background(), req, nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if ae.Status != tt.status || ae.ErrorCode != tt.wantCode || ae.Retryable != tt.wantRetryable {
				t.Fatalf("got status %d code %q retryable %v; want %d %q %v", ae.Status, ae.ErrorCode, ae.Retryable, tt.status, tt.wantCode, tt.wantRetryable)
			}
			if !strings.Contains(ae.Hint, tt.wantHint) {
				t.Fatalf("hint %q does not contain %q", ae.Hint, tt.wantHint)
			}
			if tt.wantRetry != 0 && ae.RetryAfter != tt.wantRetry {
				t.Fatalf("RetryAfter = %v, want %v", ae.RetryAfter, tt.wantRetry)
			}
			if ae.Path != "/api/atlas/v2/groups/"+testGroup+"/clusters/Cluster0" || ae.Method != req.Method {
				t.Fatalf("method/path = %s %s", ae.Method, ae.Path)
			}
			for _, secret := range []string{testClientSecret, testToken, srv.URL} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error text %q contains %q", err, secret)
				}
			}
		})
	}
}

func TestTokenRefusedNamesEnvVars(t *testing.T) {
	srv := httptest.NewServer(tokenHandler(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := newSAClient(t, srv.URL, func(c *Config) { c.Credentials.ClientSecret = "wrong-secret-value" })
	_, err := c.Do(context.Background(), getCluster("c"), nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Path != tokenPath {
		t.Fatalf("err = %v, want 401 APIError for the token endpoint", err)
	}
	if ae.ErrorCode != "invalid_client" || !strings.Contains(ae.Hint, "MONGODB_ATLAS_CLIENT_SECRET") {
		t.Fatalf("code %q hint %q", ae.ErrorCode, ae.Hint)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatal("secret in error")
	}
}

func TestSuccessBodyDecodesAndHookSeesOneEvent(t *testing.T) {
	srv := httptest.NewServer(tokenHandler(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); got != "application/vnd.atlas.2024-10-23+json" {
			t.Errorf("Accept = %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/vnd.atlas.2024-10-23+json" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != "atlas-mcp/test" {
			t.Errorf("User-Agent = %q", got)
		}
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"name": in["name"], "stateName": "CREATING"})
	}))
	defer srv.Close()
	var events []Event
	var calls atomic.Int32
	c := newSAClient(t, srv.URL, func(c *Config) {
		c.UserAgent = "atlas-mcp/test"
		c.Hook = func(e Event) { calls.Add(1); events = append(events, e) }
	})
	rec := NewRecorder()
	ctx := WithRecorder(context.Background(), rec)
	var out struct{ Name, StateName string }
	resp, err := c.Do(ctx, &Request{Method: http.MethodPost, Template: "/groups/{groupId}/clusters",
		Params: map[string]string{"groupId": testGroup}, Body: map[string]any{"name": "c1"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || out.Name != "c1" || out.StateName != "CREATING" || resp.Attempts != 1 {
		t.Fatalf("resp %+v out %+v", resp, out)
	}
	if calls.Load() != 1 || len(rec.Events()) != 1 {
		t.Fatalf("hook called %d times, recorder has %d events", calls.Load(), len(rec.Events()))
	}
	ev := rec.Events()[0]
	if ev.Method != http.MethodPost || ev.Path != "/api/atlas/v2/groups/"+testGroup+"/clusters" || ev.Status != 201 || ev.Attempts != 1 || ev.Err != nil {
		t.Fatalf("event %+v", ev)
	}
}
