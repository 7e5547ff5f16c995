package audit

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// ProblemKind classifies what checking the log against its checkpoints found.
type ProblemKind string

const (
	// ProblemSignature: a checkpoint whose signature does not verify.
	ProblemSignature ProblemKind = "signature"
	// ProblemNoCheckpoint: no valid checkpoint at all.
	ProblemNoCheckpoint ProblemKind = "no-checkpoint"
	// ProblemMissing: a checkpoint covers records the log does not hold.
	ProblemMissing ProblemKind = "missing"
	// ProblemRewritten: the log holds the records but not the signed root.
	ProblemRewritten ProblemKind = "rewritten"
	// ProblemFork: two checkpoints of one size with different roots.
	ProblemFork ProblemKind = "fork"
	// ProblemRollback: a later checkpoint is smaller than an earlier one.
	ProblemRollback ProblemKind = "rollback"
	// ProblemStale: records newer than the heartbeat allows for the
	// newest checkpoint.
	ProblemStale ProblemKind = "stale"
	// ProblemTornAcknowledged: a torn line where a signed record was.
	ProblemTornAcknowledged ProblemKind = "torn-acknowledged"
)

// Problem is one finding against the checkpoints, with the records it is
// about (From–To, 0 when not about records) and a Reason for people.
type Problem struct {
	Kind   ProblemKind `json:"kind"`
	From   uint64      `json:"from,omitempty"`
	To     uint64      `json:"to,omitempty"`
	Reason string      `json:"reason"`
}

// AnchorOptions say what the log is checked against.
type AnchorOptions struct {
	Verifier note.Verifier
	// Checkpoints are the signed notes (see ReadCheckpoints).
	Checkpoints [][]byte
	// Interval is the server's heartbeat (DefaultCheckpointInterval when 0)
	// and Every its record count (DefaultCheckpointEvery when 0).
	Interval time.Duration
	Every    int
	// Retained accepts logs whose oldest files were deleted on purpose: the
	// chain is proven from the oldest checkpoint at or after its start that
	// carries its tree state (Ranges, from ReadCheckpointRanges), and
	// checkpoints before that are not checked against records.
	Retained bool
	Ranges   map[string][][]byte
}

// VerifyAnchored is Verify plus the checks only checkpoints make possible:
// every checkpoint's signature; that the log holds every record each one
// covers and reproduces its root; that checkpoints never fork or roll back;
// that the newest one is as recent as the heartbeat promises; and that no
// torn line stands where a signed record was.
func VerifyAnchored(o AnchorOptions, paths ...string) (*Report, error) {
	if o.Verifier == nil {
		return nil, errors.New("audit: verify: no verifier key")
	}
	rep, err := verifyFiles(o.Retained, paths)
	if err != nil {
		return nil, err
	}
	interval, every := o.Interval, uint64(o.Every)
	if interval <= 0 {
		interval = DefaultCheckpointInterval
	}
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	add := func(p Problem) { rep.Problems = append(rep.Problems, p) }

	var cps []Checkpoint
	for i, msg := range o.Checkpoints {
		cp, err := openCheckpoint(msg, o.Verifier)
		if err != nil {
			add(Problem{Kind: ProblemSignature, Reason: fmt.Sprintf("checkpoint %d does not verify with key %s (%v): forged or damaged", i+1, o.Verifier.Name(), err)})
			continue
		}
		cp.Range = o.Ranges[string(msg)]
		cps = append(cps, cp)
	}
	rep.Checkpoints = len(cps)
	if len(cps) == 0 {
		add(Problem{Kind: ProblemNoCheckpoint, Reason: "no valid checkpoint was found: nothing anchors the log, so a cut tail or a rewrite cannot be ruled out"})
		rep.OK = false
		return rep, nil
	}
	sort.SliceStable(cps, func(i, j int) bool {
		if !cps[i].Time.Equal(cps[j].Time) {
			return cps[i].Time.Before(cps[j].Time)
		}
		return cps[i].Size < cps[j].Size
	})

	chains := rep.Chains
	if len(chains) == 0 {
		chains = []Chain{{}} // an empty file: a chain with no records
	}
	// Each checkpoint belongs to the chain that reproduces it; one that no
	// chain reproduces is held against the last chain given (the live log).
	roots := make([]map[uint64][]byte, len(chains))
	lows, ns := make([]uint64, len(chains)), make([]uint64, len(chains))
	for i := range chains {
		roots[i], lows[i], ns[i] = chainRoots(chains[i], cps)
		if lows[i] > 0 {
			rep.RetainedFrom = lows[i]
		}
	}
	owned := make([][]Checkpoint, len(chains))
	for _, cp := range cps {
		owner := len(chains) - 1
		for i := range chains {
			if r, ok := roots[i][cp.Size]; ok && bytes.Equal(r, cp.Root) {
				owner = i
				break
			}
		}
		owned[owner] = append(owned[owner], cp)
	}
	for i := range chains {
		if len(owned[i]) > 0 {
			checkChain(rep, &chains[i], roots[i], lows[i], ns[i], owned[i], interval, every, add)
		}
	}
	rep.OK = rep.FirstBreak == nil && len(rep.Problems) == 0
	return rep, nil
}

