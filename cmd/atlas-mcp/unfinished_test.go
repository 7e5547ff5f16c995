package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

const helperArgsEnv = "ATLAS_MCP_TEST_HELPER_ARGS"

// TestHelperRun is not a test: it runs the CLI with the arguments in
// ATLAS_MCP_TEST_HELPER_ARGS, so a test can kill a real process.
func TestHelperRun(t *testing.T) {
	args := os.Getenv(helperArgsEnv)
	if args == "" {
		t.Skip("helper process")
	}
	var list []string
	if err := json.Unmarshal([]byte(args), &list); err != nil {
		os.Exit(3)
	}
	err := run(context.Background(), list, strings.NewReader(""), os.Stdout, os.Stderr, lookupEnv)
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// slowAtlas is the simulator behind a proxy that applies a write and then
// holds back the answer: Atlas has the effect, the caller never hears.
func slowAtlas(t *testing.T, sim *atlassim.Sim, slow func(*http.Request) bool) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	sent := make(chan struct{})
	var once sync.Once
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slow(r) {
			sim.ServeHTTP(w, r)
			return
		}
		sim.ServeHTTP(httptest.NewRecorder(), r)
		once.Do(func() { close(sent) })
		<-r.Context().Done()
	}))
	t.Cleanup(hs.Close)
	return hs, sent
}

func isClusterCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/clusters")
}

func simEnv(base string) []string {
	return []string{
		"MONGODB_ATLAS_CLIENT_ID=" + atlassim.DemoClientID, "MONGODB_ATLAS_CLIENT_SECRET=" + atlassim.DemoClientSecret,
		"MONGODB_ATLAS_PROJECT_ID=" + atlassim.DemoProjectID, "MONGODB_ATLAS_ORG_ID=" + atlassim.DemoOrgID,
		"MONGODB_ATLAS_BASE_URL=" + base,
	}
}

// TestKill9BetweenSendAndAnswerLeavesAnUnfinishedIntent: the process is
// killed after Atlas applied a create and before it answered. The intent
// was on disk before the POST left, so verify lists the write as
// unfinished, naming agent, tool and plan, and the plan names what Atlas did.
func TestKill9BetweenSendAndAnswerLeavesAnUnfinishedIntent(t *testing.T) {
	sim := atlassim.New(atlassim.Options{Seed: true})
	hs, sent := slowAtlas(t, sim, isClusterCreate)
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	args := []string{"--audit-log", logPath, "call", "atlas-create-cluster",
		`{"clusterName":"killed-mid-call","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRun$")
	cmd.Env = append(append(os.Environ(), simEnv(hs.URL)...), helperArgsEnv+"="+mustJSON(t, args))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sent:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the create never reached Atlas\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	created := false
	for _, r := range sim.Requests() {
		created = created || (r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/clusters") && r.Status/100 == 2)
	}
	if !created {
		t.Fatal("Atlas did not apply the create")
	}
	v := runCLI(t, nil, nil, "audit", "verify", logPath)
	if v.exitCode() != 0 {
		t.Fatalf("verify: exit %d\n%s", v.exitCode(), v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "UNFINISHED: record 1 at", "tool atlas-create-cluster", "plan ", "no outcome follows", "OK: 1 record(s)")
	if s := runCLI(t, nil, nil, "audit", "verify", "--strict", logPath); s.exitCode() != 1 {
		t.Fatalf("verify --strict: exit %d, want 1", s.exitCode())
	}
	tail := runCLI(t, nil, nil, "audit", "tail", "--unfinished", logPath)
	mustContain(t, "audit tail --unfinished", tail.stdout, "#1", "atlas-create-cluster", "INTENT plan=")
	b, _ := os.ReadFile(logPath)
	mustContain(t, "intent record", string(b), `"kind":"intent"`, `"clusterName":"killed-mid-call"`, `"planHash":"`)
}

// TestSIGTERMDuringWaitOverHTTPRecordsTheOutcome: a wait:true create is
// polling when the HTTP server is told to stop. The call is cancelled after
// the grace period, answers that it stopped waiting, and records its
// outcome before the drain ends; verify lists the write as unfinished
// because Atlas was still working on it.
func TestSIGTERMDuringWaitOverHTTPRecordsTheOutcome(t *testing.T) {
	sim := atlassim.New(atlassim.Options{Seed: true, ClusterTransition: time.Hour})
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	addr := freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	env := map[string]string{"ATLAS_MCP_CAROL_TOKEN": carolToken}
	for _, kv := range simEnv(hs.URL) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--audit-log", logPath, "--transport", "http", "--listen", addr, "--policy", multiAgent, "--shutdown-grace", "1s"},
			strings.NewReader(""), &syncBuffer{}, stderr, envFrom(env))
	}()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustContain(t, "stderr", stderr.String(), "is not anchored")
	code, session, _ := mcpPost(t, base+"/mcp", "alice-token", "", initializeMsg)
	if code != http.StatusOK {
		t.Fatalf("initialize: %d", code)
	}
	mcpPost(t, base+"/mcp", "alice-token", session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	answer := make(chan map[string]any, 1)
	go func() {
		_, _, msg := mcpPost(t, base+"/mcp", "alice-token", session, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"atlas-create-cluster","arguments":{"clusterName":"rolling","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","wait":true}}}`)
		answer <- msg
	}()
	for i := 0; ; i++ {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == http.MethodGet && strings.Contains(r.Path, "/clusters/rolling") {
				n++
			}
		}
		if n > 0 {
			break // the create was sent and the call is polling
		}
		if i > 500 {
			t.Fatal("the call never started polling")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cancel() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	select {
	case msg := <-answer:
		b := mustJSON(t, msg)
		mustContain(t, "answer", b, "Stopped waiting", "shutting down")
	case <-time.After(5 * time.Second):
		t.Error("the waiting call got no answer")
	}
	v := runCLI(t, nil, nil, "audit", "verify", logPath)
	if v.exitCode() != 0 {
		t.Fatalf("verify: exit %d\n%s", v.exitCode(), v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "UNFINISHED: record 1 at", "agent alice", "tool atlas-create-cluster", "its outcome, record 2, says WAIT_STOPPED")
	b, _ := os.ReadFile(logPath)
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	var last string
	for sc.Scan() {
		last = sc.Text()
	}
	mustContain(t, "outcome record", last, `"kind":"outcome"`, `"intent":1`, `"method":"POST"`, `"status":201`)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
