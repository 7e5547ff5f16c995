package main

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Docker reads exit status 0 as healthy and 1 as unhealthy (2 is reserved), so
// every unhealthy outcome must be exitError{1}, and bad flags a plain error.
func TestHealthcheckCommand(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}))
	defer ok.Close()
	draining := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	defer draining.Close()
	redirect := httptest.NewServer(http.RedirectHandler(ok.URL+"/healthz", http.StatusFound))
	defer redirect.Close()

	// A port that was just free: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/healthz"
	ln.Close()

	tests := []struct {
		name       string
		args       []string
		wantExit   int // 0 healthy, 1 unhealthy, -1 usage error
		wantStderr string
	}{
		{"healthy", []string{"--url", ok.URL + "/healthz"}, 0, ""},
		{"wrong path is 404", []string{"--url", ok.URL + "/nope"}, 1, "answered 404"},
		{"draining is 503", []string{"--url", draining.URL + "/healthz"}, 1, "answered 503"},
		{"redirect is not healthy", []string{"--url", redirect.URL + "/healthz"}, 1, "answered 302"},
		{"nothing listening", []string{"--url", closed}, 1, "refused"},
		{"not a URL", []string{"--url", "127.0.0.1:8080"}, -1, ""},
		{"stray argument", []string{"--url", ok.URL + "/healthz", "extra"}, -1, ""},
		{"bad timeout", []string{"--url", ok.URL + "/healthz", "--timeout", "0s"}, -1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := healthcheckCommand(tc.args, &stdout, &stderr)
			var ee exitError
			switch {
			case tc.wantExit == 0:
				if err != nil {
					t.Fatalf("err = %v, stderr %q; want healthy", err, stderr.String())
				}
				if stdout.String() != "ok\n" {
					t.Errorf("stdout = %q, want ok", stdout.String())
				}
			case tc.wantExit == 1:
				if !errors.As(err, &ee) || ee.code != 1 {
					t.Fatalf("err = %v, want exit status 1", err)
				}
				if !strings.Contains(stderr.String(), tc.wantStderr) {
					t.Errorf("stderr = %q, want it to mention %q", stderr.String(), tc.wantStderr)
				}
			default:
				if err == nil || errors.As(err, &ee) {
					t.Fatalf("err = %v, want a usage error", err)
				}
			}
		})
	}
}
