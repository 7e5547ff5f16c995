package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// writerState is the writer goroutine's view of the file and the chain.
type writerState struct {
	f      *os.File
	size   int64 // file size after our last write: a change means another writer
	head   head
	known  bool // head has been read at least once
	needNL bool // the file ends in a torn line: start the next write with '\n'
	resync bool // re-read the file's end before the next write
	// dirSynced: the directory has been fsynced since the file was last
	// opened (a creation or a rotation changes it). The first write after an
	// open syncs it before acknowledging anything, so that a start costs no
	// directory fsync and no acknowledged record can lose its file's name.
	dirSynced bool

	// tree is the Merkle tree over the whole chain (nil when not anchored);
	// treeStale means another process appended and it must be re-read.
	tree      *tree
	treeStale bool
}

func (l *Log) run() {
	defer close(l.done)
	var tick <-chan time.Time
	if l.anchor != nil {
		t := time.NewTicker(l.anchor.interval)
		defer t.Stop()
		tick = t.C
		// A checkpoint at start: a restart on a cut log is on record at once.
		l.checkpoint()
	}
	batch := make([]*pending, 0, maxBatch)
	for {
		select {
		case p, ok := <-l.queue:
			if !ok {
				l.checkpoint() // at shutdown
				return
			}
			batch = l.gather(append(batch[:0], p))
			l.commit(batch)
			clear(batch) // let the records be collected
			if a := l.anchor; a != nil && l.w.tree != nil && l.w.tree.size()-a.last >= a.every {
				l.checkpoint()
			}
		case <-tick:
			// Even when idle: silence between heartbeats is evidence.
			l.checkpoint()
		}
	}
}

// batchLimit keeps a batch within one checkpoint period.
func (l *Log) batchLimit() int {
	if l.anchor != nil && int(l.anchor.every) < maxBatch {
		return int(l.anchor.every)
	}
	return maxBatch
}

// gather adds to batch what else is pending: whatever is already queued
// (SyncAlways) or whatever arrives within the window (SyncBatch). A
// SyncBatch window ends early once no call begun with Begin is still to
// queue its record.
func (l *Log) gather(batch []*pending) []*pending {
	maxBatch := l.batchLimit()
	if l.sync == SyncBatch {
		timer := time.NewTimer(l.window)
		defer timer.Stop()
		for len(batch) < maxBatch {
			// Read the count before draining: a call queues its record
			// before it releases its count, so every record of a call
			// counted out by now is in the queue.
			waiting := l.inflight.Load()
			var open bool
			batch, open = l.drain(batch, maxBatch)
			if !open || waiting <= 0 || len(batch) >= maxBatch {
				return batch
			}
			select {
			case p, ok := <-l.queue:
				if !ok {
					return batch
				}
				batch = append(batch, p)
			case <-l.wake:
				// A call queued its record or ended: count again.
			case <-timer.C:
				return batch
			}
		}
		return batch
	}
	batch, _ = l.drain(batch, maxBatch)
	return batch
}

// drain adds to batch, up to maxBatch, what is queued now; open is false
// once the queue is closed.
func (l *Log) drain(batch []*pending, maxBatch int) (_ []*pending, open bool) {
	for len(batch) < maxBatch {
		select {
		case p, ok := <-l.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, p)
		default:
			return batch, true
		}
	}
	return batch, true
}

func (l *Log) commit(batch []*pending) {
	results, err := l.write(batch)
	if err != nil {
		l.w.resync = true
		werr := &WriteError{Path: l.path, Err: err}
		l.log.Error("audit write failed", zap.String("path", l.path), zap.Error(err), zap.Int("records", len(batch)))
		for _, p := range batch {
			p.done <- result{err: werr}
		}
		return
	}
	for i, p := range batch {
		p.done <- results[i]
	}
}

// errRaced asks write to start over: another process wrote to the file we
// rotated to before we did.
var errRaced = errors.New("audit: another writer got there first")

// write makes the batch durable and returns each record's result. Sequence
// numbers and hashes are assigned here, under the file lock, after reading
// anything another process appended, so the chain never forks.
func (l *Log) write(batch []*pending) ([]result, error) {
	for attempt := 0; ; attempt++ {
		res, err := l.writeOnce(batch)
		if errors.Is(err, errRaced) && attempt < 5 {
			continue
		}
		return res, err
	}
}

