package atlassim

import (
	"regexp"
	"strings"
	"testing"
)

// nameCases are project names with what Atlas's rule (1 to 64 letters, digits
// or - _ . ( ) , : & @ + ', no spaces) says of them.
var nameCases = []struct {
	name string
	ok   bool
}{
	{"prod", true},
	{"Équipe-données_2026", true},
	{"проект.main", true},
	{"東京(db),1:2&3@4+5'6", true},
	{"٣٤٥", true}, // Arabic-Indic digits are \p{N}
	{strings.Repeat("a", 64), true},
	{strings.Repeat("a", 65), false},
	{strings.Repeat("é", 64), true}, // 128 bytes, 64 runes
	{strings.Repeat("é", 65), false},
	{strings.Repeat("東", 64), true},
	{strings.Repeat("東", 65), false},
	{"", false},
	{"has space", false},
	{"emoji🚀", false},
	{"🚀", false},
	{"slash/no", false},
	{"semi;no", false},
	{"quote\"no", false},
	{"hash#no", false},
	{"star*no", false},
	{"tab\tno", false},
	{"new\nline", false},
	{"bad\xffutf8", false},
	{"a\u0301", false}, // a combining mark is \p{M}, not a letter
}

// The one-class pattern plus a rune count accepts and refuses exactly what
// Atlas's `{1,64}` pattern did, without compiling 64 copies of the class.
func TestProjectNameRuleUnchanged(t *testing.T) {
	old := regexp.MustCompile(`^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`)
	for _, c := range nameCases {
		if got := validGroupName(c.name); got != c.ok {
			t.Errorf("%q (%d runes): accepted=%v, want %v", c.name, len([]rune(c.name)), got, c.ok)
		}
		if want := old.MatchString(c.name); want != c.ok {
			t.Errorf("%q: the old pattern says %v, the table %v", c.name, want, c.ok)
		}
	}
}
