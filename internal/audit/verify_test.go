package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const nRecords = 20

// fixture writes a 20-record log and returns its path and lines (each with
// its newline).
func fixture(t *testing.T) (string, [][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	writeRecords(t, path, nRecords)
	lines := readLines(t, path)
	if last := lines[len(lines)-1]; len(last) != 0 {
		t.Fatalf("file does not end with a newline: %q", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != nRecords {
		t.Fatalf("got %d lines, want %d", len(lines), nRecords)
	}
	return path, lines
}

func TestVerifyIntactLog(t *testing.T) {
	path, lines := fixture(t)
	rep := mustVerify(t, path)
	requireOK(t, rep, nRecords)
	if rep.LastSeq != nRecords {
		t.Errorf("LastSeq = %d, want %d", rep.LastSeq, nRecords)
	}
	var last Record
	if err := json.Unmarshal(lines[nRecords-1], &last); err != nil {
		t.Fatal(err)
	}
	if rep.LastHash != last.Hash {
		t.Errorf("LastHash = %s, want the last record's %s", rep.LastHash, last.Hash)
	}
	if len(rep.Torn) != 0 {
		t.Errorf("Torn = %v, want none", rep.Torn)
	}
}

// TestChainIsCheckableIndependently recomputes every hash the way the
// package documentation defines it, without the package's code, so the
// format is a contract other programs can rely on.
func TestChainIsCheckableIndependently(t *testing.T) {
	_, lines := fixture(t)
	tail := regexp.MustCompile(`,"hash":"([0-9a-f]{64})"\}\n$`)
	prev := Genesis
	for i, line := range lines {
		m := tail.FindSubmatchIndex(line)
		if m == nil {
			t.Fatalf("line %d does not end in the hash member: %s", i+1, line)
		}
		canonical := append(append([]byte(nil), line[:m[0]]...), '}')
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Prev != prev {
			t.Fatalf("line %d: prev %s, want %s", i+1, rec.Prev, prev)
		}
		raw, _ := hex.DecodeString(prev)
		sum := sha256.Sum256(append(raw, canonical...))
		if got := hex.EncodeToString(sum[:]); got != string(line[m[2]:m[3]]) {
			t.Fatalf("line %d: independent hash %s != stored %s", i+1, got, line[m[2]:m[3]])
		}
		// The canonical bytes are also encoding/json's rendering of the
		// record with Hash empty, as documented.
		rec.Hash = ""
		rec.Args = json.RawMessage(mustMarshal(t, rec.Args))
		if again, _ := marshalJSON(rec); !bytes.Equal(again, canonical) {
			t.Fatalf("line %d: canonical bytes differ from encoding/json:\n%s\n%s", i+1, canonical, again)
		}
		prev = string(line[m[2]:m[3]])
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := marshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecordKeyOrder(t *testing.T) {
	_, lines := fixture(t)
	dec := json.NewDecoder(bytes.NewReader(lines[0]))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			continue
		case json.Delim('}'), json.Delim(']'):
			depth--
			continue
		}
		if s, ok := tok.(string); ok && depth == 1 {
			keys = append(keys, s)
			// skip the value
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := "time seq agent session host tool area access args decision confirmation requests outcome ms prev hash"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("keys:\n got %s\nwant %s", got, want)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	type edit struct {
		name string
		// apply changes lines (0-based target i) and returns the new file.
		apply func(lines [][]byte, i int) [][]byte
		// skipLast: a change to the last line that a chain cannot see.
		lastUndetectable bool
		wantLine         func(i int) int
		wantKind         func(i int) BreakKind
	}
	cp := func(lines [][]byte) [][]byte {
		out := make([][]byte, len(lines))
		for i, l := range lines {
			out[i] = append([]byte(nil), l...)
		}
		return out
	}
	edits := []edit{
		{
			name: "edit a value",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				out[i] = bytes.Replace(out[i], []byte(`"sess-1"`), []byte(`"sess-2"`), 1)
				return out
			},
			wantLine: func(i int) int { return i + 1 },
			wantKind: func(int) BreakKind { return BreakEdited },
		},
		{
			name: "flip a decision",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				if bytes.Contains(out[i], []byte(`"allow":false`)) {
					out[i] = bytes.Replace(out[i], []byte(`"allow":false`), []byte(`"allow":true`), 1)
				} else {
					out[i] = bytes.Replace(out[i], []byte(`"allow":true`), []byte(`"allow":false`), 1)
				}
				return out
			},
			wantLine: func(i int) int { return i + 1 },
			wantKind: func(int) BreakKind { return BreakEdited },
		},
		{
			name: "delete a line",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				return append(out[:i], out[i+1:]...)
			},
			lastUndetectable: true,
			wantLine:         func(i int) int { return i + 1 },
			wantKind: func(i int) BreakKind {
				if i == 0 {
					return BreakContinuation // the log now starts mid-chain
				}
				return BreakRemoved
			},
		},
		{
			name: "swap with the next line",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				if i == len(out)-1 {
					i-- // swap the last two
				}
				out[i], out[i+1] = out[i+1], out[i]
				return out
			},
			wantLine: func(i int) int {
				if i == nRecords-1 {
					return i
				}
				return i + 1
			},
			wantKind: func(i int) BreakKind {
				if i == 0 {
					return BreakContinuation
				}
				return BreakRemoved
			},
		},
		{
			name: "cut a line short",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				out[i] = append(out[i][:len(out[i])/2:len(out[i])/2], '\n')
				return out
			},
			lastUndetectable: true, // indistinguishable from a crash: reported as torn
			wantLine:         func(i int) int { return i + 1 },
			wantKind:         func(int) BreakKind { return BreakDamaged },
		},
		{
			name: "replace with another JSON object",
			apply: func(lines [][]byte, i int) [][]byte {
				out := cp(lines)
				out[i] = []byte("{\"seq\":1}\n")
				return out
			},
			wantLine: func(i int) int { return i + 1 },
			wantKind: func(int) BreakKind { return BreakMalformed },
		},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			path, lines := fixture(t)
			for i := range lines {
				writeFile(t, path, e.apply(lines, i)...)
				rep := mustVerify(t, path)
				if e.lastUndetectable && i == len(lines)-1 {
					if !rep.OK {
						t.Fatalf("line %d: unexpected break %v", i+1, rep.FirstBreak)
					}
					if rep.LastSeq == nRecords && len(rep.Torn) == 0 {
						t.Fatalf("line %d: a cut at the end must show in LastSeq or Torn", i+1)
					}
					continue
				}
				if rep.OK || rep.FirstBreak == nil {
					t.Fatalf("line %d: tampering not detected", i+1)
				}
				b := rep.FirstBreak
				if b.Line != e.wantLine(i) || b.Kind != e.wantKind(i) || b.File != path {
					t.Fatalf("line %d: break %s:%d %s (%s), want line %d kind %s",
						i+1, b.File, b.Line, b.Kind, b.Reason, e.wantLine(i), e.wantKind(i))
				}
				if b.Reason == "" {
					t.Fatalf("line %d: empty reason", i+1)
				}
			}
		})
	}
}

