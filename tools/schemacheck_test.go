package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/atlas-mcp/atlas-mcp/schemas"
)

// schemaOf is a tool's committed input schema as a plain JSON document.
func schemaOf(t *testing.T, tool string) map[string]any {
	t.Helper()
	raw, err := schemas.Input(tool)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return s
}

func TestEveryInputSchemaCompiles(t *testing.T) {
	for _, tool := range All() {
		if d, ok := schemaOf(t, tool.Name)["$schema"]; ok && d != draft2020 {
			t.Errorf("%s: schema names %v; Decode compiles %s", tool.Name, d, draft2020)
		}
		if _, err := tool.inputSchema(); err != nil {
			t.Errorf("%s: %v", tool.Name, err)
		}
	}
}

// patternSamples are values that match each pattern of the input schemas,
// for the valid documents the tests below start from. A new pattern needs
// its sample here, or the tests say so.
var patternSamples = map[string]string{
	idPattern:                     testHexID,
	clusterNamePattern:            "c",
	projectNamePattern:            "p",
	upperSnakePattern:             "A",
	`^(FLEX|[MR][0-9]+(_NVME)?)$`: "M10",
}

// sampleValue is a value the schema s accepts: required members only, the
// first enum value, the pattern's sample, the smallest allowed number.
func sampleValue(t *testing.T, where string, s map[string]any) any {
	t.Helper()
	if e, ok := s["enum"].([]any); ok {
		return e[0]
	}
	switch s["type"] {
	case "object":
		m := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name := r.(string)
			p, _ := props[name].(map[string]any)
			m[name] = sampleValue(t, where+"."+name, p)
		}
		return m
	case "array":
		items, _ := s["items"].(map[string]any)
		n, _ := s["minItems"].(float64)
		out := []any{}
		for i := 0; i < int(n); i++ {
			if items == nil {
				out = append(out, map[string]any{})
			} else {
				out = append(out, sampleValue(t, where+"[]", items))
			}
		}
		return out
	case "string":
		if p, ok := s["pattern"].(string); ok {
			v, ok := patternSamples[p]
			if !ok {
				t.Errorf("%s: pattern %s has no sample in patternSamples", where, p)
			}
			return v
		}
		if s["format"] == "date-time" {
			return time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		}
		n, _ := s["minLength"].(float64)
		return strings.Repeat("x", max(int(n), 1))
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		return 1
	case "boolean":
		return true
	}
	return map[string]any{}
}

// badValue is one value that breaks one rule of s (and only that one), with
// words its problem must contain.
type badValue struct {
	rule    string
	value   any
	problem string
	index   int // for uniqueItems: the item named
}

func badValues(t *testing.T, s map[string]any, sample any) []badValue {
	var out []badValue
	if e, ok := s["enum"].([]any); ok {
		if _, num := e[0].(float64); num {
			top := 0.0
			for _, v := range e {
				top = max(top, v.(float64))
			}
			out = append(out, badValue{rule: "enum", value: top + 1, problem: "is not one of"})
		} else {
			out = append(out, badValue{rule: "enum", value: "NOT_IN_THE_ENUM", problem: "is not one of"})
		}
	}
	if _, ok := s["pattern"]; ok {
		out = append(out, badValue{rule: "pattern", value: "!", problem: "!"})
	}
	if n, ok := s["maxLength"].(float64); ok {
		first := "x"
		if str, ok := sample.(string); ok && str != "" {
			first = str[:1]
		}
		out = append(out, badValue{rule: "maxLength", value: strings.Repeat(first, int(n)+1), problem: "at most"})
	}
	if n, ok := s["minLength"].(float64); ok {
		problem := "at least"
		if n == 1 {
			problem = "is required"
		}
		out = append(out, badValue{rule: "minLength", value: strings.Repeat("x", int(n)-1), problem: problem})
	}
	if n, ok := s["minimum"].(float64); ok {
		out = append(out, badValue{rule: "minimum", value: n - 1, problem: "at least"})
	}
	if n, ok := s["maximum"].(float64); ok {
		out = append(out, badValue{rule: "maximum", value: n + 1, problem: "at most"})
	}
	if s["format"] == "date-time" {
		out = append(out, badValue{rule: "format", value: "next tuesday", problem: "date-time"})
	}
	if s["type"] == "array" {
		items, _ := s["items"].(map[string]any)
		item := any(map[string]any{})
		if items != nil {
			item = sampleValue(t, "items", items)
		}
		if n, ok := s["maxItems"].(float64); ok {
			arr := make([]any, int(n)+1)
			for i := range arr {
				arr[i] = item
			}
			out = append(out, badValue{rule: "maxItems", value: arr, problem: "at most"})
		}
		if n, ok := s["minItems"].(float64); ok && n >= 1 {
			out = append(out, badValue{rule: "minItems", value: []any{}, problem: "at least"})
		}
		if s["uniqueItems"] == true {
			out = append(out, badValue{rule: "uniqueItems", value: []any{item, item}, problem: "repeats", index: 1})
		}
	}
	return out
}

