package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// anchoredFixture is a log written by an anchored writer (a checkpoint every
// 5 records, in a file apart from the log), and the verifier key.
type anchoredFixture struct {
	dir, log, cps, key, pub string
}

func newAnchoredFixture(t *testing.T) *anchoredFixture {
	t.Helper()
	dir := t.TempDir()
	f := &anchoredFixture{dir: dir, log: filepath.Join(dir, "audit.jsonl"), cps: filepath.Join(dir, "sink", "checkpoints.jsonl"), key: filepath.Join(dir, "audit.key")}
	f.pub = f.key + ".pub"
	r := runCLI(t, nil, nil, "audit", "keygen", f.key)
	if r.err != nil {
		t.Fatalf("keygen: %v %s", r.err, r.stderr)
	}
	if st, err := os.Stat(f.key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", st, err)
	}
	return f
}

// write appends n records (agent-i, tool per i) through an anchored Log.
func (f *anchoredFixture) write(t *testing.T, path string, n int, o audit.Options) {
	t.Helper()
	skey, err := os.ReadFile(f.key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.NewSigner(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	o.Path, o.Signer, o.Sinks, o.CheckpointEvery = path, signer, []audit.Sink{&audit.FileSink{Path: f.cps}}, 5
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = time.Hour
	}
	l, err := audit.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r := &audit.Record{Agent: fmt.Sprintf("agent-%d", i%3), Tool: "atlas-delete-cluster", Access: "write",
			Args: map[string]any{"clusterName": fmt.Sprintf("c%d-%s", i, filepath.Base(path))}, Decision: audit.Decision{Allow: true, Rule: "grants[0]"},
			Outcome: audit.Outcome{OK: true}}
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(b), "\n")
}

