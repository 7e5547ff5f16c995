package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.Node tree by hand rather than unmarshalling into structs,
// because a policy error must name its line and an unknown key must be an error
// with a suggestion, and yaml.v3's struct decoding gives neither in one pass.
// It collects every problem instead of stopping at the first.
type decoder struct {
	problems []Problem
	// budget caps alias dereferences so a file of nested aliases (a "billion
	// laughs") cannot make loading take forever.
	budget    int
	exhausted bool
}

const aliasBudget = 10000

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) failAt(line int, format string, args ...any) {
	d.problems = append(d.problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// readYAML returns the single document's root node.
func readYAML(data []byte) (root *yaml.Node, prob *Problem) {
	// yaml.v3 has panicked on hostile input in past releases; a policy loader
	// must answer with an error, not take the server down.
	defer func() {
		if r := recover(); r != nil {
			root, prob = nil, &Problem{Msg: fmt.Sprintf("cannot read the file as YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{Msg: "the file is empty; a policy needs at least an agents: section"}
		}
		return nil, tabHint(yamlProblem(err), data)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Problem{Line: next.Line, Msg: `a policy file holds one YAML document; remove the second "---" and what follows`}
	case !errors.Is(err, io.EOF):
		return nil, yamlProblem(err)
	}
	if len(doc.Content) == 0 {
		return nil, &Problem{Msg: "the file is empty; a policy needs at least an agents: section"}
	}
	return doc.Content[0], nil
}

// yamlProblem turns yaml.v3's "yaml: line 3: did not find expected key" into a
// Problem with the line as a number, so all errors print alike.
func yamlProblem(err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return &Problem{Line: n, Msg: "YAML syntax: " + rest[i+2:]}
			}
		}
	}
	return &Problem{Msg: "YAML syntax: " + msg}
}

// tabHint names the usual cause of yaml.v3's most opaque message.
func tabHint(p *Problem, data []byte) *Problem {
	if p.Line <= 0 {
		return p
	}
	lines := bytes.Split(data, []byte("\n"))
	if p.Line <= len(lines) && bytes.ContainsRune(lines[p.Line-1], '\t') {
		p.Msg += " (the line has a tab; YAML indents with spaces only)"
	}
	return p
}

func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		if d.budget <= 0 {
			if !d.exhausted {
				d.exhausted = true
				d.fail(n, "too many alias expansions; write the policy out without nested aliases")
			}
			return nil
		}
		d.budget--
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// fields walks a mapping, reporting unknown, duplicate and merge keys, and calls
// fn for each known one. An empty value (null) is an empty mapping.
func (d *decoder) fields(n *yaml.Node, where string, known []string, fn func(key string, k, v *yaml.Node)) {
	n = d.deref(n)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping of keys to values, not %s", strings.TrimPrefix(where, "in "), kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.deref(n.Content[i])
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, "keys %s must be plain names, not %s", where, kindName(k))
			continue
		}
		key := k.Value
		if key == "<<" {
			d.fail(k, "merge keys (<<) are not supported %s; write the keys out", where)
			continue
		}
		if first, dup := seen[key]; dup {
			d.fail(k, "duplicate key %q %s (first on line %d)", key, where, first)
			continue
		}
		seen[key] = k.Line
		if !containsString(known, key) {
			d.fail(k, "unknown key %q %s%s", key, where, didYouMean(key, known))
			continue
		}
		fn(key, k, n.Content[i+1])
	}
}

// scalar returns a single value; "" for an empty (null) one.
func (d *decoder) scalar(n *yaml.Node, what string) (string, bool) {
	n = d.deref(n)
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, "%s must be a single value, not %s", what, kindName(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = d.deref(n)
	if n == nil {
		return false, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	d.fail(n, "%s must be true or false, not %s", what, kindName(n))
	return false, false
}

// seq returns the entries of a list; an empty value is an empty list.
func (d *decoder) seq(n *yaml.Node, what string) []*yaml.Node {
	n = d.deref(n)
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, not %s", what, kindName(n))
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c = d.deref(c); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// items reads a list of single values, each with its own line; a lone value
// stands for a one-entry list, so "access: read" reads as "access: [read]".
func (d *decoder) items(n *yaml.Node, what string) []item {
	n = d.deref(n)
	if n == nil || isNull(n) {
		return nil
	}
	nodes := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		nodes = d.seq(n, what)
	}
	out := make([]item, 0, len(nodes))
	for i, c := range nodes {
		s, ok := d.scalar(c, fmt.Sprintf("each entry of %s", what))
		if !ok {
			continue
		}
		s = strings.TrimSpace(s)
		if s == "" {
			d.fail(c, "entry %d of %s is empty", i+1, what)
			continue
		}
		out = append(out, item{rule: rule{id: fmt.Sprintf("%s[%d]", what, i), line: c.Line}, value: s})
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func values(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.value
	}
	return out
}
