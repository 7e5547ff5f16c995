package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/mod/sumdb/note"
)

func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey("test-log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

func appendN(t testing.TB, l *Log, n int) {
	t.Helper()
	for i := range n {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func anchoredOK(t *testing.T, v note.Verifier, notes [][]byte, files ...string) *Report {
	t.Helper()
	rep, err := VerifyAnchored(AnchorOptions{Verifier: v, Checkpoints: notes}, files...)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("not OK: %+v %+v", rep.FirstBreak, rep.Problems)
	}
	return rep
}

// TestCheckpointsReachEverySink: a file, a directory, a writer (stderr) and
// an HTTP endpoint on loopback each receive every checkpoint, and each of
// them alone is enough to verify the log.
func TestCheckpointsReachEverySink(t *testing.T) {
	dir := t.TempDir()
	var posted lockedBuffer
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		posted.Write(append(b, '\n'))
	}))
	defer hs.Close()
	var stderr lockedBuffer
	cpDir := filepath.Join(dir, "cpdir")
	if err := os.Mkdir(cpDir, 0o700); err != nil {
		t.Fatal(err)
	}
	sinks, err := ParseSinks(strings.Join([]string{filepath.Join(dir, "cp.jsonl"), cpDir, "stderr", hs.URL + "/checkpoints"}, ","), &stderr)
	if err != nil || len(sinks) != 4 {
		t.Fatalf("sinks %v %v", sinks, err)
	}
	s, v := testKeys(t)
	path := filepath.Join(dir, "audit.jsonl")
	l := openLog(t, Options{Path: path, Signer: s, Sinks: sinks, CheckpointEvery: 3, CheckpointInterval: time.Hour})
	appendN(t, l, 7)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	httpFile := filepath.Join(dir, "posted.jsonl")
	stderrFile := filepath.Join(dir, "stderr.log")
	os.WriteFile(httpFile, posted.Bytes(), 0o600)
	os.WriteFile(stderrFile, append([]byte("some other log line\n"), stderr.Bytes()...), 0o600)
	for _, src := range []string{filepath.Join(dir, "cp.jsonl"), cpDir, httpFile, stderrFile} {
		notes, err := ReadCheckpoints(src)
		if err != nil {
			t.Fatal(err)
		}
		// At open (0), every 3 records (3, 6) and at close (7).
		if len(notes) != 4 {
			t.Fatalf("%s: %d checkpoints, want 4", src, len(notes))
		}
		rep := anchoredOK(t, v, notes, path)
		if rep.Checkpoints != 4 {
			t.Fatalf("%s: %d checkpoints verified", src, rep.Checkpoints)
		}
	}
}

// TestHeartbeatWhenIdle: checkpoints keep coming while nothing is written,
// each one later than the one before.
func TestHeartbeatWhenIdle(t *testing.T) {
	s, v := testKeys(t)
	var buf lockedBuffer
	l := openLog(t, Options{Signer: s, Sinks: []Sink{&WriterSink{W: &buf, Name: "buf"}}, CheckpointInterval: 40 * time.Millisecond})
	appendN(t, l, 1)
	time.Sleep(300 * time.Millisecond)
	l.Close()
	var last time.Time
	n := 0
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		var cl checkpointLine
		if json.Unmarshal(line, &cl) != nil || cl.Checkpoint == nil {
			continue
		}
		cp, err := openCheckpoint([]byte(cl.Checkpoint.Note), v)
		if err != nil {
			t.Fatal(err)
		}
		if !cp.Time.After(last) {
			t.Fatalf("checkpoint times do not advance: %v after %v", cp.Time, last)
		}
		last = cp.Time
		if cp.Size == 1 {
			n++
		}
	}
	if n < 4 {
		t.Fatalf("%d idle checkpoints in 300ms at a 40ms heartbeat", n)
	}
}

