package audit

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// maxRedactDepth stops a cyclic or absurdly deep value; encoding/json would
// fail on it anyway.
const maxRedactDepth = 64

// Redact turns a typed input value into a JSON-ready value (maps, slices,
// strings, numbers, json.RawMessage) with every secret removed:
//
//   - a struct field tagged `secret:"true"` becomes "[REDACTED]";
//   - a member whose JSON name is a well-known secret (password, privateKey,
//     clientSecret, apiKey, token, accessToken, refreshToken, secret,
//     case-insensitive, and suffix variants such as bindPassword) becomes
//     "[REDACTED]", in structs and in maps alike;
//   - in every string, the password of a scheme://user:password@ URL
//     (mongodb://, mongodb+srv://) is masked, and every occurrence of a
//     configured secret (values of at least 6 bytes, also URL- and
//     JSON-escaped) is replaced by "[REDACTED]".
//
// A secret field holding its zero value ("" or null) is kept as is: an empty
// password is not a secret, and "none was given" is worth auditing.
// Values that marshal themselves (json.Marshaler, encoding.TextMarshaler,
// json.RawMessage escape-hatch bodies) are marshalled and then cleaned by
// the RedactJSON rules. JSON names, omitempty, omitzero, "-" and embedded
// structs follow encoding/json, so the result has the shape the tool's
// schema describes. Redact is idempotent.
func Redact(v any, secrets []string) any {
	return redactWith(v, newValueRules(secrets))
}

func redactWith(v any, rules *valueRules) any {
	r := redactor{rules: rules}
	return r.value(reflect.ValueOf(v), 0)
}

// RedactJSON applies the field-name and string-value rules of Redact to a
// free-form JSON document (an escape-hatch body, an Atlas answer) and
// returns compact JSON with object keys sorted. Input that is not one JSON
// value is treated as text: it is scrubbed and returned as a JSON string, so
// the result can always be embedded in a record. Empty input gives null.
func RedactJSON(raw []byte, secrets []string) []byte {
	return redactJSONWith(raw, newValueRules(secrets))
}

func redactJSONWith(raw []byte, rules *valueRules) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = fmt.Errorf("trailing data")
		}
	}
	if err != nil {
		out, _ := marshalJSON(rules.scrub(string(raw)))
		return out
	}
	out, err := marshalJSON(redactor{rules: rules}.decoded(v, 0))
	if err != nil {
		out, _ = marshalJSON(Redacted)
	}
	return out
}

// decoded walks what encoding/json decodes into an interface without
// reflection: the common case for maps of arguments and Atlas bodies. A
// typed value found inside (a caller's map[string]any can hold anything)
// goes back to the reflective walk.
func (r redactor) decoded(v any, depth int) any {
	if depth > maxRedactDepth {
		return Redacted
	}
	switch x := v.(type) {
	case nil, bool, float64, json.Number:
		return v
	case string:
		return r.rules.scrub(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if isSecretName(k) && !isZeroDecoded(e) {
				out[r.rules.scrub(k)] = Redacted
				continue
			}
			out[r.rules.scrub(k)] = r.decoded(e, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.decoded(e, depth+1)
		}
		return out
	default:
		return r.value(reflect.ValueOf(v), depth)
	}
}

func isZeroDecoded(v any) bool {
	if v == nil || v == "" {
		return true
	}
	return isZeroValue(reflect.ValueOf(v))
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	mapOfAnyType      = reflect.TypeFor[map[string]any]()
	sliceOfAnyType    = reflect.TypeFor[[]any]()
)

type redactor struct {
	rules *valueRules
}

func (r redactor) value(v reflect.Value, depth int) any {
	if !v.IsValid() {
		return nil
	}
	if depth > maxRedactDepth {
		return Redacted
	}
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return nil
	}
	t := v.Type()
	if (t == mapOfAnyType || t == sliceOfAnyType) && v.CanInterface() {
		return r.decoded(v.Interface(), depth)
	}
	if t == numberType {
		return json.Number(v.String())
	}
	if t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) {
		return r.marshaled(v)
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() &&
		(reflect.PointerTo(t).Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
		return r.marshaled(v.Addr())
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return r.value(v.Elem(), depth+1)
	case reflect.String:
		return r.rules.scrub(v.String())
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64) // JSON has no NaN
		}
		return f
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !implementsMarshaler(t.Elem()) {
			return base64.StdEncoding.EncodeToString(v.Bytes()) // as encoding/json
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = r.value(v.Index(i), depth+1)
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k, ok := mapKey(iter.Key())
			if !ok {
				continue
			}
			e := iter.Value()
			if isSecretName(k) && !isZeroValue(e) {
				out[r.rules.scrub(k)] = Redacted
				continue
			}
			out[r.rules.scrub(k)] = r.value(e, depth+1)
		}
		return out
	case reflect.Struct:
		return r.structValue(v, depth)
	default: // chan, func, complex: encoding/json cannot encode them either
		return nil
	}
}

