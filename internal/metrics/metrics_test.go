package metrics

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestMisuse(t *testing.T) {
	r := NewRegistry()
	cv := NewCounterVec(CounterOpts{Name: "x_total", Help: "x"}, []string{"a", "b"})
	r.MustRegister(cv)
	mustPanic(t, "a name registered twice", func() { r.MustRegister(NewGaugeFunc(GaugeOpts{Name: "x_total"}, func() float64 { return 0 })) })
	mustPanic(t, "too few label values", func() { cv.WithLabelValues("1") })
	mustPanic(t, "a negative add", func() { cv.WithLabelValues("1", "2").Add(-1) })
	mustPanic(t, "an invalid metric name", func() { NewCounterVec(CounterOpts{Name: "x-y"}, nil) })
	mustPanic(t, "an invalid label name", func() { NewCounterVec(CounterOpts{Name: "y"}, []string{"1a"}) })
	mustPanic(t, "a reserved label name", func() { NewCounterVec(CounterOpts{Name: "y"}, []string{"__a"}) })
	mustPanic(t, "le on a histogram", func() { NewHistogramVec(HistogramOpts{Name: "y"}, []string{"le"}) })
	mustPanic(t, "a label twice", func() { NewCounterVec(CounterOpts{Name: "y"}, []string{"a", "a"}) })
	mustPanic(t, "buckets out of order", func() { NewHistogram(HistogramOpts{Name: "y", Buckets: []float64{1, 1}}) })
	mustPanic(t, "a series of a vector registered alone", func() {
		NewRegistry().MustRegister(NewHistogramVec(HistogramOpts{Name: "h"}, []string{"a"}).WithLabelValues("1"))
	})
	// A trailing +Inf bucket is accepted and not doubled.
	h := NewHistogram(HistogramOpts{Name: "z", Buckets: []float64{1, 2, math.Inf(+1)}})
	if len(h.bounds) != 2 {
		t.Errorf("bounds %v", h.bounds)
	}
}

// Label values are keyed without ambiguity: ("ab","c") and ("a","bc") are
// two series; invalid UTF-8 is written as U+FFFD, and two values that read
// alike then share one series rather than appear twice.
func TestLabelKeys(t *testing.T) {
	cv := NewCounterVec(CounterOpts{Name: "k_total", Help: "k"}, []string{"x", "y"})
	cv.WithLabelValues("ab", "c").Inc()
	cv.WithLabelValues("a", "bc").Inc()
	cv.WithLabelValues("\xff", "").Inc()
	cv.WithLabelValues("\xfe", "").Inc()
	f := cv.collect(nil)[0]
	if len(f.Series) != 3 {
		t.Fatalf("series %+v", f.Series)
	}
	for _, s := range f.Series {
		if s.Values[0] == "\uFFFD" && s.Value != 2 {
			t.Errorf("sanitized series %v", s.Value)
		}
	}
	// Labels are written sorted by name, whatever the order given.
	cv2 := NewCounterVec(CounterOpts{Name: "o_total", Help: "o"}, []string{"tool", "agent", "outcome"})
	cv2.WithLabelValues("t", "a", "ok").Inc()
	f = cv2.collect(nil)[0]
	if !slices.Equal(f.Labels, []string{"agent", "outcome", "tool"}) || !slices.Equal(f.Series[0].Values, []string{"a", "ok", "t"}) {
		t.Errorf("labels %v values %v", f.Labels, f.Series[0].Values)
	}
}

// The hot path allocates nothing once a series exists.
func TestNoAllocations(t *testing.T) {
	cv := NewCounterVec(CounterOpts{Name: "a_total", Help: "a"}, []string{"tool", "agent", "outcome"})
	hv := NewHistogramVec(HistogramOpts{Name: "a_seconds", Help: "a"}, []string{"tool"})
	h := NewHistogram(HistogramOpts{Name: "b_seconds", Help: "b"})
	tool, agent := strings.Repeat("atlas-list-clusters", 1), "alice"
	cv.WithLabelValues(tool, agent, "ok").Inc()
	hv.WithLabelValues(tool).Observe(1)
	if n := testing.AllocsPerRun(1000, func() {
		cv.WithLabelValues(tool, agent, "ok").Inc()
		cv.WithLabelValues(tool, agent, "ok").Add(0.5)
		hv.WithLabelValues(tool).Observe(0.02)
		h.Observe(0.3)
	}); n != 0 {
		t.Errorf("%v allocations per observation", n)
	}
}

