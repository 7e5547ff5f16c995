package atlassim

// requestLog keeps the newest max requests in a ring: once full, a request
// overwrites the oldest in place instead of copying the whole log. It grows as
// requests come, so a short test does not hold room for 100,000.
type requestLog struct {
	buf   []LoggedRequest
	start int // index of the oldest entry once buf is full
	max   int
}

func (l *requestLog) add(e LoggedRequest) {
	if len(l.buf) < l.max {
		l.buf = append(l.buf, e)
		return
	}
	l.buf[l.start] = e
	l.start = (l.start + 1) % l.max
}

// snapshot returns a copy, oldest first.
func (l *requestLog) snapshot() []LoggedRequest {
	out := make([]LoggedRequest, 0, len(l.buf))
	out = append(out, l.buf[l.start:]...)
	return append(out, l.buf[:l.start]...)
}

func (l *requestLog) reset() {
	l.buf, l.start = nil, 0
}
