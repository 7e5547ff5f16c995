package atlasspec

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// walker checks one decoded body against one schema.
//
// A schema is first expanded into branches: the list of schema nodes that
// all apply to the value (the node, its $ref target, its allOf members, and
// the variant a discriminator picks). oneOf and anyOf without a discriminator
// give one branch per variant, and the value is valid if any one branch
// accepts it: the Atlas spec's oneOfs overlap (an {instanceSize: M10}
// hardware spec is valid AWS, Azure and GCP alike; US_WEST_2 is an AWS and an
// Azure region name), so "exactly one" would refuse bodies Atlas accepts.
// The properties of every node in a branch are the fields it knows; a field
// none of them names is refused, because Atlas ignores what it does not know
// and a field the plan shows but Atlas drops is exactly what must not happen.
type walker struct {
	version string
}

type ctx struct {
	owner string // schema the value is a field of, for messages
	kind  string // discriminator value chosen nearest above (e.g. "TENANT")
}

type branch struct {
	parts []*schema
	name  string // most specific named schema in parts
	kind  string
	// bases are parts that dispatched to a variant by discriminator. Where
	// the variant defines a property too, the variant's definition wins, as a
	// subtype's would: HostMetricThreshold's units enum lists display names
	// ("bits", "MB") that none of its 160 variants accepts (they want "RAW",
	// "BYTES", ...), so requiring both would refuse every metric threshold.
	bases []*schema
}

func (w walker) validate(val any, s *schema, path string, c ctx) []*Error {
	bs, err := w.extend(branch{kind: c.kind}, s, val, path)
	if err != nil {
		return []*Error{err}
	}
	if len(bs) == 1 {
		return w.check(val, bs[0], path, c)
	}
	results := make([][]*Error, len(bs))
	for i, b := range bs {
		r := w.check(val, b, path, c)
		if len(r) == 0 {
			return nil
		}
		results[i] = r
	}
	return w.closest(val, s, bs, results, path, c)
}

func (w walker) extendAll(bs []branch, s *schema, val any, path string) ([]branch, *Error) {
	var out []branch
	for _, b := range bs {
		nb, err := w.extend(b, s, val, path)
		if err != nil {
			return nil, err
		}
		out = append(out, nb...)
	}
	return out, nil
}

// extend adds s and what it implies to b. A node already in b is skipped:
// the spec's region-config variants allOf the base that dispatches to them,
// and without the skip that would dispatch again, forever.
func (w walker) extend(b branch, s *schema, val any, path string) ([]branch, *Error) {
	for _, p := range b.parts {
		if p == s {
			return []branch{b}, nil
		}
	}
	variants := s.OneOf
	if len(variants) == 0 {
		variants = s.AnyOf
	}
	// A discriminator without oneOf (ReplicaSetThresholdAlertConfigViewForNdsGroup)
	// maps values to complete schemas that do not allOf the base: the mapped
	// schema replaces the base, as a subtype would.
	if d := s.Discriminator; d != nil && len(variants) == 0 {
		if o, ok := val.(*object); ok {
			if v, ok := o.vals[d.PropertyName].(string); ok {
				if t := s.mapping[v]; t != nil && t != s {
					b.kind = v
					return w.extend(b, t, val, path)
				}
			}
		}
	}

	b.parts = append(b.parts[:len(b.parts):len(b.parts)], s)
	if s.name != "" {
		b.name = s.name
	}
	bs := []branch{b}
	var err *Error
	if s.ref != nil {
		if bs, err = w.extendAll(bs, s.ref, val, path); err != nil {
			return nil, err
		}
	}
	for _, m := range s.AllOf {
		if bs, err = w.extendAll(bs, m, val, path); err != nil {
			return nil, err
		}
	}
	if len(variants) == 0 {
		return bs, nil
	}
	if s.Discriminator != nil {
		return w.dispatch(bs, s, variants, val, path)
	}
	var out []branch
	for _, cb := range bs {
		for _, v := range narrow(variants, cb.kind) {
			nb, err := w.extend(cb, v, val, path)
			if err != nil {
				return nil, err
			}
			out = append(out, nb...)
		}
	}
	return out, nil
}

