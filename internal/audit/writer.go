package audit

import (
	"bytes"
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
}

func (l *Log) run() {
	defer close(l.done)
	batch := make([]*pending, 0, maxBatch)
	for p := range l.queue {
		batch = l.gather(append(batch[:0], p))
		l.commit(batch)
		clear(batch) // let the records be collected
	}
}

// gather adds to batch what else is pending: whatever is already queued
// (SyncAlways) or whatever arrives within the window (SyncBatch).
func (l *Log) gather(batch []*pending) []*pending {
	if l.sync == SyncBatch {
		timer := time.NewTimer(l.window)
		defer timer.Stop()
		for len(batch) < maxBatch {
			select {
			case p, ok := <-l.queue:
				if !ok {
					return batch
				}
				batch = append(batch, p)
			case <-timer.C:
				return batch
			}
		}
		return batch
	}
	for len(batch) < maxBatch {
		select {
		case p, ok := <-l.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
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
	h := w.head
	results := make([]result, len(batch))
	var buf bytes.Buffer
	for i, p := range batch {
		r := p.rec // a copy: a retry must start from the caller's record
		if r.Time == "" {
			r.Time = l.now().UTC().Format(timeLayout)
		}
		r.Seq = h.Seq + 1
		line, hash, err := encodeLine(&r, h.Hash)
		if err != nil {
			// Cannot happen for a prepared record; refuse the batch rather
			// than write a gap.
			return nil, err
		}
		buf.Write(line)
		results[i] = result{time: r.Time, seq: r.Seq, prev: h.Hash, hash: hash}
		h = head{Seq: r.Seq, Hash: hash}
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
	if err := w.f.Sync(); err != nil {
		return nil, fmt.Errorf("fsync: %w", err)
	}
	w.size += int64(n)
	w.needNL = false
	w.head = h
	return results, nil
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
	if err := syncDir(filepath.Dir(l.path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync directory: %w", err)
	}
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
