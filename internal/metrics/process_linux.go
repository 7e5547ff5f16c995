package metrics

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The process_* families, under client_golang's names and help texts.
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

func procFamily(name string, typ Type, v float64) Family {
	return single(name, processHelp[name], typ, v)
}

// userHZ is the kernel's USER_HZ, the unit of the times in /proc/PID/stat:
// 100 on every Linux architecture Go supports (procfs assumes it too).
const userHZ = 100

func newProcessCollector(proc string) Collector {
	ns := make([]string, 0, len(processHelp))
	for n := range processHelp {
		ns = append(ns, n)
	}
	self := filepath.Join(proc, "self")
	return &funcFamilies{ns: ns, f: func(out []Family) []Family {
		if st, err := readStat(filepath.Join(self, "stat")); err == nil {
			out = append(out,
				procFamily("process_cpu_seconds_total", TypeCounter, float64(st.utime+st.stime)/userHZ),
				procFamily("process_virtual_memory_bytes", TypeGauge, float64(st.vsize)),
				procFamily("process_resident_memory_bytes", TypeGauge, float64(st.rss*int64(os.Getpagesize()))),
			)
			if boot, err := bootTime(filepath.Join(proc, "stat")); err == nil {
				out = append(out, procFamily("process_start_time_seconds", TypeGauge, float64(boot)+float64(st.starttime)/userHZ))
			}
		}
		if f, err := os.Open(filepath.Join(self, "fd")); err == nil {
			names, err := f.Readdirnames(-1)
			f.Close()
			if err == nil {
				out = append(out, procFamily("process_open_fds", TypeGauge, float64(len(names))))
			}
		}
		if b, err := os.ReadFile(filepath.Join(self, "limits")); err == nil {
			if v, ok := limit(b, "Max open files"); ok {
				out = append(out, procFamily("process_max_fds", TypeGauge, v))
			}
			if v, ok := limit(b, "Max address space"); ok {
				out = append(out, procFamily("process_virtual_memory_max_bytes", TypeGauge, v))
			}
		}
		if b, err := os.ReadFile(filepath.Join(self, "net", "netstat")); err == nil {
			in, inOK := netstat(b, "IpExt", "InOctets")
			outB, outOK := netstat(b, "IpExt", "OutOctets")
			if inOK && outOK {
				out = append(out,
					procFamily("process_network_receive_bytes_total", TypeCounter, in),
					procFamily("process_network_transmit_bytes_total", TypeCounter, outB),
				)
			}
		}
		return out
	}}
}

type procStat struct {
	utime, stime, starttime uint64
	vsize                   uint64
	rss                     int64
}

// readStat reads /proc/PID/stat (proc(5)): the command in parentheses may
// hold spaces and parentheses itself, so fields count from the last ')'.
func readStat(path string) (procStat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	return parseStat(string(b))
}

func parseStat(s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, errors.New("no command in stat")
	}
	// f[0] is field 3 (state).
	f := strings.Fields(s[i+1:])
	if len(f) < 22 {
		return procStat{}, errors.New("short stat")
	}
	var st procStat
	var errs [5]error
	st.utime, errs[0] = strconv.ParseUint(f[14-3], 10, 64)
	st.stime, errs[1] = strconv.ParseUint(f[15-3], 10, 64)
	st.starttime, errs[2] = strconv.ParseUint(f[22-3], 10, 64)
	st.vsize, errs[3] = strconv.ParseUint(f[23-3], 10, 64)
	st.rss, errs[4] = strconv.ParseInt(f[24-3], 10, 64)
	return st, errors.Join(errs[:]...)
}

// bootTime is the btime line of /proc/stat: the boot time in seconds since
// the epoch.
func bootTime(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			return strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
		}
	}
	return 0, errors.New("no btime in stat")
}

// limit is the soft limit of one row of /proc/PID/limits; "unlimited" is
// the largest uint64, as procfs reads it.
func limit(b []byte, name string) (float64, bool) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok || len(rest) == 0 || rest[0] != ' ' {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) == 0 {
			return 0, false
		}
		if f[0] == "unlimited" {
			return math.MaxUint64, true
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		return float64(v), err == nil
	}
	return 0, false
}

// netstat is one value of /proc/PID/net/netstat, whose sections are a line
// of names and a line of values, each starting with "Section:".
func netstat(b []byte, section, key string) (float64, bool) {
	prefix := section + ":"
	var names []string
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) == 0 || f[0] != prefix {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		for i, n := range names {
			if n == key && i+1 < len(f) {
				v, err := strconv.ParseFloat(f[i+1], 64)
				return v, err == nil
			}
		}
		return 0, false
	}
	return 0, false
}
