package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// recordsText names records a–b for people ("records 8–12", "record 8").
func recordsText(a, b uint64) string {
	if a == b {
		return fmt.Sprintf("record %d", a)
	}
	return fmt.Sprintf("records %d–%d", a, b)
}

func areIs(a, b uint64) string {
	if a == b {
		return "is"
	}
	return "are"
}

// BreakKind classifies a Break so that callers branch on it, not on Reason.
type BreakKind string

const (
	// BreakEdited: a record's hash does not match its content.
	BreakEdited BreakKind = "edited"
	// BreakRemoved: a record's prev is not the previous record's hash.
	BreakRemoved BreakKind = "removed"
	// BreakSequence: the chain links but seq is not previous+1.
	BreakSequence BreakKind = "sequence"
	// BreakMalformed: a complete JSON line that is not an audit record.
	BreakMalformed BreakKind = "malformed"
	// BreakDamaged: an unreadable line that the next record does not chain
	// across, so it replaced or removed a record.
	BreakDamaged BreakKind = "damaged"
	// BreakContinuation: the first record given chains from an earlier file
	// that was not given.
	BreakContinuation BreakKind = "continuation"
	// BreakTorn: an incomplete line left by a crash during a write. Only
	// ever in Report.Torn, never FirstBreak.
	BreakTorn BreakKind = "torn"
)

// Break locates one problem: File and 1-based Line, the record's Seq when it
// could be read, and a Reason for people.
type Break struct {
	File   string    `json:"file"`
	Line   int       `json:"line"`
	Seq    uint64    `json:"seq,omitempty"`
	Kind   BreakKind `json:"kind"`
	Reason string    `json:"reason"`
	// Acknowledged marks a torn line whose sequence number a checkpoint had
	// already signed: the record was durable, so this is tampering.
	Acknowledged bool `json:"acknowledged,omitempty"`
}

func (b Break) String() string { return fmt.Sprintf("%s:%d: %s", b.File, b.Line, b.Reason) }

// Report is the result of Verify.
//
// OK is false exactly when FirstBreak is set: something was edited, removed,
// reordered or inserted. Torn lines alone leave OK true. `audit verify`
// exits 0 when OK (printing each torn line as a warning), 1 when not OK, and
// 2 when Verify returns an error (a file could not be read). The reason: a
// crash can only tear the record being written, whose Append never
// returned, so no acknowledged evidence is missing; and a torn line cannot
// hide tampering elsewhere, because every complete record is still checked
// and the chain must cross the torn line exactly.
//
// A hash chain cannot show that records were cut from the end. Compare
// LastSeq and LastHash with an anchor kept elsewhere (the Log logs its head
// at rotation and Close) to detect that.
type Report struct {
	Files      int     `json:"files"`
	Records    int     `json:"records"` // records that verified (up to FirstBreak, if any)
	OK         bool    `json:"ok"`
	FirstBreak *Break  `json:"firstBreak,omitempty"`
	Torn       []Break `json:"torn,omitempty"`
	LastSeq    uint64  `json:"lastSeq"` // the last verified record
	LastHash   string  `json:"lastHash"`
	// Chains: independent logs given together (each starts from Genesis)
	// are separate chains, not one chain with a removed record.
	Chains []Chain `json:"chains,omitempty"`
	// Unfinished are intents without an outcome: the process stopped
	// between recording a write and recording what Atlas answered. They are
	// not tampering; Atlas may or may not have applied the write.
	Unfinished []Unfinished `json:"unfinished,omitempty"`
	// Checkpoints and Problems are filled by VerifyAnchored. Any problem
	// makes OK false.
	Checkpoints int       `json:"checkpoints,omitempty"`
	Problems    []Problem `json:"problems,omitempty"`
	// RetainedFrom is set when the oldest records were not given (retention)
	// and the log was proven from the checkpoint of that size instead.
	RetainedFrom uint64 `json:"retainedFrom,omitempty"`
}