func implementsMarshaler(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) ||
		p.Implements(jsonMarshalerType) || p.Implements(textMarshalerType)
}

func isZeroValue(v reflect.Value) bool {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	return v.IsZero()
}

// marshaled lets a type that encodes itself do so, then cleans the JSON it
// produced: a custom MarshalJSON can put a secret anywhere.
func (r redactor) marshaled(v reflect.Value) any {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("[unencodable %s: %v]", v.Type(), err)
	}
	return json.RawMessage(redactJSONWith(b, r.rules))
}

// mapKey renders a map key as encoding/json does.
func mapKey(k reflect.Value) (string, bool) {
	if k.Kind() == reflect.String {
		return k.String(), true
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", true
		}
		b, err := tm.MarshalText()
		return string(b), err == nil
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), true
	}
	return "", false
}

func (r redactor) structValue(v reflect.Value, depth int) any {
	fields := structFields(v.Type())
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue // behind a nil embedded pointer
		}
		if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroField(fv)) {
			continue
		}
		if (f.secret || isSecretName(f.name)) && !isZeroValue(fv) {
			out[f.name] = Redacted
			continue
		}
		val := r.value(fv, depth+1)
		if f.asString {
			val = quoteScalar(val)
		}
		out[f.name] = val
	}
	return out
}

// quoteScalar implements the ",string" tag option for the scalar kinds it
// applies to.
func quoteScalar(v any) any {
	switch x := v.(type) {
	case string:
		b, _ := marshalJSON(x)
		return string(b)
	case bool, int64, uint64, float64:
		return fmt.Sprint(x)
	}
	return v
}

// isEmptyValue is encoding/json's definition for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZeroField is encoding/json's definition for omitzero: an IsZero method
// when the type has one, the zero value otherwise.
func isZeroField(v reflect.Value) bool {
	type zeroer interface{ IsZero() bool }
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return true
	}
	if z, ok := v.Interface().(zeroer); ok {
		return z.IsZero()
	}
	return v.IsZero()
}

type structField struct {
	name      string
	index     []int
	tagged    bool
	omitEmpty bool
	omitZero  bool
	asString  bool
	secret    bool
}

// structFields lists the JSON members of a struct type as encoding/json
// would: exported fields, json names, embedded structs promoted, a shallower
// field hiding a deeper one, and two at the same depth cancelling out unless
// exactly one is tagged. A `secret:"true"` on an embedded struct covers all
// its promoted fields.
func structFields(t reflect.Type) []structField {
	type queued struct {
		t      reflect.Type
		index  []int
		secret bool
	}
	var fields []structField
	taken := make(map[string]bool)
	visited := make(map[reflect.Type]bool)
	next := []queued{{t: t}}
	for len(next) > 0 {
		current := next
		next = nil
		var level []structField
		for _, q := range current {
			if visited[q.t] {
				continue
			}
			visited[q.t] = true
			for i := 0; i < q.t.NumField(); i++ {
				sf := q.t.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := make([]int, len(q.index)+1)
				copy(index, q.index)
				index[len(q.index)] = i
				secret := q.secret || sf.Tag.Get("secret") == "true"
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, queued{t: ft, index: index, secret: secret})
					continue
				}
				f := structField{name: name, index: index, tagged: name != "", secret: secret}
				if f.name == "" {
					f.name = sf.Name
				}
				for _, o := range strings.Split(opts, ",") {
					switch o {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						f.asString = true
					}
				}
				level = append(level, f)
			}
		}
		byName := make(map[string][]structField)
		var order []string
		for _, f := range level {
			if taken[f.name] {
				continue
			}
			if _, seen := byName[f.name]; !seen {
				order = append(order, f.name)
			}
			byName[f.name] = append(byName[f.name], f)
		}
		for _, name := range order {
			taken[name] = true
			if dominant, ok := dominantField(byName[name]); ok {
				fields = append(fields, dominant)
			}
		}
	}
	return fields
}

func dominantField(fs []structField) (structField, bool) {
	if len(fs) == 1 {
		return fs[0], true
	}
	var tagged []structField
	for _, f := range fs {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return structField{}, false
}