// TestTreeSurvivesRotationAndRestart: the tree covers the whole chain across
// rotated files, and a restarted writer resumes it from disk.
func TestTreeSurvivesRotationAndRestart(t *testing.T) {
	dir := t.TempDir()
	s, v := testKeys(t)
	path := filepath.Join(dir, "audit.jsonl")
	sink := &FileSink{Path: filepath.Join(dir, "other-volume", "cp.jsonl")}
	for range 2 {
		l := openLog(t, Options{Path: path, MaxBytes: 2000, Signer: s, Sinks: []Sink{sink}, CheckpointEvery: 4, CheckpointInterval: time.Hour})
		appendN(t, l, 9)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Files(path)
	if err != nil || len(files) < 3 {
		t.Fatalf("files %v %v", files, err)
	}
	notes, err := ReadCheckpoints(sink.Path)
	if err != nil {
		t.Fatal(err)
	}
	rep := anchoredOK(t, v, notes, files...)
	if rep.Records != 18 {
		t.Fatalf("%d records", rep.Records)
	}
	p, err := Prove(AnchorOptions{Verifier: v, Checkpoints: notes}, 3, files...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckProof(p, AnchorOptions{Verifier: v}); err != nil {
		t.Fatal(err)
	}
}

// TestOversizedValuesAreRecordedAsDigests: a 5 MB junk argument costs the
// log a few hundred bytes, and a record stays under its size limit.
func TestOversizedValuesAreRecordedAsDigests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path})
	junk := strings.Repeat("A", 5<<20)
	r := sampleRecord(3)
	r.Args = map[string]any{"clusterName": "c1", "junk": junk}
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	many := map[string]any{}
	for i := range 100 {
		many[strings.Repeat("k", 5)+string(rune('a'+i%26))+strings.Repeat("x", i)] = strings.Repeat("v", 3<<10)
	}
	r2 := sampleRecord(1)
	r2.Args = many
	if err := l.Append(context.Background(), r2); err != nil {
		t.Fatal(err)
	}
	l.Close()
	lines := readLines(t, path)
	if len(lines[0]) > 2<<10 || !strings.Contains(string(lines[0]), `"bytes":5242880`) || !strings.Contains(string(lines[0]), `"sha256":"`) || !strings.Contains(string(lines[0]), `"clusterName":"c1"`) {
		t.Fatalf("oversized value: %d bytes: %.300s", len(lines[0]), lines[0])
	}
	if len(lines[1]) > DefaultMaxRecordBytes || !strings.Contains(string(lines[1]), `"sha256":"`) {
		t.Fatalf("oversized record: %d bytes", len(lines[1]))
	}
	requireOK(t, mustVerify(t, path), 2)
}

// TestTailDeniedAndUnfinished: a confirmation that timed out is a refusal;
// --unfinished lists intents without an outcome and interrupted outcomes.
func TestTailDeniedAndUnfinished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path})
	add := func(r *Record) uint64 {
		t.Helper()
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		return r.Seq
	}
	allow := Decision{Allow: true, Rule: "grants[0]"}
	add(&Record{Agent: "a", Tool: "atlas-delete-cluster", Decision: allow, Confirmation: ConfirmTimeout, Outcome: Outcome{ErrorCode: CodeConfirmationTimeout}})
	i1 := add(&Record{Agent: "a", Tool: "atlas-create-cluster", Kind: KindIntent, PlanHash: "aaaa", Decision: allow})
	add(&Record{Agent: "a", Tool: "atlas-create-cluster", Kind: KindOutcome, Intent: i1, Decision: allow, Outcome: Outcome{OK: true}})
	add(&Record{Agent: "b", Tool: "atlas-create-project", Kind: KindIntent, PlanHash: "bbbb", Decision: allow})
	i3 := add(&Record{Agent: "c", Tool: "atlas-update-cluster", Kind: KindIntent, PlanHash: "cccc", Decision: allow})
	add(&Record{Agent: "c", Tool: "atlas-update-cluster", Kind: KindOutcome, Intent: i3, Decision: allow, Outcome: Outcome{ErrorCode: CodeWaitStopped}})
	l.Close()

	var out bytes.Buffer
	if err := Tail(&out, []string{path}, Filter{Denied: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "#1 a atlas-delete-cluster") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("--denied:\n%s", out.String())
	}
	out.Reset()
	if err := Tail(&out, []string{path}, Filter{Unfinished: true}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "#4 b atlas-create-project INTENT plan=bbbb") || !strings.Contains(got, "#5 c") || !strings.Contains(got, "#6 c") || strings.Contains(got, "#2 ") {
		t.Fatalf("--unfinished:\n%s", got)
	}
	rep := mustVerify(t, path)
	if len(rep.Unfinished) != 2 || rep.Unfinished[0].Seq != 4 || rep.Unfinished[1].OutcomeSeq != 6 {
		t.Fatalf("unfinished: %+v", rep.Unfinished)
	}
}