// Observations and scrapes at the same time: nothing is lost, and every
// scrape is consistent (cumulative buckets, +Inf equal to the count).
func TestConcurrent(t *testing.T) {
	r := NewRegistry()
	cv := NewCounterVec(CounterOpts{Name: "c_total", Help: "c"}, []string{"g"})
	hv := NewHistogramVec(HistogramOpts{Name: "h_seconds", Help: "h", Buckets: []float64{1, 2, 3}}, []string{"g"})
	r.MustRegister(cv, hv)
	const workers, per = 8, 5000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	scraped := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				scraped <- nil
				return
			default:
			}
			for _, f := range r.Gather() {
				if f.Type != TypeHistogram {
					continue
				}
				for _, s := range f.Series {
					prev := uint64(0)
					for _, c := range s.Counts {
						if c < prev || c > s.Count {
							scraped <- errInconsistent
							return
						}
						prev = c
					}
					// The observations are 0.5, 1.5, 2.5 and 10, one per bucket:
					// in a consistent scrape the sum follows from the buckets
					// (exactly: these are sums of halves).
					b := s.Counts
					want := 0.5*float64(b[0]) + 1.5*float64(b[1]-b[0]) + 2.5*float64(b[2]-b[1]) + 10*float64(s.Count-b[2])
					if s.Sum != want {
						scraped <- errInconsistent
						return
					}
				}
			}
			runtime.Gosched()
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				cv.WithLabelValues("all").Inc()
				cv.WithLabelValues("all").Add(0.5)
				hv.WithLabelValues("all").Observe([]float64{0.5, 1.5, 2.5, 10}[i%4])
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-scraped; err != nil {
		t.Fatal(err)
	}
	fams := r.Gather()
	if v := fams[0].Series[0].Value; v != workers*per*1.5 {
		t.Errorf("counter %v, want %v", v, workers*per*1.5)
	}
	s := fams[1].Series[0]
	if s.Count != workers*per || !slices.Equal(s.Counts, []uint64{workers * per / 4, workers * per / 2, workers * per * 3 / 4}) || s.Sum != workers*per/4*14.5 {
		t.Errorf("histogram %+v", s)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

const errInconsistent = errString("an inconsistent histogram scrape")

// The Go collector has client_golang's names (go_gc_gogc_percent aside).
func TestGoCollector(t *testing.T) {
	r := NewRegistry()
	r.MustRegister(NewGoCollector())
	got := map[string]Family{}
	for _, f := range r.Gather() {
		got[f.Name] = f
	}
	for _, n := range []string{"go_gc_duration_seconds", "go_gc_gomemlimit_bytes", "go_goroutines", "go_info",
		"go_memstats_alloc_bytes", "go_memstats_alloc_bytes_total", "go_memstats_buck_hash_sys_bytes", "go_memstats_frees_total",
		"go_memstats_gc_sys_bytes", "go_memstats_heap_alloc_bytes", "go_memstats_heap_idle_bytes", "go_memstats_heap_inuse_bytes",
		"go_memstats_heap_objects", "go_memstats_heap_released_bytes", "go_memstats_heap_sys_bytes", "go_memstats_last_gc_time_seconds",
		"go_memstats_mallocs_total", "go_memstats_mcache_inuse_bytes", "go_memstats_mcache_sys_bytes", "go_memstats_mspan_inuse_bytes",
		"go_memstats_mspan_sys_bytes", "go_memstats_next_gc_bytes", "go_memstats_other_sys_bytes", "go_memstats_stack_inuse_bytes",
		"go_memstats_stack_sys_bytes", "go_memstats_sys_bytes", "go_sched_gomaxprocs_threads", "go_threads"} {
		if _, ok := got[n]; !ok {
			t.Errorf("no %s", n)
		}
	}
	if len(got) != 28 {
		t.Errorf("%d families", len(got))
	}
	if v := got["go_info"].Series[0].Values; v[0] != runtime.Version() {
		t.Errorf("go_info %v", v)
	}
	if g := got["go_goroutines"].Series[0].Value; g < 1 {
		t.Errorf("go_goroutines %v", g)
	}
	if v := got["go_memstats_sys_bytes"].Series[0].Value; v < 1<<20 {
		t.Errorf("go_memstats_sys_bytes %v", v)
	}
	if f := got["go_gc_duration_seconds"]; f.Type != TypeSummary || len(f.Series[0].Quantiles) != 5 {
		t.Errorf("go_gc_duration_seconds %+v", f)
	}
	if got["go_memstats_mallocs_total"].Type != TypeCounter || got["go_memstats_alloc_bytes"].Type != TypeGauge {
		t.Error("types")
	}
}
