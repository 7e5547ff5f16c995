package metrics

// The process_* families, under client_golang's names and help texts. Only
// Linux has them (process_linux.go); elsewhere the collector writes nothing.
var processHelp = map[string]string{
	"process_cpu_seconds_total":            "Total user and system CPU time spent in seconds.",
	"process_max_fds":                      "Maximum number of open file descriptors.",
	"process_network_receive_bytes_total":  "Number of bytes received by the process over the network.",
	"process_network_transmit_bytes_total": "Number of bytes sent by the process over the network.",
	"process_open_fds":                     "Number of open file descriptors.",
	"process_resident_memory_bytes":        "Resident memory size in bytes.",
	"process_start_time_seconds":           "Start time of the process since unix epoch in seconds.",
	"process_virtual_memory_bytes":         "Virtual memory size in bytes.",
	"process_virtual_memory_max_bytes":     "Maximum amount of virtual memory available in bytes.",
}

// NewProcessCollector is the process's CPU time, memory, file descriptors
// and start time, read from /proc/self at scrape time. A file that cannot
// be read or parsed leaves its families out of that scrape. On other
// systems than Linux it collects nothing.
func NewProcessCollector() Collector { return newProcessCollector("/proc") }

func procFamily(name string, typ Type, v float64) Family {
	return single(name, processHelp[name], typ, v)
}
