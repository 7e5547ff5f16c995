package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

const (
	policyV1 = `version: 1
agents:
  local:
    default: true
    grants: [{area: "*", access: [read, write]}]
`
	// v2 takes every write tool away.
	policyV2 = `version: 1
readOnly: true
agents:
  local:
    default: true
    grants: [{area: "*", access: [read, write]}]
`
	policyBroken = `version: 1
agents:
  local:
    default: true
    grants: [{area: clustrs, access: [read]}]
`
)

// notes collects the notifications a client receives.
type notes struct {
	mu  sync.Mutex
	got []mcp.JSONRPCNotification
}

func (n *notes) add(x mcp.JSONRPCNotification) {
	n.mu.Lock()
	n.got = append(n.got, x)
	n.mu.Unlock()
}

// wait returns the first notification with that method whose text contains want.
func (n *notes) wait(t *testing.T, method, want string) mcp.JSONRPCNotification {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		for _, x := range n.got {
			data, _ := x.Params.AdditionalFields["data"].(string)
			if x.Method == method && strings.Contains(data, want) {
				n.mu.Unlock()
				return x
			}
		}
		n.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s notification containing %q", method, want)
	return mcp.JSONRPCNotification{}
}

func (n *notes) count(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, x := range n.got {
		if x.Method == method {
			c++
		}
	}
	return c
}

func toolNames(t *testing.T, c interface {
	ListTools(context.Context, mcp.ListToolsRequest) (*mcp.ListToolsResult, error)
}) map[string]bool {
	t.Helper()
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, tl := range res.Tools {
		m[tl.Name] = true
	}
	return m
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // as editors save
		t.Fatal(err)
	}
}

func TestPolicyReloadOnFileChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	writeFile(t, path, policyV1)
	load := func() (*policy.Policy, error) { return policy.Load(path, policy.Options{}) }
	p, err := load()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{policy: p})
	var n notes
	c := h.clientWithProtocol(t, "2025-11-25")
	c.OnNotification(n.add)
	var stderr syncBuf
	w := &PolicyWatcher{Server: h.server, Path: path, Load: load, Stderr: &stderr, Debounce: 30 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx, nil) }()
	time.Sleep(50 * time.Millisecond) // the watcher is watching

	if !toolNames(t, c)["atlas-create-cluster"] {
		t.Fatal("v1 offers no write tool")
	}

	t.Run("a valid file is swapped in and hosts are told", func(t *testing.T) {
		writeFile(t, path, policyV2)
		waitFor(t, func() bool { return h.server.PolicyHash() == sha(policyV2) })
		waitFor(t, func() bool { return n.count(string(mcp.MethodNotificationToolsListChanged)) > 0 })
		if toolNames(t, c)["atlas-create-cluster"] {
			t.Error("write tools still listed after the read-only policy was loaded")
		}
		call(t, c, "atlas-list-orgs", `{}`)
		recs := h.records(t)
		if last := recs[len(recs)-1]; last.PolicyHash != sha(policyV2) {
			t.Errorf("record policyHash %q, want the new file's sha256", last.PolicyHash)
		}
		if !strings.Contains(stderr.String(), "policy reloaded") {
			t.Errorf("stderr: %s", stderr.String())
		}
	})

	t.Run("an invalid file keeps the old policy and says why", func(t *testing.T) {
		writeFile(t, path, policyBroken)
		msg := n.wait(t, string(mcp.MethodNotificationMessage), "was not loaded")
		text := msg.Params.AdditionalFields["data"].(string)
		if !strings.Contains(text, "clustrs") || !strings.Contains(text, sha(policyV2)) {
			t.Errorf("notification: %s", text)
		}
		if h.server.PolicyHash() != sha(policyV2) {
			t.Error("the broken file replaced the policy")
		}
		if !strings.Contains(stderr.String(), "refused, keeping policy "+sha(policyV2)) || !strings.Contains(stderr.String(), "clustrs") {
			t.Errorf("stderr: %s", stderr.String())
		}
		call(t, c, "atlas-list-orgs", `{}`)
		recs := h.records(t)
		if last := recs[len(recs)-1]; last.PolicyHash != sha(policyV2) {
			t.Errorf("record policyHash %q after a refused reload", last.PolicyHash)
		}
	})
}

// Kubernetes mounts a ConfigMap as policy.yaml -> ..data/policy.yaml, with
// ..data -> ..<timestamp>/, and updates it by swapping ..data.
func TestPolicyReloadOnConfigMapSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, data string) {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "policy.yaml"), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mk("..2026_01", policyV1)
	if err := os.Symlink("..2026_01", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "policy.yaml")
	if err := os.Symlink("..data/policy.yaml", path); err != nil {
		t.Fatal(err)
	}
	load := func() (*policy.Policy, error) { return policy.Load(path, policy.Options{}) }
	p, err := load()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{policy: p})
	w := &PolicyWatcher{Server: h.server, Path: path, Load: load, Debounce: 30 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx, nil) }()
	time.Sleep(50 * time.Millisecond)

	mk("..2026_02", policyV2)
	if err := os.Symlink("..2026_02", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.server.PolicyHash() == sha(policyV2) })
}

func TestPolicyReloadOnSignal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	writeFile(t, path, policyV1)
	load := func() (*policy.Policy, error) { return policy.Load(path, policy.Options{}) }
	p, _ := load()
	h := newHarness(t, harnessOpts{policy: p})
	// A debounce far beyond the test, so only the signal can cause the reload.
	w := &PolicyWatcher{Server: h.server, Path: path, Load: load, Debounce: time.Hour}
	sig := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx, sig) }()
	writeFile(t, path, policyV2)
	sig <- os.Interrupt // stands for SIGHUP, which the CLI subscribes to
	waitFor(t, func() bool { return h.server.PolicyHash() == sha(policyV2) })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A host connected over streamable HTTP, listening on its GET stream, is
// told that its tool list changed.
func TestPolicySwapNotifiesHTTPHosts(t *testing.T) {
	h := newHarness(t, harnessOpts{policy: multiAgentPolicy(t)})
	hs, _ := h.serveHTTPWith(t, HTTPOptions{})
	c, err := mcpclient.NewStreamableHttpClient(hs.URL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer alice-token"}),
		transport.WithContinuousListening()) //nolint:staticcheck // deprecated for 2026-07-28; a legacy host on its GET stream is what this tests
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n notes
	c.OnNotification(n.add)
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-11-25"
	init.Params.ClientInfo = mcp.Implementation{Name: "listener", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the GET stream is open
	if err := h.server.SwapPolicy(multiAgentPolicy(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return n.count(string(mcp.MethodNotificationToolsListChanged)) > 0 })
}