// ruleCase is a document that breaks one rule at one argument.
type ruleCase struct {
	field string
	bad   badValue
	doc   map[string]any
}

// ruleCases walks a tool's schema: every property at every depth (objects
// and array items), every rule on it, each in an otherwise valid document.
func ruleCases(t *testing.T, tool string) []ruleCase {
	top := schemaOf(t, tool)
	var out []ruleCase
	// walk visits object schema s at path; set places a value for one of
	// its properties into a fresh valid document and returns that document.
	var walk func(s map[string]any, path string, set func(key string, v any) map[string]any)
	walk = func(s map[string]any, path string, set func(key string, v any) map[string]any) {
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			p, _ := props[name].(map[string]any)
			field := joinArg(path, name)
			sample := sampleValue(t, tool+"."+field, p)
			for _, b := range badValues(t, p, sample) {
				f := field
				if b.rule == "uniqueItems" {
					f = fmt.Sprintf("%s[%d]", field, b.index)
				}
				out = append(out, ruleCase{field: f, bad: b, doc: set(name, b.value)})
			}
			switch p["type"] {
			case "object":
				walk(p, field, func(key string, v any) map[string]any {
					child := sampleValue(t, field, p).(map[string]any)
					child[key] = v
					return set(name, child)
				})
			case "array":
				items, _ := p["items"].(map[string]any)
				if items != nil && items["type"] != "object" {
					// Rules on scalar items (roles' enum, a pattern).
					for _, b := range badValues(t, items, sampleValue(t, field+"[0]", items)) {
						out = append(out, ruleCase{field: field + "[0]", bad: b, doc: set(name, []any{b.value})})
					}
				}
				if items != nil && items["type"] == "object" {
					walk(items, field+"[0]", func(key string, v any) map[string]any {
						child := sampleValue(t, field, items).(map[string]any)
						child[key] = v
						return set(name, []any{child})
					})
				}
			}
		}
	}
	walk(top, "", func(key string, v any) map[string]any {
		doc := sampleValue(t, tool, top).(map[string]any)
		doc[key] = v
		return doc
	})
	return out
}

// Every pattern, enum, length, range, size and format in every tool's
// committed schema is enforced by Decode, which names the argument as the
// agent wrote it. The bad values come from the schemas themselves, so a new
// tool or a new tag is covered without being listed here.
func TestDecodeRefusesEverySchemaRule(t *testing.T) {
	env := offlineEnv(t, false)
	rules := map[string]int{}
	for _, tool := range All() {
		valid := sampleValue(t, tool.Name, schemaOf(t, tool.Name))
		raw, _ := json.Marshal(valid)
		s, err := tool.inputSchema()
		if err != nil {
			t.Fatal(err)
		}
		if err := validateArgs(raw, s); err != nil {
			t.Errorf("%s: the sample document %s is refused: %v", tool.Name, raw, err)
			continue
		}
		for _, c := range ruleCases(t, tool.Name) {
			rules[c.bad.rule]++
			raw, _ := json.Marshal(c.doc)
			_, err := tool.Decode(raw, env)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s %s (%s): Decode(%s) = %v, want a ValidationError", tool.Name, c.field, c.bad.rule, truncate(string(raw), 200), err)
				continue
			}
			if ve.Field != c.field || !strings.Contains(ve.Problem, c.bad.problem) || ve.Fix == "" {
				t.Errorf("%s %s (%s): got %q / %q / %q, want field %s and a problem with %q", tool.Name, c.field, c.bad.rule, ve.Field, ve.Problem, ve.Fix, c.field, c.bad.problem)
			}
		}
		// Every required argument, left out.
		top := schemaOf(t, tool.Name)
		req, _ := top["required"].([]any)
		for _, r := range req {
			doc := sampleValue(t, tool.Name, top).(map[string]any)
			delete(doc, r.(string))
			raw, _ := json.Marshal(doc)
			_, err := tool.Decode(raw, env)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != r || ve.Problem != "is required" {
				t.Errorf("%s without %s: got %v", tool.Name, r, err)
			}
			rules["required"]++
		}
	}
	for _, r := range []string{"pattern", "enum", "maxLength", "minLength", "minimum", "maximum", "maxItems", "minItems", "uniqueItems", "format", "required"} {
		if rules[r] == 0 {
			t.Errorf("no schema has a %s rule any more; is the walk still reading them?", r)
		} else {
			t.Logf("%s: %d cases", r, rules[r])
		}
	}
}

