package tools

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/atlas-mcp/atlas-mcp/schemas"
)

// The rules an argument's value must follow live once, in the input types'
// jsonschema tags: the committed schema (schemas/<tool>.input.json) is what
// the host and the model see, and Decode validates the arguments against that
// same file before the strict decode. prepare() adds only defaults, rules
// across fields and rules a schema cannot say.

// draft2020 is the draft invopop reflects (schemas/gen strips the $schema it
// writes); a committed schema that names another draft is refused.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// compileInput compiles a tool's committed input schema. It runs once per
// tool, on the tool's first call (Tool.inputSchema), never at start-up.
func compileInput(tool string) (*jsonschema.Schema, error) {
	raw, err := schemas.Input(tool)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("tools: input schema of %s: %w", tool, err)
	}
	if m, ok := doc.(map[string]any); ok {
		if d, ok := m["$schema"]; ok && d != draft2020 {
			return nil, fmt.Errorf("tools: input schema of %s names draft %v; the validator compiles %s", tool, d, draft2020)
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// The schema says format: date-time to the model; hold it to that.
	c.AssertFormat()
	url := "urn:atlas-mcp:schemas:" + tool + ".input.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("tools: input schema of %s: %w", tool, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("tools: input schema of %s does not compile: %w", tool, err)
	}
	return s, nil
}

// validateArgs checks raw arguments against a compiled input schema and turns
// the most useful violation into a *ValidationError. Arguments that are not
// JSON pass through: the strict decoder that follows names the syntax error.
func validateArgs(raw []byte, s *jsonschema.Schema) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	err = s.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("tools: validating arguments: %w", err)
	}
	leaf := pickLeaf(inst, leaves(ve, nil))
	return schemaProblem(inst, leaf)
}

func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

// kindRank orders violations by what the agent should fix first: an argument
// that does not exist (usually a misspelling), a value of the wrong type, a
// missing argument, then a value that breaks a rule.
func kindRank(k jsonschema.ErrorKind) int {
	switch k.(type) {
	case *kind.AdditionalProperties:
		return 0
	case *kind.Type:
		return 1
	case *kind.Required:
		return 2
	}
	return 3
}

// pickLeaf chooses one violation deterministically: by rank, then by the
// argument's path as the agent wrote it, then by keyword.
func pickLeaf(inst any, ls []*jsonschema.ValidationError) *jsonschema.ValidationError {
	sort.SliceStable(ls, func(i, j int) bool {
		ri, rj := kindRank(ls[i].ErrorKind), kindRank(ls[j].ErrorKind)
		if ri != rj {
			return ri < rj
		}
		pi, pj := argPath(inst, ls[i].InstanceLocation), argPath(inst, ls[j].InstanceLocation)
		if pi != pj {
			return pi < pj
		}
		return strings.Join(ls[i].ErrorKind.KeywordPath(), "/") < strings.Join(ls[j].ErrorKind.KeywordPath(), "/")
	})
	return ls[0]
}

// argPath writes an instance location as the agent wrote the argument:
// replicationSpecs[0].regionName, not /replicationSpecs/0/regionName. The
// instance tells an array index from an object key that looks like one.
func argPath(inst any, loc []string) string {
	var b strings.Builder
	v := inst
	for _, tok := range loc {
		switch x := v.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(x) {
				v = x[i]
			} else {
				v = nil
			}
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
			m, _ := x.(map[string]any)
			v = m[tok]
		}
	}
	return b.String()
}

