package policy

import (
	"fmt"
	"strings"
)

// LoadError lists every problem found in a policy file, each with its line, so one
// edit-and-retry fixes them all. Callers get it with errors.As.
type LoadError struct {
	Source   string
	Problems []Problem
}

// Problem is one thing wrong with a policy file.
type Problem struct {
	Line int // 0 when the problem is with the file as a whole
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
	}
	return p.Msg
}

func (e *LoadError) Error() string {
	name := e.Source
	if name == "" {
		name = "policy"
	}
	if len(e.Problems) == 1 {
		return name + ": " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", name, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