// dispatch picks the variant the discriminator names. An unknown or missing
// value is refused with the values that exist, rather than trying every
// variant and reporting whichever failed last.
func (w walker) dispatch(bs []branch, s *schema, variants []*schema, val any, path string) ([]branch, *Error) {
	o, ok := val.(*object)
	if !ok {
		return bs, nil // not an object: check reports the type
	}
	pn := s.Discriminator.PropertyName
	var allowed []string
	byName := map[string]*schema{}
	if len(s.mapping) > 0 {
		allowed = sortedKeys(s.mapping)
	} else {
		// OpenAPI's implicit mapping: the value is the variant's schema name.
		for _, v := range variants {
			if v.ref != nil {
				allowed = append(allowed, v.ref.name)
				byName[v.ref.name] = v
			}
		}
	}
	kp := joinKey(path, pn)
	raw, present := o.vals[pn]
	if !present {
		return nil, &Error{
			Path:    kp,
			Problem: fmt.Sprintf("is missing; %s needs it to know which kind of %s this is", displayName(s), displayName(s)),
			Fix:     "set it to one of: " + list(allowed),
		}
	}
	v, _ := raw.(string)
	t := s.mapping[v]
	if t == nil {
		t = byName[v]
	}
	if t == nil {
		return nil, &Error{
			Path:    kp,
			Problem: fmt.Sprintf("%s is not a kind of %s", describe(raw), displayName(s)),
			Fix:     "use one of: " + list(allowed),
		}
	}
	var out []branch
	for _, cb := range bs {
		cb.kind = v
		cb.bases = append(cb.bases[:len(cb.bases):len(cb.bases)], s)
		nb, err := w.extend(cb, t, val, path)
		if err != nil {
			return nil, err
		}
		out = append(out, nb...)
	}
	return out, nil
}

// narrow keeps, of a oneOf whose variants are one family per provider
// (AWSHardwareSpec20240805, AzureHardwareSpec20240805, GCPHardwareSpec20240805,
// TenantHardwareSpec20240805), the member of the provider a discriminator
// above chose. The spec gives every region config the same electableSpecs
// oneOf, so without this a TENANT region would accept M10 through the AWS
// variant, which Atlas refuses. Other oneOfs are left whole.
func narrow(variants []*schema, kind string) []*schema {
	if kind == "" {
		return variants
	}
	lk := strings.ToLower(kind)
	pick := -1
	suffix := ""
	for i, v := range variants {
		if v.ref == nil {
			return variants
		}
		n := v.ref.name
		if len(n) > len(kind) && strings.ToLower(n[:len(kind)]) == lk {
			if pick >= 0 {
				return variants
			}
			pick, suffix = i, n[len(kind):]
		}
	}
	if pick < 0 {
		return variants
	}
	for _, v := range variants {
		n := v.ref.name
		if len(n) <= len(suffix) || !strings.HasSuffix(n, suffix) {
			return variants
		}
	}
	return variants[pick : pick+1]
}

// check validates val against every node of one branch.
func (w walker) check(val any, b branch, path string, c ctx) []*Error {
	owner := b.name
	if owner == "" {
		owner = c.owner
	}
	if val == nil {
		for _, p := range b.parts {
			if p.Nullable {
				return nil
			}
		}
		return []*Error{{Path: path, Problem: fmt.Sprintf("is null, which %s does not allow here", owner), Fix: "remove the field or give it a value"}}
	}
	for _, p := range b.parts {
		// A node with oneOf/anyOf lets its variants decide the type: the spec
		// declares regionName and BaseCloudProviderInstanceSize "type: object"
		// around a oneOf of string enums.
		if p.Type == "" || len(p.OneOf) > 0 || len(p.AnyOf) > 0 {
			continue
		}
		if !hasType(val, p.Type) {
			return []*Error{{
				Path:    path,
				Problem: fmt.Sprintf("is %s; %s wants %s here", describe(val), owner, article(p.Type)),
				Fix:     "send " + article(p.Type) + example(p.Type),
			}}
		}
	}
	var errs []*Error
	for _, p := range b.parts {
		if e := w.scalar(val, p, path, owner); e != nil {
			errs = append(errs, e)
		}
	}
	switch v := val.(type) {
	case *object:
		errs = append(errs, w.object(v, b, path, owner)...)
	case []any:
		errs = append(errs, w.array(v, b, path, owner)...)
	}
	return errs
}