func (l *Log) writeOnce(batch []*pending) (_ []result, err error) {
	if err := l.acquire(); err != nil {
		return nil, err
	}
	defer func() {
		if uerr := unlockFile(l.w.f); uerr != nil && err == nil {
			err = fmt.Errorf("unlock: %w", uerr)
		}
	}()

	w := &l.w
	if w.tree != nil && w.treeStale {
		if err := l.rebuildTree(); err != nil {
			return nil, fmt.Errorf("read the chain back for its Merkle tree: %w", err)
		}
	}
	h := w.head
	results := make([]result, len(batch))
	ends := make([]int, len(batch)) // where each line ends in buf
	var buf bytes.Buffer
	for i, p := range batch {
		r := p.rec // a copy: a retry must start from the caller's record
		if r.Time == "" {
			r.Time = l.now().UTC().Format(timeLayout)
		}
		r.Seq = h.Seq + 1
		line, hash, err := encodeLine(&r, h.Hash)
		if err == nil && l.maxRecord > 0 && len(line) > l.maxRecord {
			shrink(&r)
			line, hash, err = encodeLine(&r, h.Hash)
		}
		if err != nil {
			// Cannot happen for a prepared record; refuse the batch rather
			// than write a gap.
			return nil, err
		}
		buf.Write(line)
		ends[i] = buf.Len()
		results[i] = result{time: r.Time, seq: r.Seq, prev: h.Hash, hash: hash}
		h = head{Seq: r.Seq, Hash: hash}
	}
	if err := l.checkSpace(int64(buf.Len()), l.reserve/4); err != nil {
		return nil, err
	}

	if l.max > 0 && w.size > 0 && w.size+int64(buf.Len()) > l.max {
		if err := l.rotate(); err != nil {
			if errors.Is(err, errRaced) {
				return nil, err
			}
			// Rotation is housekeeping; losing the record is not an
			// acceptable price for it. Write to the current file.
			l.log.Warn("audit rotation failed; writing to the current file", zap.String("path", l.path), zap.Error(err))
		}
	}

	data := buf.Bytes()
	if w.needNL {
		// Never truncate a torn line: it is evidence. Close it instead, so
		// it stands alone and Verify can name it.
		data = append([]byte{'\n'}, data...)
	}
	n, err := w.f.Write(data)
	if err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	syncStart := time.Now()
	if err := w.f.Sync(); err != nil {
		return nil, fmt.Errorf("fsync: %w", err)
	}
	if !w.dirSynced {
		if err := syncDir(filepath.Dir(l.path)); err != nil {
			return nil, fmt.Errorf("sync directory: %w", err)
		}
		w.dirSynced = true
	}
	l.observeSync(syncStart, len(batch))
	w.size += int64(n)
	w.needNL = false
	w.head = h
	if w.tree != nil {
		start := 0
		for _, end := range ends {
			w.tree.add(buf.Bytes()[start : end-1])
			start = end
		}
	}
	if l.export != nil {
		if _, err := l.export.Write(buf.Bytes()); err != nil {
			l.log.Warn("audit export failed", zap.Error(err))
		}
	}
	return results, nil
}