// Chain is one hash chain among the files verified.
type Chain struct {
	Files    []string `json:"files"`
	FirstSeq uint64   `json:"firstSeq"`
	LastSeq  uint64   `json:"lastSeq"`
	Records  int      `json:"records"`
	LastTime string   `json:"lastTime,omitempty"`
	leaves   [][]byte // Merkle leaf hashes of FirstSeq…LastSeq
}

// Unfinished is an intent record with no outcome record naming it, or whose
// outcome says the call was interrupted (OutcomeSeq and Code set): either
// way Atlas may hold an effect whose end the log does not show.
type Unfinished struct {
	Seq        uint64 `json:"seq"`
	OutcomeSeq uint64 `json:"outcomeSeq,omitempty"`
	Code       string `json:"code,omitempty"`
	Time       string `json:"time"`
	Agent      string `json:"agent"`
	Tool       string `json:"tool"`
	PlanHash   string `json:"planHash"`
	File       string `json:"file"`
	Line       int    `json:"line"`
}

// Verify checks the chain and the sequence across the files in order (use
// Files to list rotated files first). The first record must be the start of
// a chain (seq 1, prev Genesis); a file that continues a rotated one fails
// at its first record with BreakContinuation unless the earlier files are
// given too, because a missing beginning is exactly what deleting old
// records looks like. Verify stops at the first break. Problems with the log
// go in the Report; the error is only for files that cannot be read.
func Verify(paths ...string) (*Report, error) { return verifyFiles(false, paths) }

// verifyFiles is Verify; with retained, a first record that continues a
// chain whose beginning is not given is accepted (VerifyAnchored then needs
// a checkpoint that carries the tree state up to there).
func verifyFiles(retained bool, paths []string) (*Report, error) {
	if len(paths) == 0 {
		return nil, errors.New("audit: verify: no file given")
	}
	v := verifier{expect: genesisHead, rep: &Report{LastHash: Genesis}, intents: map[uint64]Unfinished{}, retained: retained}
	defer v.finish()
	for _, p := range paths {
		v.newFile = true
		if err := v.file(p); err != nil {
			return nil, err
		}
		v.rep.Files++
		if v.rep.FirstBreak != nil {
			return v.rep, nil
		}
	}
	v.rep.Torn = append(v.rep.Torn, v.pending...)
	v.rep.OK = true
	return v.rep, nil
}

type verifier struct {
	expect  head
	rep     *Report
	pending []Break // unreadable lines not yet crossed by a valid link
	newFile bool    // no record of the current file has been read yet
	chain   *Chain
	intents map[uint64]Unfinished
	// interrupted are intents whose outcome says the call was cut short.
	interrupted []Unfinished
	retained    bool // the oldest files were deleted on purpose
}

// finish lists the chains and the intents left without an outcome.
func (v *verifier) finish() {
	if v.chain != nil {
		v.rep.Chains = append(v.rep.Chains, *v.chain)
	}
	for _, u := range v.intents {
		v.rep.Unfinished = append(v.rep.Unfinished, u)
	}
	v.rep.Unfinished = append(v.rep.Unfinished, v.interrupted...)
	sort.Slice(v.rep.Unfinished, func(i, j int) bool { return v.rep.Unfinished[i].Seq < v.rep.Unfinished[j].Seq })
}

// record accounts for one record that verified.
func (v *verifier) record(path string, n int, body []byte, info lineInfo) {
	c := v.chain
	if c == nil {
		c = &Chain{FirstSeq: info.Seq}
		v.chain = c
	}
	if len(c.Files) == 0 || c.Files[len(c.Files)-1] != path {
		c.Files = append(c.Files, path)
	}
	c.LastSeq, c.LastTime = info.Seq, info.Time
	c.Records++
	c.leaves = append(c.leaves, leafHash(body))
	switch info.Kind {
	case KindIntent:
		v.intents[info.Seq] = Unfinished{Seq: info.Seq, Time: info.Time, Agent: info.Agent, Tool: info.Tool, PlanHash: info.PlanHash, File: path, Line: n}
	case KindOutcome:
		u, ok := v.intents[info.Intent]
		delete(v.intents, info.Intent)
		if ok && info.Outcome.Interrupted() {
			u.OutcomeSeq, u.Code = info.Seq, info.Outcome.ErrorCode
			v.interrupted = append(v.interrupted, u)
		}
	}
}

