package audit

import (
	"context"
	"sync/atomic"
)

// A tool call that will append a record announces itself with Begin, so that
// a SyncBatch writer knows what else may still arrive: a batch is written as
// soon as every announced call has queued its record, and otherwise when its
// window ends. A lone caller thus waits for one fsync, not for the window.
//
// The count can only be wrong in the safe direction: a call that never
// appends and never ends keeps batches waiting no longer than the window, and
// one that releases early only loses the chance to share an fsync. Nothing is
// acknowledged before it is on disk either way.

// callKey is the context key of a call begun with Begin.
type callKey struct{}

// inflightCall is one announced call: it holds a unit of Log.inflight until
// its first record is queued or it ends.
type inflightCall struct {
	l        *Log
	released atomic.Bool
}

// Begin announces a call whose record will be appended with the returned
// context (or one derived from it, as context.WithoutCancel is). The call's
// count is released as soon as its first record is queued; end releases it
// if that never happens, and must be deferred so that a call that returns
// early or panics does not leave it held. end is idempotent. Records
// appended without a begun context (approval decisions, expiries) are
// written as before; only the batch window's early end depends on Begin.
//
// With SyncAlways there is no window to end, and Begin returns ctx itself.
func (l *Log) Begin(ctx context.Context) (_ context.Context, end func()) {
	if l.sync != SyncBatch {
		return ctx, func() {}
	}
	c := &inflightCall{l: l}
	l.inflight.Add(1)
	return context.WithValue(ctx, callKey{}, c), c.release
}

// callOf is the call ctx announces to l, or nil.
func (l *Log) callOf(ctx context.Context) *inflightCall {
	c, _ := ctx.Value(callKey{}).(*inflightCall)
	if c == nil || c.l != l {
		return nil
	}
	return c
}

// release drops the call's count, once, and wakes a writer waiting for it.
func (c *inflightCall) release() {
	if c == nil || !c.released.CompareAndSwap(false, true) {
		return
	}
	c.l.inflight.Add(-1)
	select {
	case c.l.wake <- struct{}{}:
	default: // a wake-up is already pending; the writer re-reads the count
	}
}
