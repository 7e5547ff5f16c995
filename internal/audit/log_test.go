package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendFillsChainFields(t *testing.T) {
	fixed := time.Date(2026, 3, 4, 5, 6, 7, 800, time.FixedZone("X", 3600))
	l := openLog(t, Options{Now: func() time.Time { return fixed }})
	first, second := sampleRecord(0), sampleRecord(1)
	second.Time = "2026-01-01T00:00:00.000000000Z" // the caller's time wins
	for _, r := range []*Record{first, second} {
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if first.Time != "2026-03-04T04:06:07.000000800Z" {
		t.Errorf("Time = %q, want RFC 3339 UTC with nanoseconds", first.Time)
	}
	if second.Time != "2026-01-01T00:00:00.000000000Z" {
		t.Errorf("caller's Time overwritten: %q", second.Time)
	}
	if first.Seq != 1 || second.Seq != 2 {
		t.Errorf("Seq = %d, %d; want 1, 2", first.Seq, second.Seq)
	}
	if first.Prev != Genesis || second.Prev != first.Hash || !isHash(first.Hash) || !isHash(second.Hash) {
		t.Errorf("chain fields: %+v / %+v", first, second)
	}
	if l.Path() == "" {
		t.Error("Path is empty")
	}
}

func TestConcurrentAppends(t *testing.T) {
	const n = 1000
	for _, mode := range []SyncMode{SyncAlways, SyncBatch} {
		t.Run(string(mode), func(t *testing.T) {
			l := openLog(t, Options{Sync: mode, BatchWindow: time.Millisecond})
			seqs := make([]uint64, n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					r := sampleRecord(i)
					if err := l.Append(context.Background(), r); err != nil {
						errs <- err
						return
					}
					seqs[i] = r.Seq
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			seen := make(map[uint64]bool)
			for _, s := range seqs {
				if s < 1 || s > n || seen[s] {
					t.Fatalf("seq %d out of range or duplicated", s)
				}
				seen[s] = true
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rep := mustVerify(t, l.Path())
			requireOK(t, rep, n)
			if rep.LastSeq != n {
				t.Fatalf("LastSeq = %d, want %d", rep.LastSeq, n)
			}
		})
	}
}

func TestResumeOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	before := writeRecords(t, path, 3)
	l := openLog(t, Options{Path: path})
	r := sampleRecord(9)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != 4 || r.Prev != before[2].Hash {
		t.Fatalf("after reopen: seq %d prev %s, want 4 and %s", r.Seq, r.Prev, before[2].Hash)
	}
	l.Close()
	requireOK(t, mustVerify(t, path), 4)
}

// A crash that tore the last line: Open keeps the fragment (evidence), and
// the chain resumes from the last complete record on a new line.
func TestResumeAfterTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	recs := writeRecords(t, path, 5)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fragment := `{"time":"2026-01-01T00:00:00.000000000Z","seq":6,"agent":"ag`
	f.WriteString(fragment)
	f.Close()

	rep := mustVerify(t, path)
	requireOK(t, rep, 5)
	if len(rep.Torn) != 1 || rep.Torn[0].Line != 6 {
		t.Fatalf("Torn = %+v, want line 6", rep.Torn)
	}

	l := openLog(t, Options{Path: path})
	for i := range 3 {
		r := sampleRecord(i)
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (r.Seq != 6 || r.Prev != recs[4].Hash) {
			t.Fatalf("resumed at seq %d prev %s, want 6 and %s", r.Seq, r.Prev, recs[4].Hash)
		}
	}
	l.Close()

	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(fragment+"\n")) {
		t.Fatal("the torn fragment was not kept as its own line")
	}
	rep = mustVerify(t, path)
	requireOK(t, rep, 8)
	if len(rep.Torn) != 1 || rep.Torn[0].Line != 6 || !strings.Contains(rep.Torn[0].Reason, "resumed") {
		t.Fatalf("Torn = %+v, want line 6, resumed", rep.Torn)
	}
}

func TestOpenUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Options{Path: path})
	var we *WriteError
	if !errors.As(err, &we) || we.Path != path {
		t.Fatalf("Open on a directory: %v, want *WriteError for %s", err, path)
	}

	// A file where the directory should be.
	blocker := filepath.Join(dir, "file")
	writeFile(t, blocker, []byte("x"))
	_, err = Open(Options{Path: filepath.Join(blocker, "audit.jsonl")})
	if !errors.As(err, &we) {
		t.Fatalf("Open under a file: %v, want *WriteError", err)
	}
}

