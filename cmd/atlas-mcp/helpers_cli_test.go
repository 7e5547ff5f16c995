package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// envFrom is run's env parameter backed by a map: tests never read or change
// the process environment. A nil map is an empty environment.
func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// syncBuffer is a bytes.Buffer safe for the goroutines a running server writes
// from (logger, HTTP handlers) while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cliResult is what a user sees: stdout, stderr and the exit status.
type cliResult struct {
	stdout, stderr string
	err            error
}

// exitCode maps run's error to what main does with it: 0 for nil, the code of
// an exitError, and -1 for any other error (main prints it and exits 2).
func (r cliResult) exitCode() int {
	if r.err == nil {
		return 0
	}
	var ee exitError
	if errors.As(r.err, &ee) {
		return ee.code
	}
	return -1
}

// runCLI runs the command line with an empty stdin (a strings.Reader, so never
// a terminal) unless one is given.
func runCLI(t *testing.T, env map[string]string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr syncBuffer
	err := run(ctx, args, stdin, &stdout, &stderr, envFrom(env))
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustContain fails unless s contains every one of want.
func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// startSim runs `atlas-mcp sim` with the given flags on a free loopback port
// until the test ends, and returns its base URL and stderr once it answers.
func startSim(t *testing.T, flags ...string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"sim", "--listen", addr}, flags...), nil, &syncBuffer{}, stderr, envFrom(nil))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sim after cancel = %v, want nil\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("sim did not stop")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/_sim/requests")
		if err == nil {
			resp.Body.Close()
			return base, stderr
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator never answered: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
