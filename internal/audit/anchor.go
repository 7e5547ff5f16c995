package audit

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"
	"golang.org/x/mod/sumdb/note"
)

// anchor signs checkpoints of the log's tree and delivers them to the sinks.
// Signing happens on the writer goroutine (a checkpoint must name a size
// that is on disk); delivery on its own goroutine, so a slow HTTP sink never
// holds up a record.
type anchor struct {
	signer   note.Signer
	sinks    []Sink
	every    uint64
	interval time.Duration
	log      *zap.Logger

	last uint64 // size of the last checkpoint (writer goroutine)

	out  chan Checkpoint
	done chan struct{}
	// retryBase is the first wait before a failed delivery is tried again
	// (doubling up to retryMax); read only by the delivery goroutine.
	retryBase, retryMax time.Duration
}

func newAnchor(opts Options, log *zap.Logger) (*anchor, error) {
	every := opts.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	if every < 1 || every > DefaultCheckpointEvery {
		return nil, fmt.Errorf("audit: CheckpointEvery %d: must be 1 to %d", every, DefaultCheckpointEvery)
	}
	interval := opts.CheckpointInterval
	if interval == 0 {
		interval = DefaultCheckpointInterval
	}
	if interval < 0 {
		return nil, fmt.Errorf("audit: checkpoint interval %s is negative", interval)
	}
	if len(opts.Sinks) == 0 {
		return nil, errors.New("audit: a checkpoint key needs at least one checkpoint sink that is not the log")
	}
	retryBase, retryMax := opts.retryBase, opts.retryMax
	if retryBase <= 0 {
		retryBase = time.Second
	}
	if retryMax <= 0 {
		retryMax = time.Minute
	}
	return &anchor{
		signer: opts.Signer, sinks: opts.Sinks, every: uint64(every), interval: interval, log: log,
		out: make(chan Checkpoint, 64), done: make(chan struct{}),
		retryBase: retryBase, retryMax: retryMax,
	}, nil
}

// deliver writes checkpoints to every sink, in order. A sink that fails
// keeps its newest undelivered checkpoint and is tried again, with a doubling
// wait (1 s up to a minute), until it takes it or a newer checkpoint replaces
// it: each checkpoint commits to the whole log up to its size, so the newest
// one is all a sink needs, and an endpoint that was down for a while gets the
// latest head as soon as it is back instead of missing it for good. The log
// itself is written all along; at shutdown each pending checkpoint gets one
// last try.
func (a *anchor) deliver() {
	defer close(a.done)
	pending := make([]*Checkpoint, len(a.sinks))
	wait := make([]time.Duration, len(a.sinks))
	due := make([]time.Time, len(a.sinks))
	try := func(i int, cp Checkpoint) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := a.sinks[i].Write(ctx, cp)
		cancel()
		if err == nil {
			if pending[i] != nil {
				a.log.Info("audit checkpoint delivered after retries", zap.Stringer("sink", a.sinks[i]), zap.Uint64("size", cp.Size))
			}
			pending[i], wait[i] = nil, 0
			return
		}
		if pending[i] == nil {
			wait[i] = a.retryBase
		} else {
			wait[i] = min(2*wait[i], a.retryMax)
		}
		pending[i], due[i] = &cp, time.Now().Add(wait[i])
		a.log.Error("audit checkpoint not delivered; the newest one will be tried again", zap.Stringer("sink", a.sinks[i]), zap.Uint64("size", cp.Size), zap.Duration("retryIn", wait[i]), zap.Error(err))
	}
	for {
		var retry <-chan time.Time
		var timer *time.Timer
		first := time.Time{}
		for i := range pending {
			if pending[i] != nil && (first.IsZero() || due[i].Before(first)) {
				first = due[i]
			}
		}
		if !first.IsZero() {
			timer = time.NewTimer(time.Until(first))
			retry = timer.C
		}
		select {
		case cp, ok := <-a.out:
			if timer != nil {
				timer.Stop()
			}
			if !ok {
				for i := range pending {
					if pending[i] != nil {
						try(i, *pending[i])
					}
				}
				return
			}
			for i := range a.sinks {
				try(i, cp) // a newer checkpoint replaces one still pending
			}
		case <-retry:
			now := time.Now()
			for i := range pending {
				if pending[i] != nil && !due[i].After(now) {
					try(i, *pending[i])
				}
			}
		}
	}
}

// close waits for the last checkpoints to reach the sinks.
func (a *anchor) close() {
	close(a.out)
	<-a.done
}