// chainRoots computes the chain's root at every checkpoint size it can, from
// record 1 or, for a chain whose oldest records were deleted, from the
// oldest checkpoint at or after its start whose compact range it continues.
// low is that checkpoint's size (0 from record 1); n the last record the
// tree reaches (0 when it cannot be built).
func chainRoots(c Chain, cps []Checkpoint) (roots map[uint64][]byte, low, n uint64) {
	t, skip := newTree(), 0
	if c.FirstSeq > 1 {
		var base *Checkpoint
		for i := range cps {
			cp := &cps[i]
			if cp.Size+1 >= c.FirstSeq && cp.Size <= c.LastSeq && len(cp.Range) > 0 && (base == nil || cp.Size < base.Size) {
				if _, ok := treeFrom(cp.Size, cp.Range, cp.Root); ok {
					base = cp
				}
			}
		}
		if base == nil {
			return map[uint64][]byte{}, 0, 0
		}
		t, _ = treeFrom(base.Size, base.Range, base.Root)
		low, skip = base.Size, int(base.Size+1-c.FirstSeq)
	}
	want := map[uint64]bool{}
	for _, cp := range cps {
		want[cp.Size] = true
	}
	roots = map[uint64][]byte{}
	if want[t.size()] {
		roots[t.size()] = t.root()
	}
	for _, l := range c.leaves[skip:] {
		_ = t.r.Append(l, nil)
		if want[t.size()] {
			roots[t.size()] = t.root()
		}
	}
	return roots, low, t.size()
}

