package metrics

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// vec is the label-values → series map of a counter or histogram vector.
// The lookup key is the values, each prefixed with its length (so no value
// can run into the next); looking it up builds the key on the stack and
// allocates nothing.
type vec[T any] struct {
	d    *desc
	make func() *T

	mu  sync.RWMutex
	m   map[string]*T
	all []entry[T] // in creation order; values sorted as d.sorted
}

type entry[T any] struct {
	values []string
	s      *T
}

func newVec[T any](d *desc, mk func() *T) *vec[T] {
	return &vec[T]{d: d, make: mk, m: map[string]*T{}}
}

func (v *vec[T]) get(vals []string) *T {
	if len(vals) != len(v.d.labels) {
		panic(fmt.Sprintf("metrics: %s: %d label values for %d labels (%s)", v.d.name, len(vals), len(v.d.labels), strings.Join(v.d.labels, ", ")))
	}
	var buf [128]byte
	key := buf[:0]
	for _, s := range vals {
		key = binary.AppendUvarint(key, uint64(len(s)))
		key = append(key, s...)
	}
	v.mu.RLock()
	s, ok := v.m[string(key)]
	v.mu.RUnlock()
	if ok {
		return s
	}
	return v.create(string(key), vals)
}

func (v *vec[T]) create(key string, vals []string) *T {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.m[key]; ok {
		return s
	}
	values := v.d.sortedValues(vals)
	sanitized := false
	for i, s := range values {
		// The exposition is UTF-8; callers pass bounded, valid names, but
		// an invalid byte must not make the whole scrape unparsable.
		if !utf8.ValidString(s) {
			values[i] = strings.ToValidUTF8(s, "\uFFFD")
			sanitized = true
		}
	}
	// Two invalid values that sanitize alike share one series, so the
	// output never holds a series twice.
	if sanitized {
		for _, e := range v.all {
			if equal(e.values, values) {
				v.m[key] = e.s
				return e.s
			}
		}
	}
	s := v.make()
	v.m[key] = s
	v.all = append(v.all, entry[T]{values: values, s: s})
	return s
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// each calls f for every series, under the read lock.
func (v *vec[T]) each(f func(values []string, s *T)) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for _, e := range v.all {
		f(e.values, e.s)
	}
}

func (v *vec[T]) len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.all)
}