func TestAppendToFullDevice(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	l, err := Open(Options{Path: "/dev/full"})
	if err != nil {
		t.Skipf("cannot open /dev/full: %v", err)
	}
	defer l.Close()
	for range 2 { // a second Append retries and fails again: no silent success
		err = l.Append(context.Background(), sampleRecord(0))
		var we *WriteError
		if !errors.As(err, &we) || we.Path != "/dev/full" {
			t.Fatalf("Append to a full device: %v, want *WriteError", err)
		}
	}
}

// A failure in the middle of a log (here the file is swapped for a directory)
// fails Appends with WriteError; once the file is back, appending continues
// from what is on disk, with no gap in the sequence.
func TestWriteFailureRecovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	l := openLog(t, Options{Path: path})
	for i := range 2 {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	aside := filepath.Join(dir, "aside")
	if err := os.Rename(path, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	var we *WriteError
	if err := l.Append(context.Background(), sampleRecord(2)); !errors.As(err, &we) {
		t.Fatalf("Append while the path is a directory: %v, want *WriteError", err)
	}
	os.Remove(path)
	if err := os.Rename(aside, path); err != nil {
		t.Fatal(err)
	}
	r := sampleRecord(3)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatalf("Append after recovery: %v", err)
	}
	if r.Seq != 3 {
		t.Fatalf("seq after recovery = %d, want 3 (no gap)", r.Seq)
	}
	l.Close()
	requireOK(t, mustVerify(t, path), 3)
}

// If the live file disappears, the new file continues the chain it replaced,
// so Verify shows that records are missing instead of a clean new log.
func TestDeletedFileLeavesVisibleGap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path})
	for i := range 3 {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r := sampleRecord(4)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != 4 {
		t.Fatalf("seq = %d, want 4", r.Seq)
	}
	l.Close()
	rep := mustVerify(t, path)
	if rep.OK || rep.FirstBreak.Kind != BreakContinuation || rep.FirstBreak.Line != 1 {
		t.Fatalf("Verify after deletion: %+v, want a continuation break at line 1", rep.FirstBreak)
	}
}

// Cutting records off the live file while the log is open does not let the
// chain heal over the cut.
func TestTruncatedFileLeavesVisibleGap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path})
	for i := range 5 {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	lines := readLines(t, path)
	if err := os.Truncate(path, int64(len(lines[0])+len(lines[1]))); err != nil {
		t.Fatal(err)
	}
	r := sampleRecord(5)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != 6 {
		t.Fatalf("seq = %d, want 6", r.Seq)
	}
	l.Close()
	rep := mustVerify(t, path)
	if rep.OK || rep.FirstBreak.Line != 3 || rep.FirstBreak.Kind != BreakRemoved {
		t.Fatalf("Verify after truncation: %+v, want a removed break at line 3", rep.FirstBreak)
	}
}

func TestCloseThenAppend(t *testing.T) {
	l := openLog(t, Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.Append(context.Background(), sampleRecord(0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v, want ErrClosed", err)
	}
}

// Close drains what was queued: every Append that got in is written.
func TestCloseWhileAppending(t *testing.T) {
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: time.Millisecond})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 200 {
		wg.Go(func() {
			err := l.Append(context.Background(), sampleRecord(i))
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, ErrClosed) {
				t.Error(err)
			}
		})
	}
	l.Close()
	wg.Wait()
	requireOK(t, mustVerify(t, l.Path()), ok)
}

