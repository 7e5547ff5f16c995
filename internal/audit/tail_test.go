package audit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func tailFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	l := openLog(t, Options{Path: path, Now: func() time.Time { return now }})
	recs := []*Record{
		{Agent: "alice", Tool: "atlas-list-clusters", Decision: Decision{Allow: true, Rule: "grants[0]"},
			Confirmation: ConfirmNotNeeded, Outcome: Outcome{OK: true}, DurationMs: 12,
			Requests: []Request{{Method: "GET", Path: "/api/atlas/v2/groups/p/clusters", Status: 200, DurationMs: 10, Attempts: 1}}},
		{Agent: "bob", Tool: "atlas-delete-cluster", Decision: Decision{Allow: false, Rule: "readonly", Reason: "read-only\nmode"},
			Outcome: Outcome{ErrorCode: "POLICY_DENIED", Message: "denied"}},
		{Agent: "alice", Tool: "atlas-delete-cluster", Decision: Decision{Allow: true, Rule: "grants[1]"},
			Confirmation: ConfirmDeclined, Outcome: Outcome{ErrorCode: "CONFIRMATION_DECLINED", Message: "the user said no"}},
		{Agent: "alice", Tool: "atlas-create-cluster", DryRun: true, Decision: Decision{Allow: true, Rule: "grants[1]"},
			Confirmation: ConfirmAccepted, Outcome: Outcome{Status: 429, ErrorCode: "RATE_LIMITED", Message: "slow down\r\nINJECTED 9999 fake line"},
			Requests: []Request{{Method: "POST", Path: "/api/atlas/v2/groups/p/clusters", Status: 429, DurationMs: 5, Attempts: 3}}},
	}
	for _, r := range recs {
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	// A torn line must not stop or confuse Tail.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026`)
	f.Close()
	return path
}

func TestTail(t *testing.T) {
	path := tailFixture(t)
	cases := []struct {
		name   string
		filter Filter
		want   []string // one substring per expected line, in order
	}{
		{"all", Filter{}, []string{"#1 alice atlas-list-clusters", "#2 bob", "#3 alice atlas-delete-cluster", "#4 alice atlas-create-cluster"}},
		{"agent", Filter{Agent: "bob"}, []string{"#2 bob atlas-delete-cluster"}},
		{"tool", Filter{Tool: "atlas-delete-cluster"}, []string{"#2 ", "#3 "}},
		{"denied", Filter{Denied: true}, []string{"#2 ", "#3 "}},
		{"limit", Filter{Limit: 2}, []string{"#3 ", "#4 "}},
		{"limit and agent", Filter{Agent: "alice", Limit: 1}, []string{"#4 "}},
		{"nothing", Filter{Agent: "carol"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Tail(&buf, []string{path}, c.filter); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if buf.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(c.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(c.want), buf.String())
			}
			for i, w := range c.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i+1, lines[i], w)
				}
			}
		})
	}
}

func TestTailFormat(t *testing.T) {
	path := tailFixture(t)
	var buf bytes.Buffer
	if err := Tail(&buf, []string{path}, Filter{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{
		"2026-05-06T07:08:09.000000000Z #1 alice atlas-list-clusters allow[grants[0]] ok | GET /api/atlas/v2/groups/p/clusters 200 10ms (12ms)",
		`2026-05-06T07:08:09.000000000Z #2 bob atlas-delete-cluster DENY[readonly] "read-only\nmode" error POLICY_DENIED "denied" (0ms)`,
		`2026-05-06T07:08:09.000000000Z #3 alice atlas-delete-cluster allow[grants[1]] confirm=declined error CONFIRMATION_DECLINED "the user said no" (0ms)`,
		`2026-05-06T07:08:09.000000000Z #4 alice atlas-create-cluster (dry-run) allow[grants[1]] confirm=accepted error 429 RATE_LIMITED "slow down\r\nINJECTED 9999 fake line" | POST /api/atlas/v2/groups/p/clusters 429 5ms x3 (0ms)`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], want[i])
		}
	}
}

func TestTailMissingFile(t *testing.T) {
	if err := Tail(&bytes.Buffer{}, []string{filepath.Join(t.TempDir(), "none")}, Filter{}); err == nil {
		t.Fatal("want an error for a missing file")
	}
}