func (w walker) scalar(val any, p *schema, path, owner string) *Error {
	if len(p.Enum) > 0 && !inEnum(val, p.Enum) {
		return &Error{
			Path:    path,
			Problem: fmt.Sprintf("%s is not a value %s allows here", describe(val), owner),
			Fix:     "use one of: " + list(enumStrings(p.Enum)),
		}
	}
	switch v := val.(type) {
	case string:
		if p.re != nil && !p.re.MatchString(v) {
			return &Error{
				Path:    path,
				Problem: fmt.Sprintf("%s does not match the pattern %s requires here: %s", describe(val), owner, p.Pattern),
				Fix:     "send a value in the form the pattern describes",
			}
		}
		n := utf8.RuneCountInString(v)
		if p.MinLength != nil && n < *p.MinLength {
			return &Error{Path: path, Problem: fmt.Sprintf("is %d characters long; the minimum is %d", n, *p.MinLength), Fix: "send a longer value"}
		}
		if p.MaxLength != nil && n > *p.MaxLength {
			return &Error{Path: path, Problem: fmt.Sprintf("is %d characters long; the maximum is %d", n, *p.MaxLength), Fix: fmt.Sprintf("shorten it to at most %d characters", *p.MaxLength)}
		}
		switch p.Format {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				return &Error{Path: path, Problem: fmt.Sprintf("%s is not an RFC 3339 date-time", describe(val)), Fix: "send a UTC timestamp such as 2026-12-31T23:00:00Z"}
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return &Error{Path: path, Problem: fmt.Sprintf("%s is not a date", describe(val)), Fix: "send a date such as 2026-12-31"}
			}
		}
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return &Error{Path: path, Problem: fmt.Sprintf("%s is out of range", v), Fix: "send a smaller number"}
		}
		if p.hasMin && f < p.min {
			return &Error{Path: path, Problem: fmt.Sprintf("is %s; the minimum is %s", v, *p.Minimum), Fix: fmt.Sprintf("use a value of at least %s", *p.Minimum)}
		}
		if p.hasMax && f > p.max {
			return &Error{Path: path, Problem: fmt.Sprintf("is %s; the maximum is %s", v, *p.Maximum), Fix: fmt.Sprintf("use a value of at most %s", *p.Maximum)}
		}
		if p.Type == "integer" && (p.Format == "int32" || p.Format == "int64") {
			i, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || (p.Format == "int32" && (i < minInt32 || i > maxInt32)) {
				return &Error{Path: path, Problem: fmt.Sprintf("%s does not fit in %s", v, p.Format), Fix: "send a smaller integer"}
			}
		}
	}
	return nil
}

func (w walker) object(o *object, b branch, path, owner string) []*Error {
	var errs []*Error
	for _, p := range b.parts {
		for _, r := range p.Required {
			if _, ok := o.vals[r]; ok {
				continue
			}
			// OpenAPI 3.0: a readOnly property in required binds responses
			// only (Group lists readOnly created and clusterCount).
			if b.readOnly(r) {
				continue
			}
			errs = append(errs, &Error{
				Path:    joinKey(path, r),
				Problem: fmt.Sprintf("is required by %s (version %s) and missing", owner, w.version),
				Fix:     "add " + quote(r),
			})
		}
	}
	for _, k := range o.keys {
		kp := joinKey(path, k)
		props := b.props(k)
		sub := ctx{owner: owner, kind: b.kind}
		if len(props) == 0 {
			var maps []*schema
			for _, p := range b.parts {
				if p.addl != nil {
					maps = append(maps, p.addl)
				}
			}
			if len(maps) == 0 {
				errs = append(errs, w.unknown(kp, k, b, owner))
				continue
			}
			for _, m := range maps {
				errs = append(errs, w.validate(o.vals[k], m, kp, sub)...)
			}
			continue
		}
		if anyReadOnly(props) {
			errs = append(errs, &Error{Path: kp, Problem: fmt.Sprintf("is readOnly (set by Atlas) in %s", owner), Fix: "remove it"})
			continue
		}
		for _, ps := range props {
			errs = append(errs, w.validate(o.vals[k], ps, kp, sub)...)
		}
	}
	return errs
}

func (w walker) unknown(kp, k string, b branch, owner string) *Error {
	var fields []string
	seen := map[string]bool{}
	for _, p := range b.parts {
		for name, ps := range p.Properties {
			if !seen[name] && !anyReadOnly([]*schema{ps}) {
				seen[name] = true
				fields = append(fields, name)
			}
		}
	}
	sort.Strings(fields)
	fix := "remove it or check its spelling"
	if s := suggest(k, fields); s != "" {
		fix += " (did you mean " + quote(s) + "?)"
	}
	if len(fields) > 0 {
		fix += "; " + owner + " takes: " + list(fields)
	}
	return &Error{Path: kp, Problem: fmt.Sprintf("is not a field of %s for version %s", owner, w.version), Fix: fix}
}

