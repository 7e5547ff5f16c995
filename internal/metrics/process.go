package metrics

// NewProcessCollector is the process's CPU time, memory, file descriptors
// and start time, read from /proc/self at scrape time. A file that cannot
// be read or parsed leaves its families out of that scrape. On other
// systems than Linux it collects nothing.
func NewProcessCollector() Collector { return newProcessCollector("/proc") }
