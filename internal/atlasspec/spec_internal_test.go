package atlasspec

import "testing"

// TestEveryPatternCompiles holds gen's promise: link skips a pattern RE2
// cannot compile instead of panicking, so nothing else would notice a check
// that silently stopped running.
func TestEveryPatternCompiles(t *testing.T) {
	d, err := parse(requestsJSON)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*schema]bool{}
	var walk func(s *schema, where string)
	walk = func(s *schema, where string) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Pattern != "" && s.re == nil {
			t.Errorf("%s: pattern %q is not checked", where, s.Pattern)
		}
		for n, p := range s.Properties {
			walk(p, where+"."+n)
		}
		for _, l := range [][]*schema{s.OneOf, s.AnyOf, s.AllOf} {
			for _, c := range l {
				walk(c, where)
			}
		}
		walk(s.Items, where+"[]")
		walk(s.addl, where+"{}")
		walk(s.ref, s.Ref)
		for _, m := range s.mapping {
			walk(m, m.name)
		}
	}
	for op, versions := range d.ops {
		for v, s := range versions {
			walk(s, op+" "+v)
		}
	}
	if len(seen) < 300 {
		t.Errorf("walked %d schemas; the write operations reach more", len(seen))
	}
}

// TestNewIsLazy: New must stay free, since the server builds one at start-up
// whether or not any call carries a body.
func TestNewIsLazy(t *testing.T) {
	s := New()
	if s.doc != nil || s.err != nil {
		t.Fatal("New parsed the schemas")
	}
	if !s.HasSchema("POST", "/groups", "2023-01-01") || s.doc == nil {
		t.Fatal("first use did not parse")
	}
}