func when(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkChain holds one chain to its checkpoints. Records up to low are
// proven by the checkpoint the tree starts from (retention); n is the last
// record the tree reaches.
func checkChain(rep *Report, c *Chain, roots map[uint64][]byte, low, n uint64, cps []Checkpoint, interval time.Duration, every uint64, add func(Problem)) {
	matches := func(cp Checkpoint) bool { r, ok := roots[cp.Size]; return ok && bytes.Equal(r, cp.Root) }
	// matchedBelow: the largest checkpointed size ≤ s that the log still
	// reproduces — what is proven intact.
	matchedBelow := func(s uint64, before time.Time) uint64 {
		k := low
		for _, cp := range cps {
			if cp.Size <= s && cp.Size > k && !cp.Time.After(before) && matches(cp) {
				k = cp.Size
			}
		}
		return k
	}

	// Forks: one size, two roots.
	bySize := map[uint64]Checkpoint{}
	var forks []Problem
	for _, cp := range cps {
		if prev, ok := bySize[cp.Size]; ok && !bytes.Equal(prev.Root, cp.Root) {
			forks = append(forks, Problem{Kind: ProblemFork, From: 1, To: cp.Size, Reason: fmt.Sprintf(
				"checkpoints fork: the checkpoints at %s and %s both cover records 1–%d but sign different roots (two histories of one log)",
				when(prev.Time), when(cp.Time), cp.Size)})
			continue
		}
		bySize[cp.Size] = cp
	}
	if len(forks) > 0 {
		// The first fork says it; the later ones follow from it.
		sort.Slice(forks, func(i, j int) bool { return forks[i].To < forks[j].To })
		if len(forks) > 1 {
			forks[0].Reason += fmt.Sprintf("; %d later checkpoint(s) fork as well", len(forks)-1)
		}
		add(forks[0])
	}
	// Rollbacks: a later checkpoint smaller than an earlier one.
	var high Checkpoint
	for _, cp := range cps {
		if cp.Size < high.Size {
			k := matchedBelow(cp.Size, high.Time)
			add(Problem{Kind: ProblemRollback, From: k + 1, To: high.Size, Reason: fmt.Sprintf(
				"%s covered by checkpoint at %s were cut: the checkpoint at %s has only %d records (rollback: the log was truncated and written again)",
				recordsText(k+1, high.Size), when(high.Time), when(cp.Time), cp.Size)})
			high = cp // report each restart once
			continue
		}
		if cp.Size >= high.Size {
			high = cp
		}
	}
	// Missing and rewritten records.
	var largest Checkpoint
	rewritten := false
	for _, cp := range cps {
		if cp.Size > largest.Size {
			largest = cp
		}
		if k := matchedBelow(cp.Size, cp.Time); cp.Size <= n && cp.Size >= low && !matches(cp) && !rewritten && k < cp.Size {
			add(Problem{Kind: ProblemRewritten, From: k + 1, To: cp.Size, Reason: fmt.Sprintf(
				"%s covered by checkpoint at %s do not match the log (rewritten, removed or reordered; the log matches its checkpoints up to record %d)",
				recordsText(k+1, cp.Size), when(cp.Time), k)})
			rewritten = true // later ones follow from the first
		}
	}
	if largest.Size > n {
		from := n + 1
		ends := fmt.Sprintf("the log ends at record %d", n)
		if c.FirstSeq > 1 && low == 0 {
			from, ends = 1, fmt.Sprintf("the chain given starts at record %d", c.FirstSeq)
		} else if rep.FirstBreak != nil {
			ends = fmt.Sprintf("the chain verifies only up to record %d", n)
		}
		add(Problem{Kind: ProblemMissing, From: from, To: largest.Size, Reason: fmt.Sprintf(
			"%s covered by checkpoint at %s %s missing (%s)", recordsText(from, largest.Size), when(largest.Time), areIs(from, largest.Size), ends)})
	}
	// Torn lines where a signed record stood.
	for i, t := range rep.Torn {
		if t.Seq > 0 && t.Seq <= largest.Size {
			rep.Torn[i].Acknowledged = true
			add(Problem{Kind: ProblemTornAcknowledged, From: t.Seq, To: t.Seq, Reason: fmt.Sprintf(
				"%s:%d: torn line where record %d was, which checkpoint at %s had already signed: the record was durable, so this is tampering, not a crash",
				t.File, t.Line, t.Seq, when(largest.Time))})
		}
	}
	// Heartbeat: the newest checkpoint must not be older than the records.
	newest := cps[len(cps)-1]
	if last, err := time.Parse(time.RFC3339Nano, c.LastTime); err == nil && c.LastSeq > newest.Size {
		slack := interval/2 + 5*time.Second
		if last.Sub(newest.Time) > interval+slack {
			add(Problem{Kind: ProblemStale, From: newest.Size + 1, To: c.LastSeq, Reason: fmt.Sprintf(
				"%s are not covered by any checkpoint, yet the last of them is from %s and the newest checkpoint from %s, more than the heartbeat (%s) allows: checkpoints were removed or stopped",
				recordsText(newest.Size+1, c.LastSeq), when(last), when(newest.Time), interval)})
		} else if c.LastSeq-newest.Size > every {
			add(Problem{Kind: ProblemStale, From: newest.Size + 1, To: c.LastSeq, Reason: fmt.Sprintf(
				"%s are not covered by any checkpoint, more than the %d records between checkpoints the server keeps: checkpoints were removed",
				recordsText(newest.Size+1, c.LastSeq), every)})
		}
	}
}