func joinArg(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lastName is the property an argument path ends with, without indexes:
// roles[1].roleName → roleName, entries[0] → entries.
func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

// schemaProblem is one violation in our words: the argument, what is wrong
// with it (quoting the value, truncated, where that helps and it is no
// secret) and what to send instead.
func schemaProblem(inst any, e *jsonschema.ValidationError) *ValidationError {
	field := argPath(inst, e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		names := append([]string(nil), k.Properties...)
		sort.Strings(names)
		if field == "" {
			return &ValidationError{Field: names[0], Problem: "is not an argument of this tool", Fix: "remove it; the input schema lists every argument"}
		}
		return &ValidationError{Field: joinArg(field, names[0]), Problem: "is not a field of " + field, Fix: "remove it; the input schema lists the fields " + field + " takes"}
	case *kind.Required:
		f := joinArg(field, k.Missing[0])
		return &ValidationError{Field: f, Problem: "is required", Fix: hintFor(f, "").give()}
	}
	if field == "" {
		field = "arguments"
	}
	h := hintFor(field, patternOf(e))
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		if field == "arguments" {
			return &ValidationError{Field: field, Problem: "must be one JSON object, not " + jsonTypeName(k.Got), Fix: "send the arguments as one JSON object"}
		}
		return &ValidationError{Field: field, Problem: fmt.Sprintf("must be %s, not %s", wantTypes(k.Want), jsonTypeName(k.Got)), Fix: "send the value with the type the input schema gives"}
	case *kind.Pattern:
		return &ValidationError{Field: field, Problem: h.badValue(k.Got, k.Want), Fix: h.fixOr("send a value of the form the input schema gives")}
	case *kind.Enum:
		want := make([]string, 0, len(k.Want))
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		return &ValidationError{Field: field, Problem: fmt.Sprintf("%s is not one of %s", h.quote(k.Got), strings.Join(want, ", ")), Fix: "use one of the listed values" + h.enumFix}
	case *kind.Format:
		problem := fmt.Sprintf("%s is not a valid %s", h.quote(k.Got), k.Want)
		fix := "send a value of the format the input schema gives"
		if k.Want == "date-time" {
			problem = fmt.Sprintf("%s is not an ISO 8601 date-time", h.quote(k.Got))
			fix = "use a form like 2026-12-01T00:00:00Z"
		}
		return &ValidationError{Field: field, Problem: problem, Fix: fix}
	case *kind.MinLength:
		if k.Got == 0 {
			return &ValidationError{Field: field, Problem: "is required", Fix: h.give()}
		}
		return &ValidationError{Field: field, Problem: fmt.Sprintf("is %d characters long; at least %d are required", k.Got, k.Want), Fix: h.fixOr("make it longer")}
	case *kind.MaxLength:
		return &ValidationError{Field: field, Problem: fmt.Sprintf("is %d characters long; at most %d are allowed", k.Got, k.Want), Fix: h.fixOr("shorten it")}
	case *kind.Minimum:
		return &ValidationError{Field: field, Problem: fmt.Sprintf("must be at least %s, got %s", ratText(k.Want), ratText(k.Got)), Fix: h.fixOr("send a larger number")}
	case *kind.Maximum:
		return &ValidationError{Field: field, Problem: fmt.Sprintf("must be at most %s, got %s", ratText(k.Want), ratText(k.Got)), Fix: h.fixOr("send a smaller number")}
	case *kind.MinItems:
		if k.Got == 0 {
			return &ValidationError{Field: field, Problem: fmt.Sprintf("must hold at least %d item(s)", k.Want), Fix: h.give()}
		}
		return &ValidationError{Field: field, Problem: fmt.Sprintf("holds %d item(s); at least %d are required", k.Got, k.Want), Fix: h.give()}
	case *kind.MaxItems:
		return &ValidationError{Field: field, Problem: fmt.Sprintf("holds %d items; at most %d are allowed", k.Got, k.Want), Fix: h.fixOr("send fewer items")}
	case *kind.UniqueItems:
		return &ValidationError{Field: fmt.Sprintf("%s[%d]", field, k.Duplicates[1]), Problem: fmt.Sprintf("repeats %s[%d]", field, k.Duplicates[0]), Fix: "list each item once"}
	case *kind.MinProperties:
		return &ValidationError{Field: field, Problem: "must not be an empty object", Fix: h.fixOr("send the fields to set")}
	}
	return &ValidationError{Field: field, Problem: e.ErrorKind.LocalizedString(message.NewPrinter(language.English)), Fix: "send a value the input schema allows"}
}

// patternOf is the pattern a violation broke, for hints keyed on it.
func patternOf(e *jsonschema.ValidationError) string {
	if p, ok := e.ErrorKind.(*kind.Pattern); ok {
		return p.Want
	}
	return ""
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func jsonTypeName(t string) string {
	switch t {
	case "null":
		return "null"
	case "integer", "number":
		return "a JSON number"
	case "array":
		return "a JSON array"
	case "object":
		return "a JSON object"
	case "boolean":
		return "a JSON boolean"
	}
	return "a JSON " + t
}

func wantTypes(want []string) string {
	out := make([]string, 0, len(want))
	for _, w := range want {
		switch w {
		case "integer", "array", "object":
			out = append(out, "an "+w)
		default:
			out = append(out, "a "+w)
		}
	}
	return strings.Join(out, " or ")
}
