package metrics

import (
	"runtime"
	"runtime/debug"
	"time"
)

// NewGoCollector is the Go runtime's metrics under client_golang's names and
// help texts, read at scrape time with runtime.ReadMemStats and
// debug.ReadGCStats (not runtime/metrics, whose package init would run at
// every start): go_goroutines, go_threads, go_info, go_gc_duration_seconds,
// go_gc_gomemlimit_bytes, go_sched_gomaxprocs_threads and the go_memstats_*
// set. go_gc_duration_seconds stays a summary, as with client_golang: the
// quantiles 0, 0.25, 0.5, 0.75 and 1 of the recent GC pauses, their total
// and the number of GCs. go_gc_gogc_percent is left out: there is no way to
// read GOGC without runtime/metrics that does not also set it.
func NewGoCollector() Collector {
	ns := []string{"go_goroutines", "go_threads", "go_info", "go_gc_duration_seconds", "go_gc_gomemlimit_bytes", "go_sched_gomaxprocs_threads", "go_memstats_last_gc_time_seconds"}
	for _, m := range memStats {
		ns = append(ns, m.name)
	}
	return &funcFamilies{ns: ns, f: collectGo}
}

var memStats = []struct {
	name, help string
	typ        Type
	value      func(*runtime.MemStats) float64
}{
	{"go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.Alloc) }},
	{"go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", TypeCounter, func(m *runtime.MemStats) float64 { return float64(m.TotalAlloc) }},
	{"go_memstats_buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.BuckHashSys) }},
	{"go_memstats_frees_total", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", TypeCounter, func(m *runtime.MemStats) float64 { return float64(m.Frees) }},
	{"go_memstats_gc_sys_bytes", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.GCSys) }},
	{"go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapAlloc) }},
	{"go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapIdle) }},
	{"go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapInuse) }},
	{"go_memstats_heap_objects", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapObjects) }},
	{"go_memstats_heap_released_bytes", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapReleased) }},
	{"go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.HeapSys) }},
	{"go_memstats_mallocs_total", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", TypeCounter, func(m *runtime.MemStats) float64 { return float64(m.Mallocs) }},
	{"go_memstats_mcache_inuse_bytes", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.MCacheInuse) }},
	{"go_memstats_mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.MCacheSys) }},
	{"go_memstats_mspan_inuse_bytes", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.MSpanInuse) }},
	{"go_memstats_mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.MSpanSys) }},
	{"go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.NextGC) }},
	{"go_memstats_other_sys_bytes", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.OtherSys) }},
	{"go_memstats_stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.StackInuse) }},
	{"go_memstats_stack_sys_bytes", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.StackSys) }},
	{"go_memstats_sys_bytes", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", TypeGauge, func(m *runtime.MemStats) float64 { return float64(m.Sys) }},
}

func collectGo(out []Family) []Family {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for _, m := range memStats {
		out = append(out, single(m.name, m.help, m.typ, m.value(&ms)))
	}
	out = append(out, single("go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", TypeGauge, float64(ms.LastGC)/1e9))

	gc := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&gc)
	s := Series{Bounds: []float64{0, 0.25, 0.5, 0.75, 1}, Quantiles: make([]float64, 5), Count: uint64(gc.NumGC), Sum: gc.PauseTotal.Seconds()}
	for i, p := range gc.PauseQuantiles {
		s.Quantiles[i] = p.Seconds()
	}
	out = append(out, Family{Name: "go_gc_duration_seconds", Help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", Type: TypeSummary, Series: []Series{s}})

	threads, _ := runtime.ThreadCreateProfile(nil)
	return append(out,
		single("go_goroutines", "Number of goroutines that currently exist.", TypeGauge, float64(runtime.NumGoroutine())),
		single("go_threads", "Number of OS threads created.", TypeGauge, float64(threads)),
		Family{Name: "go_info", Help: "Information about the Go environment.", Type: TypeGauge, Labels: []string{"version"}, Series: []Series{{Values: []string{runtime.Version()}, Value: 1}}},
		single("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.", TypeGauge, float64(debug.SetMemoryLimit(-1))), // a negative limit only reads it
		single("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.", TypeGauge, float64(runtime.GOMAXPROCS(0))),
	)
}