func (v *verifier) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("audit: verify: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		raw, err := r.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("audit: verify %s: %w", path, err)
		}
		if v.line(path, n, raw) {
			return nil
		}
	}
}

// line checks one raw line and reports whether verification must stop.
func (v *verifier) line(path string, n int, raw []byte) bool {
	complete := bytes.HasSuffix(raw, []byte("\n"))
	body := bytes.TrimSuffix(raw, []byte("\n"))
	fail := func(seq uint64, kind BreakKind, reason string) bool {
		v.rep.FirstBreak = &Break{File: path, Line: n, Seq: seq, Kind: kind, Reason: reason}
		return true
	}
	info, err := checkLine(body)
	switch {
	case errors.Is(err, errTorn):
		reason := "torn line (incomplete JSON at end of file): crash during write"
		if complete {
			reason = "torn line (incomplete JSON): crash during write; writing resumed on the next line"
		}
		// A torn line can only be the record after the last good one.
		v.pending = append(v.pending, Break{File: path, Line: n, Seq: v.expect.Seq + 1, Kind: BreakTorn, Reason: reason})
		return false
	case errors.Is(err, errEdited):
		return fail(0, BreakEdited, "hash mismatch: record edited")
	case err != nil:
		return fail(0, BreakMalformed, "malformed record: "+err.Error())
	}
	if v.newFile && v.rep.Records > 0 && info.Seq == 1 && info.Prev == Genesis && len(v.pending) == 0 {
		// A file that starts a chain of its own: another log given with
		// this one, not a record removed from it.
		v.rep.Chains = append(v.rep.Chains, *v.chain)
		v.chain = nil
		v.expect = genesisHead
	}
	v.newFile = false
	if v.retained && v.rep.Records == 0 && len(v.pending) == 0 && info.Prev != Genesis && info.Seq > 1 {
		// Retention: the chain is taken up where the files given begin;
		// VerifyAnchored proves the start against a checkpoint.
		v.expect = head{Seq: info.Seq - 1, Hash: info.Prev}
	}
	if info.Prev != v.expect.Hash {
		missing := ""
		if info.Seq > v.expect.Seq+1 {
			missing = fmt.Sprintf(": %s %s missing", recordsText(v.expect.Seq+1, info.Seq-1), areIs(v.expect.Seq+1, info.Seq-1))
		}
		switch {
		case len(v.pending) > 0:
			t := v.pending[0]
			v.rep.FirstBreak = &Break{File: t.File, Line: t.Line, Kind: BreakDamaged,
				Reason: "unreadable line that the chain does not cross: a record was damaged or removed"}
			return true
		case v.rep.Records == 0 && info.Prev != Genesis:
			return fail(info.Seq, BreakContinuation, fmt.Sprintf(
				"first record (seq %d) chains from a previous file (prev %s…): verify the rotated files before it too (%s are not given)",
				info.Seq, info.Prev[:12], recordsText(1, max(info.Seq, 2)-1)))
		default:
			return fail(info.Seq, BreakRemoved, "prev does not match previous hash: a record was removed or reordered (or the record before it was rewritten)"+missing)
		}
	}
	if info.Seq != v.expect.Seq+1 {
		return fail(info.Seq, BreakSequence, fmt.Sprintf("sequence jumps from %d to %d", v.expect.Seq, info.Seq))
	}
	v.rep.Torn = append(v.rep.Torn, v.pending...)
	v.pending = nil
	v.record(path, n, body, info)
	v.expect = head{Seq: info.Seq, Hash: info.Hash}
	v.rep.Records++
	v.rep.LastSeq, v.rep.LastHash = info.Seq, info.Hash
	return false
}
