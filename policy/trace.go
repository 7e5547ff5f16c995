package policy

import (
	"fmt"
	"strings"
)

// trace records the steps of one decision for Explain. Decide passes nil, and
// every method is a no-op on nil, so the explanation and the decision can never
// disagree: they are the same code.
type trace struct {
	b strings.Builder
}

func (t *trace) step(ok bool, format string, args ...any) {
	if t == nil {
		return
	}
	mark := "  ok    "
	if !ok {
		mark = "  no    "
	}
	t.b.WriteString(mark)
	fmt.Fprintf(&t.b, format, args...)
	t.b.WriteByte('\n')
}