// checkpoint signs the current tree head (writer goroutine only).
func (l *Log) checkpoint() {
	a := l.anchor
	if a == nil || l.w.tree == nil {
		return
	}
	// Another process may have appended since our last write: look, so a
	// heartbeat never signs a smaller tree than the file holds (which
	// verify would rightly call a rollback). The time is taken first: any
	// record another process writes after it is in its own, later,
	// checkpoint.
	at := l.now()
	if err := l.acquire(); err == nil {
		_ = unlockFile(l.w.f)
	}
	if l.w.treeStale {
		if err := l.rebuildTree(); err != nil {
			l.log.Error("audit checkpoint skipped: cannot read the log back", zap.Error(err))
			return
		}
	}
	cp, err := signCheckpoint(a.signer, l.w.tree, at)
	if err != nil {
		l.log.Error("audit checkpoint not signed", zap.Error(err))
		return
	}
	a.last = cp.Size
	select {
	case a.out <- cp:
	default:
		// Sinks are far behind; the next checkpoint covers this one.
		l.log.Warn("audit checkpoint dropped: sinks are not keeping up", zap.Uint64("size", cp.Size))
	}
}

// resumeTree rebuilds the Merkle tree from the whole chain on disk (rotated
// files included) when the log opens, and compares it with the newest
// checkpoint a file sink holds: a log cut while the server was stopped is
// reported now rather than silently extended. When the oldest files were
// deleted (retention), the tree is carried on from the newest checkpoint
// whose compact range the remaining files continue.
func (l *Log) resumeTree() error {
	cps := fileCheckpoints(l.anchor.sinks)
	t, n, err := l.loadTree(cps)
	if err != nil {
		return &WriteError{Path: l.path, Err: err}
	}
	if t == nil {
		// The tree over the whole chain cannot be recomputed, and a
		// checkpoint nobody can reproduce proves nothing.
		l.log.Error("audit log is not anchored: the chain on disk does not start at record 1 (or has a gap) and no checkpoint in a file sink carries a tree state it continues; no checkpoints will be signed",
			zap.String("path", l.path), zap.Uint64("contiguousTo", n), zap.Uint64("head", l.w.head.Seq))
		l.anchor = nil
		return nil
	}
	var last Checkpoint
	for _, cp := range cps {
		if cp.Size > last.Size || cp.Size == last.Size && cp.Time.After(last.Time) {
			last = cp
		}
	}
	if last.Size > n {
		l.log.Error(fmt.Sprintf("audit log is missing records %d–%d covered by the checkpoint of %s; the log was cut while the server was stopped. Records continue after record %d; `audit verify` will report the cut.",
			n+1, last.Size, last.Time.Format(time.RFC3339), n), zap.String("path", l.path))
	} else if last.Size == n && n > 0 && string(t.root()) != string(last.Root) {
		l.log.Error(fmt.Sprintf("audit log does not reproduce the checkpoint of %s (size %d): records were rewritten while the server was stopped",
			last.Time.Format(time.RFC3339), last.Size), zap.String("path", l.path))
	}
	l.w.tree, l.w.treeStale = t, false
	return nil
}

// loadTree builds the tree of the chain on disk: from record 1, or, when the
// oldest records are gone, from a checkpoint's compact range. It returns a
// nil tree when neither reaches the chain's head.
func (l *Log) loadTree(cps []Checkpoint) (*tree, uint64, error) {
	files, err := Files(l.path)
	if err != nil {
		files = nil // a new log
	}
	t := newTree()
	n, err := chainLeaves(files, 0, func(_ uint64, line []byte) { t.add(line) })
	if err != nil || n == l.w.head.Seq {
		return t, n, err
	}
	sort.Slice(cps, func(i, j int) bool { return cps[i].Size > cps[j].Size })
	for _, cp := range cps {
		if cp.Size > l.w.head.Seq || len(cp.Range) == 0 {
			continue
		}
		bt, ok := treeFrom(cp.Size, cp.Range, cp.Root)
		if !ok {
			continue
		}
		m, err := chainLeaves(files, cp.Size, func(_ uint64, line []byte) { bt.add(line) })
		if err != nil {
			return nil, n, err
		}
		if m == l.w.head.Seq {
			l.log.Info("audit tree resumed from a checkpoint (the oldest records are no longer on disk)", zap.Uint64("size", cp.Size))
			return bt, m, nil
		}
	}
	return nil, n, nil
}

// rebuildTree re-reads the chain after another process appended to it.
func (l *Log) rebuildTree() error {
	t, _, err := l.loadTree(fileCheckpoints(l.anchor.sinks))
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("the chain on disk cannot be read back into its tree")
	}
	l.w.tree, l.w.treeStale = t, false
	return nil
}
