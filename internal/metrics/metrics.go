// Package metrics is the server's small Prometheus instrumentation: counter
// and histogram vectors with fixed label names, gauges read by a function at
// scrape time, the Go runtime and process metrics, and an HTTP handler that
// writes the Prometheus text exposition format 0.0.4.
//
// It replaces github.com/prometheus/client_golang in the binary, which pulled
// in protobuf, procfs and some forty other packages whose init ran at every
// start, also over stdio where metrics are off. It does only what the server
// uses, and its output is what client_golang wrote for the same metrics:
// families sorted by name, series by label values, labels by name, numbers
// formatted alike, families with no series left out.
//
// The hot path (WithLabelValues, Inc, Add, Observe) takes no lock beyond a
// read lock on the label map and allocates nothing once a series exists.
// Callers guarantee that label values are bounded.
package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Collector is anything a Registry gathers at scrape time. Only this
// package's types implement it.
type Collector interface {
	// names are the family names the collector writes, checked for
	// duplicates at registration.
	names() []string
	// collect appends the collector's families as they are now.
	collect(out []Family) []Family
}

// Type is a family's metric type, as written in its # TYPE line.
type Type string

const (
	TypeCounter   Type = "counter"
	TypeGauge     Type = "gauge"
	TypeHistogram Type = "histogram"
	TypeSummary   Type = "summary"
)

// Family is one metric family at scrape time.
type Family struct {
	Name   string
	Help   string
	Type   Type
	Labels []string // label names of every series, sorted
	Series []Series
}

// Series is one series of a family. Values holds the label values in the
// order of Family.Labels.
type Series struct {
	Values []string
	// Value of a counter or a gauge.
	Value float64
	// Of a histogram: the upper bounds (without +Inf) and the cumulative
	// count of each; of a summary: the quantiles and the value at each.
	Bounds    []float64
	Counts    []uint64
	Quantiles []float64
	// Of a histogram or a summary.
	Count uint64
	Sum   float64
}

// Registry holds the collectors one /metrics endpoint serves. Each process
// makes its own; there is no global default.
type Registry struct {
	mu    sync.Mutex
	cs    []Collector
	taken map[string]bool
}

// NewRegistry is an empty registry.
func NewRegistry() *Registry { return &Registry{taken: map[string]bool{}} }

// MustRegister adds collectors; a family name registered twice is a
// programming error and panics, as with client_golang.
func (r *Registry) MustRegister(cs ...Collector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		ns := c.names()
		for _, n := range ns {
			if r.taken[n] {
				panic(fmt.Sprintf("metrics: %s registered twice", n))
			}
		}
		for _, n := range ns {
			r.taken[n] = true
		}
		r.cs = append(r.cs, c)
	}
}

// Gather returns every family with at least one series, sorted by name, its
// series sorted by label values.
func (r *Registry) Gather() []Family {
	r.mu.Lock()
	cs := slices.Clone(r.cs)
	r.mu.Unlock()
	var fams []Family
	for _, c := range cs {
		fams = c.collect(fams)
	}
	fams = slices.DeleteFunc(fams, func(f Family) bool { return len(f.Series) == 0 })
	slices.SortFunc(fams, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range fams {
		slices.SortFunc(f.Series, func(a, b Series) int { return slices.Compare(a.Values, b.Values) })
	}
	return fams
}

// desc is a family's fixed part: name, help and label names.
type desc struct {
	name, help string
	typ        Type
	labels     []string // as given: the order of WithLabelValues
	sorted     []string // sorted by name: the order of the output
	order      []int    // order[i]: index in labels of sorted[i]
}

func newDesc(name, help string, typ Type, labels []string) *desc {
	if !validMetricName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	d := &desc{name: name, help: help, typ: typ, labels: slices.Clone(labels)}
	d.order = make([]int, len(labels))
	for i, l := range labels {
		if !validLabelName(l) || (typ == TypeHistogram && l == "le") || (typ == TypeSummary && l == "quantile") {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		}
		if slices.Index(labels, l) != i {
			panic(fmt.Sprintf("metrics: %s: label %q twice", name, l))
		}
		d.order[i] = i
	}
	slices.SortFunc(d.order, func(a, b int) int { return strings.Compare(labels[a], labels[b]) })
	d.sorted = make([]string, len(labels))
	for i, j := range d.order {
		d.sorted[i] = labels[j]
	}
	return d
}

func (d *desc) names() []string { return []string{d.name} }

func (d *desc) family(n int) Family {
	return Family{Name: d.name, Help: d.help, Type: d.typ, Labels: d.sorted, Series: make([]Series, 0, n)}
}

// sortedValues puts label values given in d.labels order in d.sorted order.
func (d *desc) sortedValues(vals []string) []string {
	out := make([]string, len(vals))
	for i, j := range d.order {
		out[i] = vals[j]
	}
	return out
}

func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		ok := c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}

func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, c := range []byte(s) {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// GaugeOpts names a gauge.
type GaugeOpts struct{ Name, Help string }

// CounterOpts names a counter.
type CounterOpts struct{ Name, Help string }

// NewGaugeFunc is a gauge whose value f reads at scrape time; f must be
// safe to call concurrently.
func NewGaugeFunc(o GaugeOpts, f func() float64) Collector {
	return &funcCollector{d: newDesc(o.Name, o.Help, TypeGauge, nil), f: f}
}

// NewCounterFunc is a counter whose value f reads at scrape time; the value
// must never decrease.
func NewCounterFunc(o CounterOpts, f func() float64) Collector {
	return &funcCollector{d: newDesc(o.Name, o.Help, TypeCounter, nil), f: f}
}

type funcCollector struct {
	d *desc
	f func() float64
}

func (c *funcCollector) names() []string { return c.d.names() }

func (c *funcCollector) collect(out []Family) []Family {
	f := c.d.family(1)
	f.Series = append(f.Series, Series{Value: c.f()})
	return append(out, f)
}

// funcFamilies is a collector of several families computed together (the
// Go runtime and the process collectors).
type funcFamilies struct {
	ns []string
	f  func(out []Family) []Family
}

func (c *funcFamilies) names() []string               { return c.ns }
func (c *funcFamilies) collect(out []Family) []Family { return c.f(out) }

// single is a family of one unlabelled series.
func single(name, help string, typ Type, v float64) Family {
	return Family{Name: name, Help: help, Type: typ, Series: []Series{{Value: v}}}
}

// addFloat adds v to the float64 whose bits p holds.
func addFloat(p *atomic.Uint64, v float64) {
	for {
		old := p.Load()
		if p.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
