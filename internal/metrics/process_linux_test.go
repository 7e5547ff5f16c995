package metrics

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestProcessCollectorReal(t *testing.T) {
	r := NewRegistry()
	r.MustRegister(NewProcessCollector())
	got := map[string]float64{}
	for _, f := range r.Gather() {
		got[f.Name] = f.Series[0].Value
	}
	for _, n := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
		"process_open_fds", "process_max_fds", "process_start_time_seconds", "process_virtual_memory_max_bytes"} {
		if got[n] <= 0 {
			t.Errorf("%s = %v", n, got[n])
		}
	}
	if got["process_resident_memory_bytes"] < 1<<20 || got["process_open_fds"] > got["process_max_fds"] {
		t.Errorf("implausible: %v", got)
	}
}

// A fake /proc: a command with spaces and parentheses, limits with
// "unlimited", netstat's two-line sections.
func TestProcessCollectorFake(t *testing.T) {
	root := t.TempDir()
	self := filepath.Join(root, "self")
	for _, d := range []string{"fd", "net"} {
		if err := os.MkdirAll(filepath.Join(self, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(self, "fd", string(rune('0'+i))), nil, 0o644)
	}
	files := map[string]string{
		"stat":             "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n",
		"self/stat":        "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 7 0 12345 1000000 250 18446744073709551615\n",
		"self/limits":      "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 4096                 files     \nMax address space         unlimited            unlimited            bytes     \n",
		"self/net/netstat": "TcpExt: SyncookiesSent SyncookiesRecv\nTcpExt: 0 0\nIpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 1234 5678\n",
	}
	for p, s := range files {
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]Family{}
	for _, f := range newProcessCollector(root).collect(nil) {
		got[f.Name] = f
	}
	want := map[string]float64{
		"process_cpu_seconds_total":            4,
		"process_virtual_memory_bytes":         1e6,
		"process_resident_memory_bytes":        float64(250 * os.Getpagesize()),
		"process_start_time_seconds":           1700000000 + 123.45,
		"process_open_fds":                     3,
		"process_max_fds":                      1024,
		"process_virtual_memory_max_bytes":     math.MaxUint64,
		"process_network_receive_bytes_total":  1234,
		"process_network_transmit_bytes_total": 5678,
	}
	for n, v := range want {
		f, ok := got[n]
		if !ok {
			t.Errorf("no %s", n)
			continue
		}
		if f.Series[0].Value != v || f.Help != processHelp[n] {
			t.Errorf("%s = %v (%q), want %v", n, f.Series[0].Value, f.Help, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d families", len(got))
	}
	if got["process_cpu_seconds_total"].Type != TypeCounter || got["process_open_fds"].Type != TypeGauge {
		t.Error("types")
	}

	// Unreadable files leave their families out, nothing else.
	os.Remove(filepath.Join(self, "stat"))
	os.Remove(filepath.Join(self, "net", "netstat"))
	got = map[string]Family{}
	for _, f := range newProcessCollector(root).collect(nil) {
		got[f.Name] = f
	}
	if len(got) != 3 || got["process_open_fds"].Name == "" {
		t.Errorf("with stat and netstat gone: %v", got)
	}
}
