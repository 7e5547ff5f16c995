package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/mod/sumdb/note"
)

// SyncMode says when a record is forced to disk before Append returns.
type SyncMode string

const (
	// SyncAlways fsyncs before acknowledging each Append. Appends that
	// arrive while an fsync is running share the next one (natural group
	// commit): no record is ever acknowledged before it is on disk, and no
	// caller waits for a timer.
	SyncAlways SyncMode = "always"
	// SyncBatch waits up to BatchWindow after the first pending record to
	// gather more, then writes and fsyncs them together. The wait ends
	// early once every call announced with Begin has queued its record:
	// nothing else is on its way that the fsync could share, so a lone
	// caller waits for its fsync only. Each Append still returns only after
	// its record is on disk; the window trades latency for fewer fsyncs
	// under load.
	SyncBatch SyncMode = "batch"
)

// DefaultBatchWindow is the SyncBatch gathering window when none is given.
const DefaultBatchWindow = 10 * time.Millisecond

const (
	queueLen = 1024 // pending Appends before callers block
	maxBatch = 512  // records per write+fsync, to bound memory and latency
)

// Options configure Open. The zero value (plus a Path) is the safe default:
// fsync every record, never rotate.
type Options struct {
	// Path of the live file; empty means DefaultPath().
	Path string
	// Sync is SyncAlways when empty.
	Sync SyncMode
	// BatchWindow is the SyncBatch window; DefaultBatchWindow when <= 0.
	BatchWindow time.Duration
	// MaxBytes rotates the file before a write would take it past this size
	// (a single oversized batch still goes into one file). 0 never rotates.
	MaxBytes int64
	// Logger receives rotations, resumes after a torn line, write failures
	// and the chain head at Close (an anchor to compare with Verify).
	Logger *zap.Logger
	// Now is the clock for record times and rotated file names.
	Now func() time.Time
	// Secrets are the configured credentials. Append scrubs them from every
	// string of a record as a last line of defence behind Redact.
	Secrets []string
	// Observer receives append and fsync timings (see observe.go).
	Observer Observer

	// MaxValueBytes: a string or raw JSON value of Args or Plan longer than
	// this is recorded as its size and SHA-256. 0 means
	// DefaultMaxValueBytes, negative no limit.
	MaxValueBytes int
	// MaxRecordBytes: a record longer than this keeps only digests of its
	// Args and Plan. 0 means DefaultMaxRecordBytes, negative no limit.
	MaxRecordBytes int
	// ReserveBytes is the free space kept on the log's filesystem: an
	// intent (a write about to reach Atlas) is refused once less is free,
	// while outcomes and refusals may still use the last quarter of it, so
	// every write that was sent can still be closed. 0 means
	// DefaultReserveBytes, negative no reserve.
	ReserveBytes int64

	// Signer signs checkpoints; nil means the log is not anchored.
	Signer note.Signer
	// Sinks receive the checkpoints. They must not be the log file.
	Sinks []Sink
	// CheckpointEvery is the most records between checkpoints (0:
	// DefaultCheckpointEvery; at most 100).
	CheckpointEvery int
	// CheckpointInterval is the heartbeat (0: DefaultCheckpointInterval).
	CheckpointInterval time.Duration

	// Export, when set, also receives every record line once it is durable
	// (`--audit-log -`: JSON lines on stdout for a SIEM).
	Export io.Writer

	// retryBase and retryMax bound the wait before a checkpoint a sink
	// refused is tried again (defaults 1 s and 1 min). Unexported: only this
	// package's tests shorten them, and they must be set before the delivery
	// goroutine starts, which is why they are not fields changed after Open.
	retryBase, retryMax time.Duration
}

