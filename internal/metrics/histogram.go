package metrics

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// DefBuckets are client_golang's default buckets, for latencies in seconds.
var DefBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// HistogramOpts names a histogram and gives its buckets' upper bounds,
// strictly increasing (a final +Inf may be given or left out; it is always
// there). No buckets means DefBuckets.
type HistogramOpts struct {
	Name, Help string
	Buckets    []float64
}

// Histogram counts observations in cumulative buckets, with their count and
// sum. Observe is lock-free; a scrape reads a consistent state (every
// bucket, the count and the sum of the same observations) by the method of
// client_golang: observations go to one of two sets of counts, the "hot"
// one, and a scrape swaps hot and cold, waits for the observations already
// under way in the now cold set, reads it and folds it into the hot one.
type Histogram struct {
	d      *desc // nil for a series of a HistogramVec
	bounds []float64

	// countAndHot: bit 63 is the index of the hot set of counts, the rest
	// the number of observations started.
	countAndHot atomic.Uint64
	counts      [2]*histCounts
	writeMu     sync.Mutex // one scrape at a time swaps the sets
}

type histCounts struct {
	count   atomic.Uint64 // observations finished in this set
	sumBits atomic.Uint64
	buckets []atomic.Uint64 // not cumulative; the last is (bounds[-1], +Inf]
}

func newHistogram(d *desc, bounds []float64) *Histogram {
	h := &Histogram{d: d, bounds: bounds}
	for i := range h.counts {
		h.counts[i] = &histCounts{buckets: make([]atomic.Uint64, len(bounds)+1)}
	}
	return h
}

func checkBuckets(name string, b []float64) []float64 {
	if len(b) == 0 {
		b = DefBuckets
	}
	if math.IsInf(b[len(b)-1], +1) {
		b = b[:len(b)-1]
	}
	for i := range b {
		if math.IsNaN(b[i]) || i > 0 && b[i] <= b[i-1] {
			panic(fmt.Sprintf("metrics: %s: buckets must be strictly increasing: %v", name, b))
		}
	}
	return append([]float64(nil), b...)
}

// NewHistogram is a histogram without labels; register it on a Registry.
func NewHistogram(o HistogramOpts) *Histogram {
	return newHistogram(newDesc(o.Name, o.Help, TypeHistogram, nil), checkBuckets(o.Name, o.Buckets))
}

// Observe counts v: in the first bucket whose upper bound is ≥ v.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // len(bounds): +Inf (and NaN)
	n := h.countAndHot.Add(1)
	hot := h.counts[n>>63]
	hot.buckets[i].Add(1)
	addFloat(&hot.sumBits, v)
	hot.count.Add(1) // last: the observation is complete
}

// snapshot is the histogram's state as a Series (values not set).
func (h *Histogram) snapshot() Series {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	// Swap: new observations go to the other set from now on.
	n := h.countAndHot.Add(1 << 63)
	count := n & (1<<63 - 1)
	hot, cold := h.counts[n>>63], h.counts[(^n)>>63]
	// Wait for the observations that started before the swap.
	for cold.count.Load() != count {
		runtime.Gosched()
	}
	s := Series{Bounds: h.bounds, Counts: make([]uint64, len(h.bounds)), Count: count, Sum: math.Float64frombits(cold.sumBits.Load())}
	var cum uint64
	for i := range h.bounds {
		cum += cold.buckets[i].Load()
		s.Counts[i] = cum
	}
	// Fold the cold set into the hot one and clear it for the next swap.
	hot.count.Add(count)
	cold.count.Store(0)
	addFloat(&hot.sumBits, math.Float64frombits(cold.sumBits.Swap(0)))
	for i := range cold.buckets {
		hot.buckets[i].Add(cold.buckets[i].Swap(0))
	}
	return s
}

func (h *Histogram) names() []string {
	if h.d == nil {
		panic("metrics: a series of a HistogramVec is registered with its vector")
	}
	return h.d.names()
}

func (h *Histogram) collect(out []Family) []Family {
	f := h.d.family(1)
	f.Series = append(f.Series, h.snapshot())
	return append(out, f)
}

// HistogramVec is a family of histograms with fixed label names and the
// same buckets.
type HistogramVec struct {
	v *vec[Histogram]
}

// NewHistogramVec is a histogram vector; register it on a Registry.
func NewHistogramVec(o HistogramOpts, labels []string) *HistogramVec {
	bounds := checkBuckets(o.Name, o.Buckets)
	d := newDesc(o.Name, o.Help, TypeHistogram, labels)
	return &HistogramVec{v: newVec(d, func() *Histogram { return newHistogram(nil, bounds) })}
}

// WithLabelValues is the histogram of these label values, in the order of
// the label names given to NewHistogramVec, created at the first use. A
// wrong number of values is a programming error and panics.
func (hv *HistogramVec) WithLabelValues(vals ...string) *Histogram { return hv.v.get(vals) }

func (hv *HistogramVec) names() []string { return hv.v.d.names() }

func (hv *HistogramVec) collect(out []Family) []Family {
	f := hv.v.d.family(hv.v.len())
	hv.v.each(func(values []string, h *Histogram) {
		s := h.snapshot()
		s.Values = values
		f.Series = append(f.Series, s)
	})
	return append(out, f)
}
