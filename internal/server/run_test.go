package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
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
	recs := h.records(t)
	if len(recs) != 2 || recs[0].Kind != audit.KindIntent || recs[1].Kind != audit.KindOutcome || recs[1].Intent != recs[0].Seq || !recs[1].Outcome.OK {
		t.Fatalf("want an intent and its outcome, got %+v", recs)
	}
}

// TestStdioEOFCancelsAWaitAfterTheGrace: the host closes stdin while a
// wait:true create polls a cluster that takes an hour. After the grace
// period the call is cancelled, answers that it stopped waiting, and its
// outcome is recorded before ServeStdio returns.
func TestStdioEOFCancelsAWaitAfterTheGrace(t *testing.T) {
	h := newHarness(t, harnessOpts{sim: atlassim.Options{ClusterTransition: time.Hour}})
	h.server.opts.ShutdownGrace = 300 * time.Millisecond
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"atlas-create-cluster","arguments":{"clusterName":"slow","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10","wait":true}}}`,
	}, "\n") + "\n"
	// stdin closes only once the create was sent and the wait is polling:
	// closing it earlier would cancel the POST itself (CANCELLED), which is
	// right too, but not what this test is about. On a loaded CI machine
	// under -race the POST alone can outlast the grace.
	stdin, feed := io.Pipe()
	go func() {
		_, _ = io.WriteString(feed, in)
		polling := func() bool {
			for _, r := range h.sim.Requests() {
				if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/clusters/slow") {
					return true
				}
			}
			return false
		}
		for deadline := time.Now().Add(20 * time.Second); !polling() && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		feed.Close()
	}()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.server.ServeStdio(ctx, stdin, &out); err != nil {
		t.Fatal(err)
	}
	h.server.Close(ctx)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
	recs := h.records(t)
	if len(recs) != 2 || recs[1].Kind != audit.KindOutcome || recs[1].Outcome.ErrorCode != audit.CodeWaitStopped || !strings.Contains(recs[1].Outcome.Message, "shutting down") {
		t.Fatalf("want the intent and a WAIT_STOPPED outcome, got %+v", recs)
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

// OnStartupDone runs once, and only when the host has its tools: after the
// answer to the first tools/list was written, or when a call arrives first.
// Neither initialize, a ping nor a cancelled tools/list ends start-up.
func TestStartupDoneAfterTheFirstListOrCall(t *testing.T) {
	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}`
	const initialized = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	for _, tc := range []struct {
		name  string
		lines []string
		want  int
		// before is part of an answer that must be written before start-up
		// ends (requests run concurrently: either list may be answered first).
		before string
	}{
		{"no list, no call", []string{initialize, initialized, `{"jsonrpc":"2.0","id":"p","method":"ping"}`}, 0, ""},
		{"two lists", []string{initialize, initialized, `{"jsonrpc":"2.0","id":"l","method":"tools/list"}`, `{"jsonrpc":"2.0","id":"l2","method":"tools/list"}`}, 1, `"result":{"tools":[`},
		{"a call first", []string{initialize, initialized, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"atlas-list-clusters","arguments":{}}}`}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{})
			var out syncBuf
			var calls atomic.Int32
			var outAtStart string
			h.server.OnStartupDone(func() {
				if calls.Add(1) == 1 {
					outAtStart = out.String()
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := h.server.ServeStdio(ctx, strings.NewReader(strings.Join(tc.lines, "\n")+"\n"), &out); err != nil {
				t.Fatal(err)
			}
			if got := int(calls.Load()); got != tc.want {
				t.Fatalf("start-up ended %d times, want %d; output:\n%.2000s", got, tc.want, out.String())
			}
			if tc.before != "" && !strings.Contains(outAtStart, tc.before) {
				t.Fatalf("start-up ended before an answer with %s was written; written then:\n%.2000s", tc.before, outAtStart)
			}
		})
	}
}

// answerHead finds the id of an answer without reading its result, and
// leaves whatever it cannot judge from the head to the full decoder.
func TestAnswerHead(t *testing.T) {
	for _, tc := range []struct {
		line     string
		ok       bool
		id, meth string
	}{
		{`{"jsonrpc":"2.0","id":2,"result":{"tools":[` + strings.Repeat(`{"a":1},`, 1000) + `{}]}}`, true, `2`, ""},
		{`{"jsonrpc":"2.0","id":"x","error":{"code":-32602,"message":"no"}}`, true, `"x"`, ""},
		{`  {"jsonrpc":"2.0","id":3,"method":"elicitation/create","params":{}}`, true, `3`, "elicitation/create"},
		{`{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`, false, "", ""},
		{`{"jsonrpc":"2.0","result":{},"id":4}`, false, "", ""},
		{`[{"jsonrpc":"2.0","id":5,"result":{}}]`, false, "", ""},
		{`{"jsonrpc":"2.0","id":`, false, "", ""},
		{``, false, "", ""},
	} {
		e, ok := answerHead([]byte(tc.line))
		if ok != tc.ok || (ok && (string(e.ID) != tc.id || e.Method != tc.meth)) {
			t.Errorf("%.60s: got %v id=%s method=%q, want %v id=%s method=%q", tc.line, ok, e.ID, e.Method, tc.ok, tc.id, tc.meth)
		}
	}
	// Whatever the head left, the whole line still counts: an answer whose
	// id comes after its result, and a batch of answers.
	p := &unanswered{ids: map[string]bool{"4": true, "5": true}, answered: make(chan struct{}, 1), lists: map[string]bool{}}
	p.sawOutput([]byte(`{"jsonrpc":"2.0","result":{},"id":4}`))
	p.sawOutput([]byte(`[{"jsonrpc":"2.0","id":5,"result":{}}]`))
	if len(p.ids) != 0 {
		t.Fatalf("still waiting for %v", p.ids)
	}
}

// BenchmarkAnswerIDOfAToolsList: finding the id of a 33 KB answer, by its
// head and by decoding it whole (what every answer cost before).
func BenchmarkAnswerIDOfAToolsList(b *testing.B) {
	line := []byte(`{"jsonrpc":"2.0","id":2,"result":{"tools":[` + strings.Repeat(`{"name":"atlas-list-clusters","inputSchema":{"type":"object","properties":{"projectId":{"type":"string","pattern":"^[a-f0-9]{24}$"}}}},`, 280) + `{}]}}`)
	b.Run("head", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			if _, ok := answerHead(line); !ok {
				b.Fatal("no head")
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			forEach(line, func(envelope) {})
		}
	})
}
