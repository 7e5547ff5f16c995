package atlasspec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
)

// requestsJSON is a string, not a []byte, so the embedded schemas cannot be
// changed at run time by anyone holding the package.
//
//go:embed requests.json
var requestsJSON string

// Spec validates request bodies against the embedded request schemas. The
// zero value is not usable; call New. A Spec is safe for concurrent use.
type Spec struct {
	once sync.Once
	doc  *document
	err  error
}

// New returns a Spec. It does no work: the schemas are parsed on the first
// Validate or HasSchema, so a server that never validates a body never pays
// for them.
func New() *Spec { return &Spec{} }

// Error is a request body problem the caller can fix: Path names the field
// (e.g. replicationSpecs[0].regionConfigs[1].electableSpecs.instanceSize; ""
// is the body itself), Problem says what is wrong and Fix what to do.
type Error struct {
	Path    string
	Problem string
	Fix     string
}

func (e *Error) Error() string {
	p := e.Path
	if p == "" {
		p = "body"
	}
	if e.Fix == "" {
		return p + ": " + e.Problem
	}
	return p + ": " + e.Problem + "; " + e.Fix
}

// HasSchema reports whether the operation (method and path template without
// the /api/atlas/v2 prefix) has a request schema for the dated version.
func (s *Spec) HasSchema(method, template, version string) bool {
	d, err := s.load()
	if err != nil {
		return false
	}
	_, ok := d.ops[opKey(method, template)][version]
	return ok
}

// Validate checks body, the exact bytes to be sent, against the request
// schema of the operation for the dated version. It returns nil, an *Error
// for a problem in the body (or an operation/version without a schema: such
// a body cannot be checked, so it is refused), or another error if the
// embedded schemas are broken, which is a bug.
func (s *Spec) Validate(method, template, version string, body []byte) error {
	d, err := s.load()
	if err != nil {
		return err
	}
	versions, ok := d.ops[opKey(method, template)]
	if !ok {
		return &Error{
			Problem: fmt.Sprintf("%s %s has no request schema in the Atlas spec", strings.ToUpper(method), template),
			Fix:     "use a write operation the spec lists, with its path template as in operations.json",
		}
	}
	root, ok := versions[version]
	if !ok {
		return &Error{
			Problem: fmt.Sprintf("version %q is not a version of %s %s", version, strings.ToUpper(method), template),
			Fix:     "send one of the versions the spec lists: " + strings.Join(sortedKeys(versions), ", "),
		}
	}
	val, derr := decodeBody(body)
	if derr != nil {
		return derr
	}
	w := walker{version: version}
	if errs := w.validate(val, root, "", ctx{}); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func opKey(method, template string) string { return strings.ToUpper(method) + " " + template }

func (s *Spec) load() (*document, error) {
	s.once.Do(func() { s.doc, s.err = parse(requestsJSON) })
	return s.doc, s.err
}

// schema is one node of requests.json, linked: $ref and discriminator
// targets point at their components and patterns are compiled once.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Nullable             bool               `json:"nullable"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	Items                *schema            `json:"items"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
	ReadOnly             bool               `json:"readOnly"`
	WriteOnly            bool               `json:"writeOnly"`
	Enum                 []any              `json:"enum"`
	Pattern              string             `json:"pattern"`
	PatternRE2           string             `json:"patternRE2"`
	Format               string             `json:"format"`
	Minimum              *json.Number       `json:"minimum"`
	Maximum              *json.Number       `json:"maximum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
	OneOf                []*schema          `json:"oneOf"`
	AnyOf                []*schema          `json:"anyOf"`
	AllOf                []*schema          `json:"allOf"`
	Discriminator        *struct {
		PropertyName string            `json:"propertyName"`
		Mapping      map[string]string `json:"mapping"`
	} `json:"discriminator"`
	Default any `json:"default"`

	name     string             // component name; "" for inline schemas
	ref      *schema            // resolved Ref
	mapping  map[string]*schema // resolved Discriminator.Mapping
	re       *regexp.Regexp     // nil if Pattern is empty (or, defensively, did not compile)
	addl     *schema            // additionalProperties given as a schema (a map's values)
	min, max float64
	hasMin   bool
	hasMax   bool
}

type document struct {
	ops map[string]map[string]*schema
}

func parse(text string) (*document, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw struct {
		Operations map[string]map[string]*schema `json:"operations"`
		Schemas    map[string]*schema            `json:"schemas"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("atlasspec: embedded requests.json: %w", err)
	}
	l := linker{components: raw.Schemas, done: map[*schema]bool{}}
	for name, s := range raw.Schemas {
		if s == nil {
			return nil, fmt.Errorf("atlasspec: component %s is null", name)
		}
		s.name = name
	}
	for name, s := range raw.Schemas {
		if err := l.link(s); err != nil {
			return nil, fmt.Errorf("atlasspec: component %s: %w", name, err)
		}
	}
	for op, versions := range raw.Operations {
		for v, s := range versions {
			if s == nil {
				return nil, fmt.Errorf("atlasspec: %s %s: null schema", op, v)
			}
			if err := l.link(s); err != nil {
				return nil, fmt.Errorf("atlasspec: %s %s: %w", op, v, err)
			}
		}
	}
	return &document{ops: raw.Operations}, nil
}

