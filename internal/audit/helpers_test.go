package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// sampleRecord is a plausible record; i varies agent, tool and outcome so
// that lines differ.
func sampleRecord(i int) *Record {
	r := &Record{
		Agent:   fmt.Sprintf("agent-%d", i%3),
		Session: "sess-1",
		Host:    Host{Name: "claude-desktop", Version: "1.0"},
		Tool:    "atlas-list-clusters",
		Area:    "clusters",
		Access:  "read",
		Args:    map[string]any{"projectId": "5f1a2b3c4d5e6f7a8b9c0d1e", "i": i},
		Decision: Decision{
			Allow: true, Rule: "grants[0]",
		},
		Confirmation: ConfirmNotNeeded,
		Requests: []Request{{
			Method: "GET", Path: "/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters",
			Status: 200, DurationMs: 12.5, Attempts: 1,
		}},
		Outcome:    Outcome{OK: true},
		DurationMs: 13.25,
	}
	if i%4 == 3 {
		r.Tool, r.Access = "atlas-delete-cluster", "write"
		r.Decision = Decision{Allow: false, Rule: "readonly", Reason: "read-only mode"}
		r.Requests = nil
		r.Outcome = Outcome{OK: false, ErrorCode: "POLICY_DENIED", Message: "denied"}
	}
	return r
}

func openLog(t testing.TB, opts Options) *Log {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "audit.jsonl")
	}
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// writeRecords appends n sample records to a new log at path and closes it.
func writeRecords(t testing.TB, path string, n int) []*Record {
	t.Helper()
	l, err := Open(Options{Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var out []*Record
	for i := range n {
		r := sampleRecord(i)
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		out = append(out, r)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))
}

func writeFile(t testing.TB, path string, parts ...[]byte) {
	t.Helper()
	if err := os.WriteFile(path, bytes.Join(parts, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustVerify(t testing.TB, paths ...string) *Report {
	t.Helper()
	rep, err := Verify(paths...)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func requireOK(t testing.TB, rep *Report, records int) {
	t.Helper()
	if !rep.OK || rep.FirstBreak != nil {
		t.Fatalf("Verify not OK: %+v", rep.FirstBreak)
	}
	if rep.Records != records {
		t.Fatalf("Verify counted %d records, want %d", rep.Records, records)
	}
}
