package audit

import (
	"context"
	"errors"
	"fmt"
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
	return &anchor{
		signer: opts.Signer, sinks: opts.Sinks, every: uint64(every), interval: interval, log: log,
		out: make(chan Checkpoint, 64), done: make(chan struct{}),
	}, nil
}

// deliver writes checkpoints to every sink, in order. A failing sink is
// logged and skipped: the log itself is still written, and the gap in that
// sink is what verify will show.
func (a *anchor) deliver() {
	defer close(a.done)
	for cp := range a.out {
		for _, s := range a.sinks {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.Write(ctx, cp); err != nil {
				a.log.Error("audit checkpoint not delivered", zap.Stringer("sink", s), zap.Uint64("size", cp.Size), zap.Error(err))
			}
			cancel()
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
	t := l.w.tree
	cp, err := signCheckpoint(a.signer, t.size(), t.root(), at)
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
// reported now rather than silently extended.
func (l *Log) resumeTree() error {
	last, haveLast := lastFileCheckpoint(l.anchor.sinks)
	var rootAtLast []byte
	t := newTree()
	files, err := Files(l.path)
	if err != nil {
		files = nil // a new log
	}
	n, err := chainLeaves(files, func(seq uint64, line []byte) {
		t.add(line)
		if haveLast && seq == last.Size {
			rootAtLast = t.root()
		}
	})
	if err != nil {
		return &WriteError{Path: l.path, Err: err}
	}
	if n != l.w.head.Seq {
		// Old rotated files were deleted, or the chain on disk has a gap:
		// the tree over the whole chain cannot be recomputed, and a
		// checkpoint nobody can reproduce proves nothing.
		l.log.Error("audit log is not anchored: the chain on disk does not start at record 1 or has a gap, so its Merkle tree cannot be rebuilt; no checkpoints will be signed",
			zap.String("path", l.path), zap.Uint64("contiguousTo", n), zap.Uint64("head", l.w.head.Seq))
		l.anchor = nil
		return nil
	}
	if haveLast {
		switch {
		case last.Size > n:
			l.log.Error(fmt.Sprintf("audit log is missing records %d–%d covered by the checkpoint of %s; the log was cut while the server was stopped. Records continue after record %d; `audit verify` will report the cut.",
				n+1, last.Size, last.Time.Format(time.RFC3339), n), zap.String("path", l.path))
		case last.Size > 0 && string(rootAtLast) != string(last.Root):
			l.log.Error(fmt.Sprintf("audit log does not reproduce the checkpoint of %s (size %d): records up to %d were rewritten while the server was stopped",
				last.Time.Format(time.RFC3339), last.Size, last.Size), zap.String("path", l.path))
		}
	}
	l.w.tree, l.w.treeStale = t, false
	return nil
}

// rebuildTree re-reads the chain after another process appended to it.
func (l *Log) rebuildTree() error {
	files, err := Files(l.path)
	if err != nil {
		return err
	}
	t := newTree()
	if _, err := chainLeaves(files, func(_ uint64, line []byte) { t.add(line) }); err != nil {
		return err
	}
	l.w.tree, l.w.treeStale = t, false
	return nil
}