func (w walker) array(l []any, b branch, path, owner string) []*Error {
	var errs []*Error
	var items []*schema
	for _, p := range b.parts {
		if p.MinItems != nil && len(l) < *p.MinItems {
			errs = append(errs, &Error{Path: path, Problem: fmt.Sprintf("has %d items; the minimum is %d", len(l), *p.MinItems), Fix: fmt.Sprintf("send at least %d", *p.MinItems)})
		}
		if p.MaxItems != nil && len(l) > *p.MaxItems {
			errs = append(errs, &Error{Path: path, Problem: fmt.Sprintf("has %d items; the maximum is %d", len(l), *p.MaxItems), Fix: fmt.Sprintf("send at most %d (split the request)", *p.MaxItems)})
		}
		if p.Items != nil {
			items = append(items, p.Items)
		}
	}
	sub := ctx{owner: owner, kind: b.kind}
	for i, e := range l {
		for _, it := range items {
			errs = append(errs, w.validate(e, it, joinIndex(path, i), sub)...)
		}
	}
	return errs
}

// closest reports, when no variant of a oneOf/anyOf accepts the value, the
// problem of the variant the value was most likely meant to be, instead of
// one error per variant (GroupAlertsConfig has 18, notifications 14).
func (w walker) closest(val any, s *schema, bs []branch, results [][]*Error, path string, c ctx) []*Error {
	name := displayName(s)
	if o, ok := val.(*object); ok {
		// A field every variant restricts to an enum (eventTypeName, typeName)
		// names the variant; a value none of them allows is the problem.
		for _, k := range o.keys {
			v, ok := o.vals[k].(string)
			if !ok {
				continue
			}
			var union []string
			all, in := true, false
			for _, b := range bs {
				e := b.enumOf(k)
				if e == nil {
					all = false
					break
				}
				union = append(union, e...)
				in = in || contains(e, v)
			}
			if all && !in {
				return []*Error{{
					Path:    joinKey(path, k),
					Problem: fmt.Sprintf("%s is not a value of %s that any of the %d kinds of %s accepts (version %s)", describe(v), k, len(bs), name, w.version),
					Fix:     "use one of: " + list(dedupe(union)),
				}}
			}
		}
	} else if union, ok := scalarEnums(bs); ok {
		owner := c.owner
		if owner == "" {
			owner = name
		}
		return []*Error{{Path: path, Problem: fmt.Sprintf("%s is not a value %s allows here", describe(val), owner), Fix: "use one of: " + list(union)}}
	}
	best, bestScore := 0, [3]int{-1, -1, 0}
	for i, b := range bs {
		sc := [3]int{0, 0, -len(results[i])}
		if o, ok := val.(*object); ok {
			for _, k := range o.keys {
				if e := b.enumOf(k); e != nil {
					if v, ok := o.vals[k].(string); ok && contains(e, v) {
						sc[0]++
					}
				}
				if b.knows(k) {
					sc[1]++
				}
			}
		}
		if sc[0] > bestScore[0] || (sc[0] == bestScore[0] && (sc[1] > bestScore[1] || (sc[1] == bestScore[1] && sc[2] > bestScore[2]))) {
			best, bestScore = i, sc
		}
	}
	first := *results[best][0]
	if bs[best].name != "" && bs[best].name != name {
		first.Problem += fmt.Sprintf(" (checked as %s, the closest of the %d kinds of %s)", bs[best].name, len(bs), name)
	}
	return []*Error{&first}
}

// props is every definition of prop in the branch, less those of
// discriminator bases that a variant redefines.
func (b branch) props(prop string) []*schema {
	var props, fromBases []*schema
	for _, p := range b.parts {
		if ps := p.Properties[prop]; ps != nil {
			if slices.Contains(b.bases, p) {
				fromBases = append(fromBases, ps)
			} else {
				props = append(props, ps)
			}
		}
	}
	if len(props) == 0 {
		return fromBases
	}
	return props
}

func (b branch) readOnly(prop string) bool {
	for _, p := range b.parts {
		if ps := p.Properties[prop]; ps != nil && anyReadOnly([]*schema{ps}) {
			return true
		}
	}
	return false
}

func (b branch) knows(prop string) bool {
	for _, p := range b.parts {
		if p.Properties[prop] != nil {
			return true
		}
	}
	return false
}

// enumOf is the enum a branch restricts prop to, or nil.
func (b branch) enumOf(prop string) []string {
	for _, p := range b.parts {
		if e := enumValues(p.Properties[prop], 0); e != nil {
			return e
		}
	}
	return nil
}