func TestAppendCanceledContextStillWrites(t *testing.T) {
	l := openLog(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Append(ctx, sampleRecord(0)); err != nil {
		t.Fatalf("Append with a canceled context: %v (the record must still be written)", err)
	}
	l.Close()
	requireOK(t, mustVerify(t, l.Path()), 1)
}

func TestOpenOptions(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(Options{Path: filepath.Join(dir, "a"), Sync: "sometimes"}); err == nil {
		t.Error("unknown sync mode accepted")
	}
	if _, err := Open(Options{Path: filepath.Join(dir, "b"), MaxBytes: -1}); err == nil {
		t.Error("negative MaxBytes accepted")
	}
	nested := filepath.Join(dir, "state", "atlas-mcp", "audit.jsonl")
	l := openLog(t, Options{Path: nested})
	if err := l.Append(context.Background(), sampleRecord(0)); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{nested: 0o600, filepath.Dir(nested): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

// Every call gets its record, even with arguments that cannot be encoded.
func TestAppendUnencodableArgs(t *testing.T) {
	l := openLog(t, Options{})
	r := sampleRecord(0)
	r.Args = map[string]any{"x": failingMarshaler{}, "ch": make(chan int)}
	r.DurationMs = math.NaN()
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	requireOK(t, mustVerify(t, l.Path()), 1)
	if data, _ := os.ReadFile(l.Path()); !bytes.Contains(data, []byte("unencodable")) {
		t.Fatalf("record does not say the args were unencodable: %s", data)
	}
}

// Append redacts even when the caller forgot to, and scrubs configured
// secrets from the free-text fields.
func TestAppendRedacts(t *testing.T) {
	const secret = "sup3r-s3cret-value"
	l := openLog(t, Options{Secrets: []string{secret}})
	type input struct {
		Username string       `json:"username"`
		Password string       `json:"password"`
		Note     string       `json:"note"`
		Custom   maskedString `json:"custom"`
	}
	r := sampleRecord(0)
	r.Args = input{Username: "alice", Password: "hunter22", Note: "uses " + secret, Custom: "c-secret-1"}
	r.Outcome = Outcome{Message: "mongodb+srv://alice:hunter22@c0.example.net failed; key " + secret}
	r.Decision.Reason = "token " + secret
	r.Requests[0].Path = "/api?x=" + secret
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	data, _ := os.ReadFile(l.Path())
	for _, leak := range []string{secret, "hunter22", "c-secret-1"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("%q leaked into the log: %s", leak, data)
		}
	}
	if !bytes.Contains(data, []byte(`"username":"alice"`)) {
		t.Errorf("non-secret argument lost: %s", data)
	}
	var got Record
	json.Unmarshal(bytes.TrimSpace(data), &got)
	if got.Args.(map[string]any)["password"] != Redacted {
		t.Errorf("password = %v", got.Args.(map[string]any)["password"])
	}
}

func TestRotationCarriesTheChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	const max = 4096
	l := openLog(t, Options{Path: path, MaxBytes: max})
	const n = 60
	for i := range n {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	files, err := Files(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 || files[len(files)-1] != path {
		t.Fatalf("Files = %v, want several rotated files then %s", files, path)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > max {
			t.Errorf("%s is %d bytes, over MaxBytes %d", f, st.Size(), max)
		}
	}
	requireOK(t, mustVerify(t, files...), n)

	// The live file alone starts mid-chain: that is reported, at line 1.
	rep := mustVerify(t, path)
	if rep.OK || rep.FirstBreak.Line != 1 || rep.FirstBreak.Kind != BreakContinuation ||
		!strings.Contains(rep.FirstBreak.Reason, "chains from a previous file") {
		t.Fatalf("Verify of the live file alone: %+v", rep.FirstBreak)
	}
	// Files out of order do not verify.
	rev := append([]string(nil), files...)
	rev[0], rev[1] = rev[1], rev[0]
	if rep := mustVerify(t, rev...); rep.OK {
		t.Fatal("files out of order verified")
	}

	// Reopening continues the chain in the live file.
	l = openLog(t, Options{Path: path, MaxBytes: max})
	r := sampleRecord(0)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if r.Seq != n+1 {
		t.Fatalf("seq after reopen = %d, want %d", r.Seq, n+1)
	}
	l.Close()
	files, _ = Files(path)
	requireOK(t, mustVerify(t, files...), n+1)
}

// Rotated names sort in chain order even when the clock stands still or goes
// backwards.
func TestRotationWithABadClock(t *testing.T) {
	for name, step := range map[string]time.Duration{"frozen": 0, "backwards": -time.Hour} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				now = now.Add(step)
				return now
			}
			l := openLog(t, Options{Path: path, MaxBytes: 1500, Now: clock})
			for i := range 20 {
				if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			files, err := Files(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) < 4 {
				t.Fatalf("only %d files", len(files))
			}
			requireOK(t, mustVerify(t, files...), 20)
		})
	}
}

