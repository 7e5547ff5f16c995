package audit

import "time"

// Observer receives the timings of the log's work, for metrics. Either func
// may be nil. They run on the hot path (Sync on the writer goroutine), so
// they must be quick and must not call back into the Log.
type Observer struct {
	// Append gets how long one Append took, from the call until the record
	// was durable (or failed): what a tool call waits for its record.
	Append func(d time.Duration, err error)
	// Sync gets how long one fsync of a batch of records took.
	Sync func(d time.Duration, records int)
}

func (l *Log) observeAppend(start time.Time, err error) {
	if l.obs.Append != nil {
		l.obs.Append(time.Since(start), err)
	}
}

func (l *Log) observeSync(start time.Time, records int) {
	if l.obs.Sync != nil {
		l.obs.Sync(time.Since(start), records)
	}
}