// Log is an open audit log. It is safe for concurrent use; one goroutine
// owned by the Log does all writing, so records are written in sequence
// order.
type Log struct {
	path   string
	sync   SyncMode
	window time.Duration
	max    int64
	log    *zap.Logger
	now    func() time.Time
	rules  *valueRules
	// secrets are the configured credentials rules was built from; a
	// record's own Scrub values are added to them.
	secrets []string
	obs     Observer

	maxValue, maxRecord int
	reserve             int64
	export              io.Writer
	anchor              *anchor // nil: not anchored

	mu     sync.RWMutex // orders Append's enqueue against Close
	closed bool
	queue  chan *pending
	done   chan struct{}

	// inflight counts the calls begun (Begin) whose record is not queued
	// yet; wake tells a SyncBatch writer that it dropped (inflight.go).
	inflight atomic.Int64
	wake     chan struct{}

	w writerState // owned by the writer goroutine (and by Open before it starts)
}

type pending struct {
	rec  Record
	done chan result // buffered: the writer never blocks on a caller
}

type result struct {
	time, prev, hash string
	seq              uint64
	err              error
}

// Open opens (creating if needed, with a 0700 directory and a 0600 file) the
// audit log and resumes its chain: the sequence and hash continue from the
// last complete record, from the newest rotated file when the live one has
// none, or from Genesis. A torn last line is left as it is — it is evidence —
// and writing resumes on a new line.
func Open(opts Options) (*Log, error) {
	path := opts.Path
	if path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	path = filepath.Clean(path)
	l := &Log{
		path:    path,
		sync:    opts.Sync,
		window:  opts.BatchWindow,
		max:     opts.MaxBytes,
		log:     opts.Logger,
		now:     opts.Now,
		rules:   newValueRules(opts.Secrets),
		secrets: opts.Secrets,
		obs:     opts.Observer,
		queue:   make(chan *pending, queueLen),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
	switch l.sync {
	case "":
		l.sync = SyncAlways
	case SyncAlways, SyncBatch:
	default:
		return nil, fmt.Errorf("audit: unknown sync mode %q (want %q or %q)", opts.Sync, SyncAlways, SyncBatch)
	}
	if l.window <= 0 {
		l.window = DefaultBatchWindow
	}
	if l.max < 0 {
		return nil, fmt.Errorf("audit: MaxBytes %d is negative", l.max)
	}
	if l.log == nil {
		l.log = zap.NewNop()
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.maxValue = orDefault(opts.MaxValueBytes, DefaultMaxValueBytes)
	l.maxRecord = orDefault(opts.MaxRecordBytes, DefaultMaxRecordBytes)
	l.reserve = int64(orDefault(int(opts.ReserveBytes), DefaultReserveBytes))
	l.export = opts.Export
	if opts.Signer != nil {
		a, err := newAnchor(opts, l.log)
		if err != nil {
			return nil, err
		}
		l.anchor = a
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &WriteError{Path: path, Err: err}
	}
	if err := l.acquire(); err != nil {
		if l.w.f != nil {
			l.w.f.Close()
		}
		return nil, &WriteError{Path: path, Err: err}
	}
	if err := unlockFile(l.w.f); err != nil {
		l.w.f.Close()
		return nil, &WriteError{Path: path, Err: err}
	}
	if st, err := l.w.f.Stat(); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
		l.log.Warn("audit log is readable by other users", zap.String("path", path), zap.Stringer("mode", st.Mode().Perm()))
	}
	if l.anchor != nil {
		if err := l.resumeTree(); err != nil {
			l.w.f.Close()
			return nil, err
		}
		go l.anchor.deliver()
	}
	go l.run()
	return l, nil
}

// Path is the live file.
func (l *Log) Path() string { return l.path }

// Append writes r as the next record and returns once it is durable. It fills
// r.Time (when empty), r.Seq, r.Prev and r.Hash. Args are redacted again and
// every string is scrubbed of the configured secrets.
//
// ctx bounds only the wait for room in the queue (a stalled disk). Once the
// record is queued, Append waits for the writer's verdict even if ctx ends:
// the record may already be on disk, and "cancelled" would be a lie in an
// audit log. A canceled request context therefore still gets its record.
//
// A *WriteError means the record is not known to be durable; the server
// must fail closed. The next Append re-reads the file's end and carries on
// from what is actually on disk, so a transient failure leaves no gap.
//
// When ctx comes from Begin, the call's count is released once the record
// is queued (or at once, if Append fails before queueing it).
func (l *Log) Append(ctx context.Context, r *Record) (err error) {
	defer func(start time.Time) { l.observeAppend(start, err) }(time.Now())
	call := l.callOf(ctx)
	defer call.release() // the paths that return before queueing
	if r == nil {
		return errors.New("audit: nil record")
	}
	if r.Kind == KindIntent {
		// An intent precedes a write to Atlas: refuse it while the full
		// reserve is not free, so the outcome of every write already sent
		// still has room.
		if err := l.checkSpace(0, l.reserve); err != nil {
			return &WriteError{Path: l.path, Err: err}
		}
	}
	p := &pending{rec: l.prepare(r), done: make(chan result, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	select {
	case l.queue <- p:
	default:
		select {
		case l.queue <- p:
		case <-ctx.Done():
			l.mu.RUnlock()
			return fmt.Errorf("audit: append: %w", ctx.Err())
		}
	}
	l.mu.RUnlock()
	// Queued before released: a writer that sees the count drop finds the
	// record in the queue.
	call.release()
	res := <-p.done
	if res.err != nil {
		return res.err
	}
	r.Time, r.Seq, r.Prev, r.Hash = res.time, res.seq, res.prev, res.hash
	return nil
}

// prepare copies the caller's record into what will be written: redacted,
// encoded arguments (done here, on the caller's goroutine, so that the single
// writer only hashes and writes) and no value JSON cannot hold.
func (l *Log) prepare(r *Record) Record {
	c := *r
	c.Seq, c.Prev, c.Hash, c.Scrub = 0, "", "", nil
	rules := l.rules
	if len(r.Scrub) > 0 {
		rules = newValueRules(append(append([]string(nil), l.secrets...), r.Scrub...))
	}
	c.Args = l.prepareValue(rules, c.Args, "args")
	c.Plan = l.prepareValue(rules, c.Plan, "plan")
	c.Decision.Reason = rules.scrub(c.Decision.Reason)
	c.Outcome.Message = rules.scrub(c.Outcome.Message)
	c.DurationMs = finite(c.DurationMs)
	if c.Requests != nil {
		c.Requests = append([]Request(nil), r.Requests...)
		for i := range c.Requests {
			c.Requests[i].Path = rules.scrub(c.Requests[i].Path)
			c.Requests[i].DurationMs = finite(c.Requests[i].DurationMs)
		}
	}
	return c
}

// prepareValue redacts, bounds and encodes one free-form member.
func (l *Log) prepareValue(rules *valueRules, v any, what string) any {
	if v == nil {
		return nil
	}
	red := redactWith(v, rules)
	if l.maxValue > 0 {
		red = bound(red, l.maxValue)
	}
	b, err := marshalJSON(red)
	if err != nil {
		return fmt.Sprintf("[unencodable %s: %v]", what, err)
	}
	return json.RawMessage(b)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// Close writes what is queued, closes the file and logs the chain head.
// Appends after Close return ErrClosed. Close is idempotent.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.done
		return nil
	}
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	<-l.done
	var err error
	if l.w.f != nil {
		err = l.w.f.Close()
		l.w.f = nil
	}
	if l.anchor != nil {
		l.anchor.close()
	}
	l.log.Info("audit log closed",
		zap.String("path", l.path), zap.Uint64("seq", l.w.head.Seq), zap.String("hash", l.w.head.Hash))
	if err != nil {
		return &WriteError{Path: l.path, Err: err}
	}
	return nil
}

// Anchored reports whether checkpoints of the log are signed.
func (l *Log) Anchored() bool { return l.anchor != nil }