type linker struct {
	components map[string]*schema
	done       map[*schema]bool
}

func (l *linker) component(ref string) (*schema, error) {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	c, ok := l.components[name]
	if !ok {
		return nil, fmt.Errorf("$ref to missing component %q", name)
	}
	return c, nil
}

func (l *linker) link(s *schema) error {
	if s == nil || l.done[s] {
		return nil
	}
	l.done[s] = true
	var err error
	if s.Ref != "" {
		if s.ref, err = l.component(s.Ref); err != nil {
			return err
		}
	}
	if s.Discriminator != nil && len(s.Discriminator.Mapping) > 0 {
		s.mapping = make(map[string]*schema, len(s.Discriminator.Mapping))
		for k, ref := range s.Discriminator.Mapping {
			if s.mapping[k], err = l.component(ref); err != nil {
				return err
			}
		}
	}
	if p := s.PatternRE2; p != "" {
		s.re, _ = regexp.Compile(p)
	} else if s.Pattern != "" {
		// gen refuses patterns RE2 cannot compile, so a failure here means a
		// hand-edited file; the check is then skipped rather than panicking.
		s.re, _ = regexp.Compile(s.Pattern)
	}
	if s.Minimum != nil {
		if s.min, err = s.Minimum.Float64(); err != nil {
			return fmt.Errorf("minimum %q: %w", *s.Minimum, err)
		}
		s.hasMin = true
	}
	if s.Maximum != nil {
		if s.max, err = s.Maximum.Float64(); err != nil {
			return fmt.Errorf("maximum %q: %w", *s.Maximum, err)
		}
		s.hasMax = true
	}
	if len(s.AdditionalProperties) > 0 && s.AdditionalProperties[0] == '{' {
		s.addl = new(schema)
		dec := json.NewDecoder(bytes.NewReader(s.AdditionalProperties))
		dec.UseNumber()
		if err := dec.Decode(s.addl); err != nil {
			return fmt.Errorf("additionalProperties: %w", err)
		}
		if err := l.link(s.addl); err != nil {
			return err
		}
	}
	for _, c := range s.Properties {
		if err := l.link(c); err != nil {
			return err
		}
	}
	for _, list := range [][]*schema{s.OneOf, s.AnyOf, s.AllOf} {
		for _, c := range list {
			if err := l.link(c); err != nil {
				return err
			}
		}
	}
	return l.link(s.Items)
}

// int32 bounds for format int32; int64 is checked by ParseInt.
const (
	minInt32 = math.MinInt32
	maxInt32 = math.MaxInt32
)

// FieldPath, ProblemText and FixText let callers that must not depend on this
// package (the tools catalogue names its own validation error type) read an
// Error through an interface.
func (e *Error) FieldPath() string   { return e.Path }
func (e *Error) ProblemText() string { return e.Problem }
func (e *Error) FixText() string     { return e.Fix }