// A password is never quoted back, whatever rule it breaks.
func TestSchemaErrorsNeverQuoteThePassword(t *testing.T) {
	_, err := Find(All(), "atlas-create-db-user").Decode(json.RawMessage(`{"username":"u","password":"s3cr","roles":[{"roleName":"read","databaseName":"x"}]}`), offlineEnv(t, false))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "password" {
		t.Fatalf("got %v, want a ValidationError on password", err)
	}
	mustNotContain(t, "the error", err.Error(), "s3cr")
}

// The schema and the Go decoder agree on the JSON type of every argument: a
// value of a type the schema admits decodes into the Go field, and a value
// the decoder cannot hold is refused by the schema first. (null is refused by
// the schema and read as "absent" by the decoder; json.RawMessage fields take
// any JSON in Go, so their type is the schema's alone.)
func TestSchemaAndDecoderAgreeOnTypes(t *testing.T) {
	kinds := map[string]any{"string": "s", "integer": 7, "number": 1.5, "boolean": true, "array": []any{}, "object": map[string]any{}}
	for _, tool := range All() {
		s, err := tool.inputSchema()
		if err != nil {
			t.Fatal(err)
		}
		top := schemaOf(t, tool.Name)
		fields, _ := jsonFields(tool.InputType)
		props, _ := top["properties"].(map[string]any)
		for name := range props {
			goType := fields[name]
			if goType == nil {
				t.Errorf("%s: the schema's %s is no field of %s", tool.Name, name, tool.InputType)
				continue
			}
			for k, v := range kinds {
				doc := sampleValue(t, tool.Name, top).(map[string]any)
				doc[name] = v
				raw, _ := json.Marshal(doc)
				inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
				schemaTypeOK := true
				if err := s.Validate(inst); err != nil {
					var ve *jsonschema.ValidationError
					errors.As(err, &ve)
					for _, l := range leaves(ve, nil) {
						if _, ok := l.ErrorKind.(*kind.Type); ok && argPath(inst, l.InstanceLocation) == name {
							schemaTypeOK = false
						}
					}
				}
				goOK := decodeStrict(raw, reflect.New(tool.InputType).Interface(), nil) == nil
				if goType == rawMessageType {
					goOK = schemaTypeOK
				}
				if schemaTypeOK != goOK {
					t.Errorf("%s.%s given a JSON %s: the schema's type check says %v, the Go decoder (%s) %v", tool.Name, name, k, schemaTypeOK, goType, goOK)
				}
			}
		}
	}
}

// Every pattern the hint table is keyed on is still a pattern of some
// committed schema: a renamed pattern would silently lose its hint.
func TestPatternHintsAreUsed(t *testing.T) {
	var all strings.Builder
	for _, tool := range All() {
		raw, _ := schemas.Input(tool.Name)
		all.Write(raw)
	}
	for p := range patternHints {
		q, _ := json.Marshal(p)
		if !strings.Contains(all.String(), strings.Trim(strings.ReplaceAll(string(q), "&", `\u0026`), `"`)) {
			t.Errorf("pattern %s of the hint table is in no input schema", p)
		}
	}
}

// A tool's first calls may arrive together: the schema is compiled once and
// shared (go test -race checks the sharing).
func TestDecodeFirstCallsTogether(t *testing.T) {
	tool := createCluster()
	env := offlineEnv(t, false)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := tool.Decode(json.RawMessage(`{"clusterName":"c","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`), env)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