func TestVerifyReasons(t *testing.T) {
	path, lines := fixture(t)
	cases := []struct {
		name   string
		mutate func() [][]byte
		want   string
	}{
		{"edited", func() [][]byte {
			l := append([][]byte(nil), lines...)
			l[4] = bytes.Replace(l[4], []byte("agent-"), []byte("agent_"), 1)
			return l
		}, "hash mismatch: record edited"},
		{"removed", func() [][]byte {
			return append(append([][]byte(nil), lines[:4]...), lines[5:]...)
		}, "prev does not match previous hash: a record was removed or reordered"},
		{"continuation", func() [][]byte { return lines[3:] }, "chains from a previous file"},
		{"torn in the middle", func() [][]byte {
			l := append([][]byte(nil), lines...)
			l[4] = []byte("{\"time\":\"2026\n")
			return l
		}, "a record was damaged or removed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			writeFile(t, path, c.mutate()...)
			rep := mustVerify(t, path)
			if rep.OK || !strings.Contains(rep.FirstBreak.Reason, c.want) {
				t.Fatalf("break = %+v, want reason containing %q", rep.FirstBreak, c.want)
			}
		})
	}
}

// A forger who recomputes the hash of the one line they changed still breaks
// the chain: at that line if they changed seq, at the next if not.
func TestVerifyForgedLine(t *testing.T) {
	path, lines := fixture(t)
	var rec Record
	if err := json.Unmarshal(lines[4], &rec); err != nil {
		t.Fatal(err)
	}
	rec.Args = json.RawMessage(mustMarshal(t, rec.Args))
	rec.Seq = 7
	forged, _, err := encodeLine(&rec, rec.Prev)
	if err != nil {
		t.Fatal(err)
	}
	l := append([][]byte(nil), lines...)
	l[4] = forged
	writeFile(t, path, l...)
	rep := mustVerify(t, path)
	if rep.OK || rep.FirstBreak.Line != 5 || rep.FirstBreak.Kind != BreakSequence ||
		rep.FirstBreak.Reason != "sequence jumps from 4 to 7" {
		t.Fatalf("break = %+v, want sequence jump at line 5", rep.FirstBreak)
	}

	rec.Seq, rec.Agent = 5, "someone-else"
	forged, _, _ = encodeLine(&rec, rec.Prev)
	l[4] = forged
	writeFile(t, path, l...)
	rep = mustVerify(t, path)
	if rep.OK || rep.FirstBreak.Line != 6 || rep.FirstBreak.Kind != BreakRemoved {
		t.Fatalf("break = %+v, want prev mismatch at line 6", rep.FirstBreak)
	}
}

func TestVerifyTornLastLine(t *testing.T) {
	path, lines := fixture(t)
	torn := lines[nRecords-1][:40] // a crash mid-write: no newline
	writeFile(t, path, append(append([][]byte(nil), lines[:nRecords-1]...), torn)...)
	rep := mustVerify(t, path)
	requireOK(t, rep, nRecords-1)
	if len(rep.Torn) != 1 || rep.Torn[0].Line != nRecords || rep.Torn[0].Kind != BreakTorn ||
		!strings.Contains(rep.Torn[0].Reason, "torn line (incomplete JSON at end of file): crash during write") {
		t.Fatalf("Torn = %+v, want line %d reported as torn", rep.Torn, nRecords)
	}

	// A complete record whose newline did not make it is a record.
	writeFile(t, path, append(append([][]byte(nil), lines[:nRecords-1]...), bytes.TrimSuffix(lines[nRecords-1], []byte("\n")))...)
	rep = mustVerify(t, path)
	requireOK(t, rep, nRecords)
	if len(rep.Torn) != 0 {
		t.Fatalf("Torn = %+v, want none", rep.Torn)
	}
}

func TestVerifyErrors(t *testing.T) {
	if _, err := Verify(); err == nil {
		t.Error("Verify() with no file: want an error")
	}
	if _, err := Verify(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Verify of a missing file: want an error")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	writeFile(t, empty)
	requireOK(t, mustVerify(t, empty), 0)
}