// enumValues is the set of values s allows when that set is finite: its own
// enum, or the union of its variants' (DefaultAlertConfigViewForNdsGroup's
// eventTypeName is a oneOf of enums).
func enumValues(s *schema, depth int) []string {
	if s == nil || depth > 8 {
		return nil
	}
	if len(s.Enum) > 0 {
		return enumStrings(s.Enum)
	}
	if s.ref != nil {
		return enumValues(s.ref, depth+1)
	}
	variants := s.OneOf
	if len(variants) == 0 {
		variants = s.AnyOf
	}
	var union []string
	for _, v := range variants {
		e := enumValues(v, depth+1)
		if e == nil {
			return nil
		}
		union = append(union, e...)
	}
	if union == nil {
		return nil
	}
	return dedupe(union)
}

// scalarEnums is the union of the enums of branches that each have one.
func scalarEnums(bs []branch) ([]string, bool) {
	var union []string
	for _, b := range bs {
		found := false
		for _, p := range b.parts {
			if len(p.Enum) > 0 {
				union = append(union, enumStrings(p.Enum)...)
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return dedupe(union), true
}

// anyReadOnly follows $ref chains: gen moves readOnly beside a $ref where the
// spec's component-level flag was wrong, and keeps it on components it trusts.
func anyReadOnly(props []*schema) bool {
	for _, ps := range props {
		for x := ps; x != nil; x = x.ref {
			if x.ReadOnly {
				return true
			}
		}
	}
	return false
}

func hasType(val any, t string) bool {
	switch t {
	case "string":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "number":
		_, ok := val.(json.Number)
		return ok
	case "integer":
		n, ok := val.(json.Number)
		return ok && isIntegerLiteral(string(n))
	case "array":
		_, ok := val.([]any)
		return ok
	case "object":
		_, ok := val.(*object)
		return ok
	}
	return true // a type this validator does not know is not a reason to refuse
}

// isIntegerLiteral is strict: 5.0 and 5e0 are refused where Atlas wants an
// integer, so the plan never relies on how Atlas's parser rounds.
func isIntegerLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func inEnum(val any, enum []any) bool {
	for _, e := range enum {
		switch ev := e.(type) {
		case string:
			if v, ok := val.(string); ok && v == ev {
				return true
			}
		case json.Number:
			if v, ok := val.(json.Number); ok {
				a, err1 := v.Float64()
				b, err2 := ev.Float64()
				if err1 == nil && err2 == nil && a == b {
					return true
				}
			}
		case bool:
			if v, ok := val.(bool); ok && v == ev {
				return true
			}
		case nil:
			if val == nil {
				return true
			}
		}
	}
	return false
}

func enumStrings(enum []any) []string {
	out := make([]string, 0, len(enum))
	for _, e := range enum {
		switch ev := e.(type) {
		case string:
			out = append(out, ev)
		case nil:
			out = append(out, "null")
		default:
			out = append(out, fmt.Sprint(ev))
		}
	}
	return out
}

func displayName(s *schema) string {
	for x := s; x != nil; x = x.ref {
		if x.name != "" {
			return x.name
		}
	}
	return "the request schema"
}

func describe(val any) string {
	switch v := val.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(v) > 60 {
			r := []rune(v)
			v = string(r[:57]) + "..."
		}
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case *object:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%v", val)
}

func article(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	}
	return "a " + t
}

func example(t string) string {
	switch t {
	case "integer":
		return " (e.g. 3)"
	case "number":
		return " (e.g. 10.5)"
	case "boolean":
		return " (true or false)"
	case "string":
		return ` (in double quotes)`
	}
	return ""
}

// list renders allowed values; long enums (region names, metric names) are
// cut so the message stays readable.
func list(vals []string) string {
	const max = 40
	if len(vals) <= max {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:max], ", ") + fmt.Sprintf(", … (%d more)", len(vals)-max)
}

func dedupe(vals []string) []string {
	seen := make(map[string]bool, len(vals))
	out := vals[:0:0]
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func contains(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quote(s string) string { return strconv.Quote(s) }

func joinKey(path, k string) string {
	if isIdent(k) {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	return path + "[" + strconv.Quote(k) + "]"
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isIdent(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// suggest returns the known field closest to k (same letters ignoring case,
// or at most two edits away), or "".
func suggest(k string, fields []string) string {
	best, bestD := "", 3
	lk := strings.ToLower(k)
	for _, f := range fields {
		if strings.ToLower(f) == lk {
			return f
		}
		if d := distance(lk, strings.ToLower(f)); d < bestD {
			best, bestD = f, d
		}
	}
	return best
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