// TestRestartOnACutLogSaysSo: a writer opened on a log shorter than its last
// checkpoint logs which records are missing instead of resuming silently.
func TestRestartOnACutLogSaysSo(t *testing.T) {
	dir := t.TempDir()
	s, _ := testKeys(t)
	path := filepath.Join(dir, "audit.jsonl")
	sink := &FileSink{Path: filepath.Join(dir, "cp", "cp.jsonl")}
	l := openLog(t, Options{Path: path, Signer: s, Sinks: []Sink{sink}, CheckpointInterval: time.Hour})
	appendN(t, l, 10)
	l.Close()
	lines := readLines(t, path)
	writeFile(t, path, lines[:6]...)
	core, logs := observer.New(zap.ErrorLevel)
	l = openLog(t, Options{Path: path, Signer: s, Sinks: []Sink{sink}, CheckpointInterval: time.Hour, Logger: zap.New(core)})
	l.Close()
	found := false
	for _, e := range logs.All() {
		found = found || strings.Contains(e.Message, "missing records 7–10 covered by the checkpoint")
	}
	if !found {
		t.Fatalf("no error about the cut: %+v", logs.All())
	}
}

// TestExportStreamsDurableRecords: --audit-log - gets exactly the lines the
// file holds, once they are on disk.
func TestExportStreamsDurableRecords(t *testing.T) {
	var buf lockedBuffer
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path, Export: &buf})
	appendN(t, l, 5)
	l.Close()
	if !bytes.Equal(buf.Bytes(), mustRead(t, path)) {
		t.Fatalf("export differs from the file:\n%s", buf.Bytes())
	}
}

// TestTwoWritersShareOneAnchoredChain: two processes (two Logs) on one file,
// signing into one sink, produce checkpoints of one history: no fork, no
// rollback.
func TestTwoWritersShareOneAnchoredChain(t *testing.T) {
	dir := t.TempDir()
	s, v := testKeys(t)
	path := filepath.Join(dir, "audit.jsonl")
	sink := &FileSink{Path: filepath.Join(dir, "cp", "cp.jsonl")}
	opts := Options{Path: path, Signer: s, Sinks: []Sink{sink}, CheckpointEvery: 2, CheckpointInterval: 15 * time.Millisecond}
	a := openLog(t, opts)
	b := openLog(t, opts)
	for i := range 12 {
		l := a
		if i%3 == 0 {
			l = b
		}
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.Close()
	b.Close()
	notes, err := ReadCheckpoints(sink.Path)
	if err != nil {
		t.Fatal(err)
	}
	rep := anchoredOK(t, v, notes, path)
	if rep.Records != 12 {
		t.Fatalf("%d records", rep.Records)
	}
}

// TestHTTPSinkThatWasDownGetsTheNewestCheckpoint: an endpoint failing its
// first POSTs is tried again, and once it is back it holds the newest head
// (which covers every record before it), not a gap until the next write.
func TestHTTPSinkThatWasDownGetsTheNewestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	var posted lockedBuffer
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		posted.Write(append(b, '\n'))
	}))
	defer hs.Close()
	s, v := testKeys(t)
	path := filepath.Join(dir, "audit.jsonl")
	l, err := Open(Options{Path: path, Signer: s, Sinks: []Sink{&HTTPSink{URL: hs.URL}}, CheckpointEvery: 5, CheckpointInterval: time.Hour,
		retryBase: 5 * time.Millisecond, retryMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 5) // checkpoints at open (size 0) and at 5: both refused
	deadline := time.Now().Add(5 * time.Second)
	for !bytes.Contains(posted.Bytes(), []byte(`\n5\n`)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !bytes.Contains(posted.Bytes(), []byte(`\n5\n`)) {
		t.Fatalf("the checkpoint of size 5 never reached the endpoint while the log was open (%d POSTs): %s", calls.Load(), posted.Bytes())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(dir, "posted.jsonl")
	if err := os.WriteFile(got, posted.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	notes, err := ReadCheckpoints(got)
	if err != nil || len(notes) == 0 {
		t.Fatalf("the endpoint never got a checkpoint after it came back (%d calls): %v", calls.Load(), err)
	}
	rep := anchoredOK(t, v, notes, path)
	if rep.Checkpoints == 0 {
		t.Fatal("nothing verified")
	}
}