// shrink keeps a record under the size limit: its free-form members become
// digests, and long texts are cut. What the call was stays readable.
func shrink(r *Record) {
	for _, v := range []*any{&r.Args, &r.Plan} {
		if raw, ok := (*v).(json.RawMessage); ok {
			*v = digestOf(raw)
		} else if *v != nil {
			b, _ := marshalJSON(*v)
			*v = digestOf(b)
		}
	}
	r.Decision.Reason = truncateText(r.Decision.Reason, 1<<10)
	r.Outcome.Message = truncateText(r.Outcome.Message, 1<<10)
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ErrReserve means the log's filesystem is down to its free-space reserve.
var ErrReserve = errors.New("the audit log's disk is down to its free-space reserve")

// checkSpace refuses a write that would leave less than keep bytes free, so
// the disk never fills up under the log: a full disk tears records and
// loses the outcome of writes already sent.
func (l *Log) checkSpace(n, keep int64) error {
	if l.reserve <= 0 {
		return nil
	}
	free, ok := freeBytes(filepath.Dir(l.path))
	if !ok {
		return nil
	}
	if free-n < keep {
		return fmt.Errorf("%w (%d bytes free, %d kept)", ErrReserve, free, keep)
	}
	return nil
}

// acquire opens the live file if needed, locks it, makes sure it is still the
// file at l.path (another process may have rotated it), and re-reads the end
// of the file if anyone else wrote to it or the last write failed.
func (l *Log) acquire() error {
	w := &l.w
	for attempt := 0; ; attempt++ {
		if w.f == nil {
			f, err := l.openFile()
			if err != nil {
				return err
			}
			w.f, w.resync = f, true
		}
		if err := lockFile(w.f); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		st, current, err := l.stillCurrent()
		if err != nil {
			_ = unlockFile(w.f)
			return err
		}
		if !current {
			_ = unlockFile(w.f)
			w.f.Close()
			w.f = nil
			if attempt >= 5 {
				return fmt.Errorf("%s keeps being replaced", l.path)
			}
			continue
		}
		if st.Size() != w.size {
			w.resync = true
		}
		if w.resync {
			if err := l.resync(st.Size()); err != nil {
				_ = unlockFile(w.f)
				return err
			}
		}
		return nil
	}
}

func (l *Log) openFile() (*os.File, error) {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	// The directory is synced before the first record through this file is
	// acknowledged (write), not here on the way to serving.
	l.w.dirSynced = false
	return f, nil
}

// stillCurrent reports whether our open file is the one at l.path.
func (l *Log) stillCurrent() (os.FileInfo, bool, error) {
	st, err := l.w.f.Stat()
	if err != nil {
		return nil, false, err
	}
	pst, err := os.Stat(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return st, os.SameFile(st, pst), nil
}

// resync reads where the chain stands from the file itself.
func (l *Log) resync(size int64) error {
	w := &l.w
	t, err := chainHead(l.path, w.f, size)
	if err != nil {
		return err
	}
	if w.known && w.head.Seq > t.head.Seq {
		// Records we wrote and fsynced are gone: the file was truncated,
		// removed or replaced behind our back. Carry on the chain we know,
		// so that Verify shows a break where records are missing instead
		// of a clean chain that hides the cut.
		l.log.Error("audit records that were written are missing from the file; continuing the chain so the gap stays visible",
			zap.String("path", l.path), zap.Uint64("seq", w.head.Seq), zap.Uint64("fileSeq", t.head.Seq))
	} else {
		w.head = t.head
	}
	if t.torn {
		l.log.Warn("audit log ends in an incomplete line (crash during a write?); it is kept, and records continue on the next line",
			zap.String("path", l.path))
	}
	if w.tree != nil && t.head.Seq > w.tree.size() {
		w.treeStale = true // another process appended
	}
	w.size, w.needNL, w.resync, w.known = size, t.needNL, false, true
	return nil
}

// rotate renames the live file away and starts a new one. The chain does not
// restart: the first record of the new file has the old file's last hash as
// prev and the next sequence number.
func (l *Log) rotate() error {
	w := &l.w
	name, err := nextRotatedName(l.path, l.now())
	if err != nil {
		return err
	}
	if err := os.Rename(l.path, name); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	nf, err := l.openFile()
	if err != nil {
		// The old fd now points at the rotated file; the next acquire will
		// notice and retry opening l.path.
		w.resync = true
		return fmt.Errorf("open after rotation: %w", err)
	}
	if err := lockFile(nf); err != nil {
		nf.Close()
		w.resync = true
		return fmt.Errorf("lock after rotation: %w", err)
	}
	_ = unlockFile(w.f)
	w.f.Close()
	w.f = nf
	st, err := nf.Stat()
	if err != nil {
		w.resync = true
		return err
	}
	if st.Size() != 0 {
		w.resync = true
		return errRaced
	}
	l.log.Info("audit log rotated", zap.String("path", l.path), zap.String("rotated", name),
		zap.Uint64("seq", w.head.Seq), zap.String("hash", w.head.Hash))
	w.size, w.needNL = 0, false
	return nil
}
