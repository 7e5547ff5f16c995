package metrics

import (
	"math"
	"sync/atomic"
)

// Counter is a value that only goes up. Whole increments are one atomic
// add; fractional ones a compare-and-swap loop on the float's bits.
type Counter struct {
	n    atomic.Uint64 // whole increments
	bits atomic.Uint64 // float64 bits of the fractional ones
}

// Inc adds 1.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds v, which must not be negative (a counter cannot decrease; this
// panics, as with client_golang).
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic("metrics: counter cannot decrease")
	}
	if u := uint64(v); float64(u) == v && v < 1<<53 {
		c.n.Add(u)
		return
	}
	addFloat(&c.bits, v)
}

// Value is the counter's current value.
func (c *Counter) Value() float64 {
	return float64(c.n.Load()) + math.Float64frombits(c.bits.Load())
}

// CounterVec is a family of counters with fixed label names.
type CounterVec struct{ v *vec[Counter] }

// NewCounterVec is a counter vector; register it on a Registry.
func NewCounterVec(o CounterOpts, labels []string) *CounterVec {
	return &CounterVec{v: newVec(newDesc(o.Name, o.Help, TypeCounter, labels), func() *Counter { return new(Counter) })}
}

// WithLabelValues is the counter of these label values, in the order of the
// label names given to NewCounterVec, created at the first use. A wrong
// number of values is a programming error and panics.
func (cv *CounterVec) WithLabelValues(vals ...string) *Counter { return cv.v.get(vals) }

func (cv *CounterVec) names() []string { return cv.v.d.names() }

func (cv *CounterVec) collect(out []Family) []Family {
	f := cv.v.d.family(cv.v.len())
	cv.v.each(func(values []string, c *Counter) {
		f.Series = append(f.Series, Series{Values: values, Value: c.Value()})
	})
	return append(out, f)
}