// After a crash right after a rotation the new file holds only a fragment;
// Open must continue from the rotated file, not restart the chain.
func TestResumeFromRotatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path, MaxBytes: 2000})
	for i := range 10 {
		if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	rotated, _ := rotatedFiles(path)
	if len(rotated) == 0 {
		t.Fatal("no rotation happened")
	}
	// Make the newest rotated file the end of the chain and the live file a
	// lone torn fragment.
	last := rotated[len(rotated)-1]
	tailOfLast, _ := tailOfPath(last)
	writeFile(t, path, []byte(`{"time":"2026-01-01T00:`))

	l = openLog(t, Options{Path: path})
	r := sampleRecord(0)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if r.Seq != tailOfLast.head.Seq+1 || r.Prev != tailOfLast.head.Hash {
		t.Fatalf("resumed at seq %d prev %s, want %d and %s", r.Seq, r.Prev, tailOfLast.head.Seq+1, tailOfLast.head.Hash)
	}
	rep := mustVerify(t, append(rotated, path)...)
	requireOK(t, rep, int(r.Seq))
	if len(rep.Torn) != 1 || rep.Torn[0].File != path || rep.Torn[0].Line != 1 {
		t.Fatalf("Torn = %+v", rep.Torn)
	}
}

// Two writers on one file (two atlas-mcp processes with the default path)
// produce one chain, also across rotations. flock locks belong to open file
// descriptions, so two Logs in one process exclude each other like two
// processes do.
func TestTwoWritersShareOneChain(t *testing.T) {
	for name, max := range map[string]int64{"no rotation": 0, "rotation": 8 << 10} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			a := openLog(t, Options{Path: path, MaxBytes: max})
			b := openLog(t, Options{Path: path, MaxBytes: max, Sync: SyncBatch, BatchWindow: time.Millisecond})
			const each = 150
			var wg sync.WaitGroup
			for i := range each {
				for _, l := range []*Log{a, b} {
					wg.Go(func() {
						if err := l.Append(context.Background(), sampleRecord(i)); err != nil {
							t.Error(err)
						}
					})
				}
			}
			wg.Wait()
			a.Close()
			b.Close()
			files, err := Files(path)
			if err != nil {
				t.Fatal(err)
			}
			if max > 0 && len(files) < 2 {
				t.Fatalf("no rotation: %v", files)
			}
			requireOK(t, mustVerify(t, files...), 2*each)
		})
	}
}

func TestFilesErrors(t *testing.T) {
	if _, err := Files(filepath.Join(t.TempDir(), "none.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Files of nothing: %v", err)
	}
	// Names that merely look similar are not rotated files.
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	for _, name := range []string{"audit.jsonl.bak", "audit.jsonl.20260101T000000.000000000Z-x", "audit.jsonl.lock"} {
		writeFile(t, filepath.Join(dir, name), []byte("x"))
	}
	writeFile(t, path)
	files, err := Files(path)
	if err != nil || len(files) != 1 {
		t.Fatalf("Files = %v, %v; want only the live file", files, err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/state")
	if p, err := DefaultPath(); err != nil || p != "/var/state/atlas-mcp/audit.jsonl" {
		t.Errorf("with XDG_STATE_HOME: %q, %v", p, err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, xdg := range []string{"", "relative/state"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		want := filepath.Join(home, ".local", "state", "atlas-mcp", "audit.jsonl")
		if p, err := DefaultPath(); err != nil || p != want {
			t.Errorf("XDG_STATE_HOME=%q: %q, %v; want %q", xdg, p, err, want)
		}
	}
}

func ExampleLog_Append() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)
	l, _ := Open(Options{Path: filepath.Join(dir, "audit.jsonl")})
	r := &Record{Agent: "alice", Tool: "atlas-list-clusters", Decision: Decision{Allow: true, Rule: "grants[0]"},
		Outcome: Outcome{OK: true}}
	if err := l.Append(context.Background(), r); err != nil {
		fmt.Println(err) // fail closed
	}
	l.Close()
	rep, _ := Verify(l.Path())
	fmt.Println(r.Seq, r.Prev == Genesis, rep.OK, rep.Records)
	// Output: 1 true true 1
}

// Resuming reads the file backwards in windows; records (and torn
// fragments) larger than the first window must not confuse it.
func TestResumeWithLargeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := openLog(t, Options{Path: path})
	big := strings.Repeat("y", 3*tailWindow)
	for i := range 2 {
		r := sampleRecord(i)
		r.Args = map[string]any{"body": big}
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"` + big) // a torn fragment longer than the window
	f.Close()

	l = openLog(t, Options{Path: path})
	r := sampleRecord(3)
	if err := l.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if r.Seq != 3 {
		t.Fatalf("seq = %d, want 3", r.Seq)
	}
	rep := mustVerify(t, path)
	requireOK(t, rep, 3)
	if len(rep.Torn) != 1 || rep.Torn[0].Line != 3 {
		t.Fatalf("Torn = %+v", rep.Torn)
	}
}