func keep(t *testing.T, path string, ls []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(ls, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces the log by a fresh, internally valid chain of its records
// minus one, with an agent renamed: every hash recomputed.
func rewrite(t *testing.T, path string) {
	t.Helper()
	var recs []audit.Record
	for _, l := range lines(t, path) {
		var r audit.Record
		if json.Unmarshal([]byte(l), &r) == nil {
			recs = append(recs, r)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(audit.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if i == 6 {
			continue // "a script removed every delete"
		}
		if r.Agent == "agent-1" {
			r.Agent = "agent-x"
		}
		if err := l.Append(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
}

// TestVerifyCatchesAttacksOnTheLog: each attack an auditor tried, done to a
// log of 20 records with checkpoints every 5, and what `audit verify` says.
func TestVerifyCatchesAttacksOnTheLog(t *testing.T) {
	tests := []struct {
		name   string
		attack func(t *testing.T, f *anchoredFixture) []string // returns the files to verify
		args   []string
		code   int
		want   []string
	}{
		{"intact", func(t *testing.T, f *anchoredFixture) []string { return []string{f.log} },
			nil, 0, []string{"OK: 20 record(s)", "signed checkpoint(s) verify"}},
		{"tail cut", func(t *testing.T, f *anchoredFixture) []string {
			keep(t, f.log, lines(t, f.log)[:12])
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: records 13–20 covered by checkpoint at", "are missing (the log ends at record 12)"}},
		{"first record only", func(t *testing.T, f *anchoredFixture) []string {
			keep(t, f.log, lines(t, f.log)[:1])
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: records 2–20 covered by checkpoint at", "are missing"}},
		{"empty file", func(t *testing.T, f *anchoredFixture) []string {
			keep(t, f.log, nil)
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: records 1–20 covered by checkpoint at", "are missing (the log ends at record 0)"}},
		{"full rewrite with recomputed hashes", func(t *testing.T, f *anchoredFixture) []string {
			rewrite(t, f.log)
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: records 1–5 covered by checkpoint at", "do not match the log", "TAMPERED: record 20 covered by checkpoint at"}},
		{"torn acknowledged record", func(t *testing.T, f *anchoredFixture) []string {
			ls := lines(t, f.log)
			ls[19] = ls[19][:len(ls[19])/2] // as a crash would leave it, but the record was signed
			keep(t, f.log, ls)
			return []string{f.log}
		}, nil, 1, []string{"torn line where record 20 was", "tampering, not a crash", "TAMPERED: record 20 covered by checkpoint"}},
		{"truncate while stopped then restart", func(t *testing.T, f *anchoredFixture) []string {
			keep(t, f.log, lines(t, f.log)[:7])
			f.write(t, f.log, 3, audit.Options{}) // the server starts again and carries on
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: records 6–20 covered by checkpoint at", "were cut", "rollback", "records 6–10 covered by checkpoint at"}},
		{"forked checkpoint", func(t *testing.T, f *anchoredFixture) []string {
			// A second history signed with the same key into the same sink.
			f.write(t, filepath.Join(f.dir, "other.jsonl"), 20, audit.Options{})
			return []string{f.log}
		}, nil, 1, []string{"TAMPERED: checkpoints fork", "both cover records 1–5 but sign different roots"}},
		{"checkpoints removed (heartbeat)", func(t *testing.T, f *anchoredFixture) []string {
			var kept []string
			for _, l := range lines(t, f.cps) {
				if strings.Contains(l, `"size":0,`) || strings.Contains(l, `"size":5,`) {
					kept = append(kept, l)
				}
			}
			keep(t, f.cps, kept)
			return []string{f.log}
		}, []string{"--checkpoint-every", "5"}, 1, []string{"TAMPERED: records 6–20 are not covered by any checkpoint"}},
		{"forged checkpoint", func(t *testing.T, f *anchoredFixture) []string {
			b, _ := os.ReadFile(f.cps)
			keep(t, f.cps, []string{strings.Replace(string(b), `\n20\n`, `\n21\n`, 1)})
			return []string{f.log}
		}, nil, 1, []string{"does not verify with key atlas-mcp-audit", "forged or damaged"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newAnchoredFixture(t)
			f.write(t, f.log, 20, audit.Options{})
			files := tc.attack(t, f)
			args := append([]string{"audit", "verify", "--key", f.pub, "--checkpoints", f.cps}, tc.args...)
			r := runCLI(t, nil, nil, append(args, files...)...)
			if r.exitCode() != tc.code {
				t.Fatalf("exit %d (%v), want %d\n%s", r.exitCode(), r.err, tc.code, r.stdout)
			}
			mustContain(t, "audit verify", r.stdout, tc.want...)
		})
	}
}

// TestVerifyNewestRotatedFileDeleted: the chain spans rotated files; deleting
// the newest rotated one is named as the records it held.
func TestVerifyNewestRotatedFileDeleted(t *testing.T) {
	f := newAnchoredFixture(t)
	f.write(t, f.log, 20, audit.Options{MaxBytes: 1500})
	files, err := audit.Files(f.log)
	if err != nil || len(files) < 4 {
		t.Fatalf("want several rotated files, got %v %v", files, err)
	}
	r := runCLI(t, nil, nil, append([]string{"audit", "verify", "--key", f.pub, "--checkpoints", f.cps}, files...)...)
	if r.exitCode() != 0 {
		t.Fatalf("intact rotated chain: exit %d\n%s", r.exitCode(), r.stdout)
	}
	newest := files[len(files)-2]
	held := len(lines(t, newest)) - 1
	if err := os.Remove(newest); err != nil {
		t.Fatal(err)
	}
	files, _ = audit.Files(f.log)
	r = runCLI(t, nil, nil, append([]string{"audit", "verify", "--key", f.pub, "--checkpoints", f.cps}, files...)...)
	if r.exitCode() != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.exitCode(), r.stdout)
	}
	first := 20 - len(lines(t, f.log)) + 2 - held
	mustContain(t, "audit verify", r.stdout, "BROKEN", fmt.Sprintf("records %d–%d are missing", first, first+held-1),
		fmt.Sprintf("TAMPERED: records %d–20 covered by checkpoint at", first))
}

// TestVerifyKeepsIndependentLogsApart: two logs given together are two
// chains, not one with a removed record.
func TestVerifyKeepsIndependentLogsApart(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	for _, p := range []string{a, b} {
		l, err := audit.Open(audit.Options{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := l.Append(context.Background(), &audit.Record{Agent: "x", Tool: "atlas-list-orgs"}); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	r := runCLI(t, nil, nil, "audit", "verify", a, b)
	if r.exitCode() != 0 {
		t.Fatalf("exit %d\n%s", r.exitCode(), r.stdout)
	}
	mustContain(t, "audit verify", r.stdout, "chain 1: records 1–3 in "+a, "chain 2: records 1–3 in "+b+" (a separate log")
}

// TestProveARecord: a proof of one record against a checkpoint, checked with
// the verifier key alone; a proof of an altered record fails.
func TestProveARecord(t *testing.T) {
	f := newAnchoredFixture(t)
	f.write(t, f.log, 12, audit.Options{})
	r := runCLI(t, nil, nil, "audit", "prove", "--key", f.pub, "--checkpoints", f.cps, "7", f.log)
	if r.err != nil {
		t.Fatalf("prove: %v\n%s", r.err, r.stderr)
	}
	mustContain(t, "prove hint", r.stderr, "audit prove --key", "--check")
	proof := filepath.Join(f.dir, "proof.json")
	if err := os.WriteFile(proof, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	c := runCLI(t, nil, nil, "audit", "prove", "--key", f.pub, "--check", proof)
	if c.err != nil {
		t.Fatalf("check: %v\n%s", c.err, c.stdout)
	}
	mustContain(t, "check", c.stdout, "OK: record 7 is in the log atlas-mcp-audit")
	var p audit.Proof
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	p.Record = strings.Replace(p.Record, "agent-0", "agent-9", 1)
	b, _ := json.Marshal(p)
	_ = os.WriteFile(proof, b, 0o600)
	if c := runCLI(t, nil, nil, "audit", "prove", "--key", f.pub, "--check", proof); c.exitCode() != 1 {
		t.Fatalf("altered record: exit %d\n%s", c.exitCode(), c.stdout)
	}
}

// TestRetentionKeepsTheAnchor: the oldest rotated files are deleted on
// purpose. The server resumes its tree from a checkpoint and keeps signing;
// `audit verify --retained` proves what is left, and still catches a cut.
func TestRetentionKeepsTheAnchor(t *testing.T) {
	f := newAnchoredFixture(t)
	f.write(t, f.log, 20, audit.Options{MaxBytes: 1500})
	files, _ := audit.Files(f.log)
	for _, old := range files[:2] {
		if err := os.Remove(old); err != nil {
			t.Fatal(err)
		}
	}
	f.write(t, f.log, 7, audit.Options{MaxBytes: 1500}) // restart after retention
	files, _ = audit.Files(f.log)
	verify := func(extra ...string) cliResult {
		return runCLI(t, nil, nil, append(append([]string{"audit", "verify", "--key", f.pub, "--checkpoints", f.cps}, extra...), files...)...)
	}
	if r := verify(); r.exitCode() != 1 || !strings.Contains(r.stdout, "BROKEN") {
		t.Fatalf("without --retained a missing beginning is a break: exit %d\n%s", r.exitCode(), r.stdout)
	}
	r := verify("--retained")
	if r.exitCode() != 0 {
		t.Fatalf("--retained: exit %d\n%s", r.exitCode(), r.stdout)
	}
	mustContain(t, "audit verify --retained", r.stdout, "(retention)", "OK: ", "record(s)")
	ls := lines(t, f.log)
	keep(t, f.log, ls[:len(ls)-3])
	if r := verify("--retained"); r.exitCode() != 1 || !strings.Contains(r.stdout, "records 26–27 covered by checkpoint at") {
		t.Fatalf("--retained after a tail cut: exit %d\n%s", r.exitCode(), r.stdout)
	}
}
