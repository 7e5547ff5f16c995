package server

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// A script that pipes its requests and closes stdin gets every answer: the end
// of input waits for the calls already read instead of cancelling them.
func TestStdioEOFLetsRunningCallsFinish(t *testing.T) {
	h := newHarness(t, harnessOpts{sim: atlassim.Options{ClusterTransition: 300 * time.Millisecond}})
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"atlas-create-cluster","arguments":{"clusterName":"piped","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","wait":true}}}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.server.ServeStdio(ctx, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"id":2`) || !strings.Contains(out.String(), "it is IDLE") {
		t.Fatalf("the piped call did not finish:\n%s", out.String())
	}
	if n := len(h.records(t)); n != 1 {
		t.Fatalf("%d audit records", n)
	}
}

// Calls queued behind one another when stdin ends are all answered, and the
// server returns once they are — whatever else the script sent.
func TestStdioEOFAnswersEveryQueuedCall(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	lines := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":"list","method":"tools/list"}`,
		`not json`,
		`{"jsonrpc":"2.0","id":99,"result":{}}`,
		`{"jsonrpc":"2.0","id":"gone","method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"gone"}}`,
	}
	for i := 0; i < 8; i++ {
		lines = append(lines, `{"jsonrpc":"2.0","id":`+strconv.Itoa(10+i)+`,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.server.ServeStdio(ctx, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		if !strings.Contains(out.String(), `"id":`+strconv.Itoa(10+i)+`,`) {
			t.Errorf("call %d has no answer", 10+i)
		}
	}
	if !strings.Contains(out.String(), `"id":"list"`) {
		t.Error("tools/list has no answer")
	}
	if ctx.Err() != nil {
		t.Fatal("ServeStdio returned only when the test's context ended")
	}
}
