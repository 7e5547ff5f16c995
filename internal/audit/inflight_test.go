package audit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A window far longer than any test may take: a record acknowledged within
// ackTimeout was not held for its window.
const (
	longWindow = time.Hour
	ackTimeout = 5 * time.Second
)

// syncCounter records the size of every fsynced batch.
type syncCounter struct {
	mu      sync.Mutex
	batches []int
}

func (c *syncCounter) observer() Observer {
	return Observer{Sync: func(_ time.Duration, records int) {
		c.mu.Lock()
		c.batches = append(c.batches, records)
		c.mu.Unlock()
	}}
}

func (c *syncCounter) get() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.batches...)
}

// appendAsync appends r in a goroutine; the channel gets Append's error.
func appendAsync(ctx context.Context, l *Log, r *Record) <-chan error {
	done := make(chan error, 1)
	go func() { done <- l.Append(ctx, r) }()
	return done
}

func waitAck(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(ackTimeout):
		t.Fatalf("%s: not acknowledged within %v (held for the %v window?)", what, ackTimeout, longWindow)
	}
}

func notAcked(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s acknowledged (%v) while another call was still to queue its record", what, err)
	default:
	}
}

// waitInflight waits until n begun calls are still to queue their record.
func waitInflight(t *testing.T, l *Log, n int64) {
	t.Helper()
	deadline := time.Now().Add(ackTimeout)
	for l.inflight.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("in-flight count %d, want %d", l.inflight.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A lone call in batch mode waits for its fsync, not for the window: no other
// call is in flight, so nothing else could share the fsync.
func TestBatchLoneCallEndsTheWindow(t *testing.T) {
	var syncs syncCounter
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow, Observer: syncs.observer()})
	for i := range 3 {
		ctx, end := l.Begin(context.Background())
		waitAck(t, appendAsync(ctx, l, sampleRecord(i)), "lone call")
		end()
	}
	// A record of no call (an approval decision) with nothing in flight.
	waitAck(t, appendAsync(context.Background(), l, sampleRecord(3)), "record outside a call")
	if got := syncs.get(); len(got) != 4 {
		t.Fatalf("fsynced batches %v, want four of one record", got)
	}
	requireOK(t, mustVerify(t, l.Path()), 4)
}

// Two calls in flight: the first record waits for the second, and one fsync
// makes both durable.
func TestBatchConcurrentCallsShareOneFsync(t *testing.T) {
	var syncs syncCounter
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow, Observer: syncs.observer()})
	ctx1, end1 := l.Begin(context.Background())
	defer end1()
	ctx2, end2 := l.Begin(context.Background())
	defer end2()

	first := appendAsync(ctx1, l, sampleRecord(1))
	waitInflight(t, l, 1) // the first record is queued
	notAcked(t, first, "the first record")
	second := appendAsync(ctx2, l, sampleRecord(2))
	waitAck(t, first, "first call")
	waitAck(t, second, "second call")
	if got := syncs.get(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("fsynced batches %v, want one of two records", got)
	}
	requireOK(t, mustVerify(t, l.Path()), 2)
}

// A call that begins and ends without a record (a refusal answered before
// the record, the first leg of a confirmation) releases the batch at its end.
func TestBatchCallEndingWithoutRecordReleasesTheWindow(t *testing.T) {
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow})
	_, endSilent := l.Begin(context.Background())
	ctx, end := l.Begin(context.Background())
	defer end()
	done := appendAsync(ctx, l, sampleRecord(1))
	waitInflight(t, l, 1)
	notAcked(t, done, "the record")
	endSilent()
	waitAck(t, done, "record after the other call ended")
}

// A miscounted call (begun, never ended, never written) holds batches no
// longer than the window.
func TestBatchLeakedCallWaitsOnlyTheWindow(t *testing.T) {
	const window = 100 * time.Millisecond
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: window})
	_, leaked := l.Begin(context.Background())
	defer leaked()
	for i := range 2 {
		start := time.Now()
		ctx, end := l.Begin(context.Background())
		select {
		case err := <-appendAsync(ctx, l, sampleRecord(i)):
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(ackTimeout):
			t.Fatalf("record %d held past the %v window by a call that never writes", i, window)
		}
		end()
		if d := time.Since(start); d < window {
			t.Fatalf("record %d acknowledged after %v, before the window, while a call was in flight", i, d)
		}
	}
}

// Every way out of a call releases its count exactly once: the record
// queued, Append refused before queueing, end called twice, a panic.
func TestBeginReleasesOnEveryPath(t *testing.T) {
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow})

	ctx, end := l.Begin(context.Background())
	intent := sampleRecord(1)
	intent.Kind = KindIntent
	waitAck(t, appendAsync(ctx, l, intent), "intent")
	if n := l.inflight.Load(); n != 0 {
		t.Fatalf("after the intent: in flight %d, want 0", n)
	}
	waitAck(t, appendAsync(ctx, l, sampleRecord(2)), "outcome") // a second record of the call
	end()
	end()
	if n := l.inflight.Load(); n != 0 {
		t.Fatalf("after end twice: in flight %d, want 0", n)
	}

	ctx, end = l.Begin(context.Background())
	if err := l.Append(ctx, nil); err == nil {
		t.Fatal("nil record accepted")
	}
	if n := l.inflight.Load(); n != 0 {
		t.Fatalf("after a refused Append: in flight %d, want 0", n)
	}
	end()

	func() {
		defer func() { _ = recover() }()
		_, end := l.Begin(context.Background())
		defer end()
		panic("tool bug")
	}()
	if n := l.inflight.Load(); n != 0 {
		t.Fatalf("after a panic: in flight %d, want 0", n)
	}

	ctx, end = l.Begin(context.Background())
	defer end()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, sampleRecord(3)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v, want ErrClosed", err)
	}
	if n := l.inflight.Load(); n != 0 {
		t.Fatalf("after Append on a closed log: in flight %d, want 0", n)
	}
}

// A context begun on another log counts nothing here.
func TestBeginBelongsToItsLog(t *testing.T) {
	a := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow})
	b := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow})
	ctx, end := a.Begin(context.Background())
	defer end()
	waitAck(t, appendAsync(ctx, b, sampleRecord(1)), "record on the other log")
	if n := a.inflight.Load(); n != 1 {
		t.Fatalf("a's call released by b's record: in flight %d", n)
	}
}

// With SyncAlways there is no window: Begin changes nothing.
func TestBeginSyncAlways(t *testing.T) {
	l := openLog(t, Options{Sync: SyncAlways})
	ctx := context.Background()
	got, end := l.Begin(ctx)
	defer end()
	if got != ctx || l.inflight.Load() != 0 {
		t.Fatal("Begin counted a call with SyncAlways")
	}
}

// Many callers, each beginning, appending and ending in a loop, with a
// window no test could wait out: every batch ends as soon as the calls in
// flight have queued, and the chain stays whole.
func TestBatchManyCallsNeverWaitTheWindow(t *testing.T) {
	var syncs syncCounter
	l := openLog(t, Options{Sync: SyncBatch, BatchWindow: longWindow, Observer: syncs.observer()})
	const workers, each = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ctx, end := l.Begin(context.Background())
				if err := l.Append(ctx, sampleRecord(w*each+i)); err != nil {
					errs <- err
				}
				end()
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(4 * ackTimeout):
		t.Fatalf("callers stuck: %d in flight", l.inflight.Load())
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for _, n := range syncs.get() {
		total += n
	}
	if total != workers*each {
		t.Fatalf("%d records fsynced, want %d", total, workers*each)
	}
	requireOK(t, mustVerify(t, l.Path()), workers*each)
}
