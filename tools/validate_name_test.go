package tools

import (
	"encoding/json"
	"errors"
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

// Atlas's `^[…]{1,64}$` is written in the tag as `^[…]+$` with minLength 1
// and maxLength 64 (a `{1,64}` of a Unicode class compiles 64 copies of it);
// the committed schema, which Decode enforces, accepts and refuses exactly
// what Atlas's pattern does.
func TestProjectNameRuleUnchanged(t *testing.T) {
	tool := Find(All(), "atlas-create-project")
	env := offlineEnv(t, false)
	for _, c := range nameCases {
		args, _ := json.Marshal(map[string]string{"name": c.name})
		_, err := tool.Decode(args, env)
		var ve *ValidationError
		switch {
		case c.ok && err != nil:
			t.Errorf("%q (%d runes): refused: %v", c.name, len([]rune(c.name)), err)
		case !c.ok && !errors.As(err, &ve):
			t.Errorf("%q (%d runes): got %v, want a ValidationError", c.name, len([]rune(c.name)), err)
		case !c.ok && ve.Field != "name":
			t.Errorf("%q: refused on %s, want name", c.name, ve.Field)
		}
	}
}
