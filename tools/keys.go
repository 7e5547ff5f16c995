package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// maxArgumentDepth bounds nesting: no Atlas body is deeper, and a deeper
// document is an attack on the decoder, not a request.
const maxArgumentDepth = 32

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// checkKeys walks the arguments and refuses, in any object at any depth
// (escape-hatch bodies included), a key given twice and two keys that differ
// only by case; where the object is a Go struct it also refuses a key that
// matches a field only when case is ignored. Go's decoder would accept each of
// these and keep the last, so what one reader of the JSON saw would differ from
// what another decoded.
func checkKeys(raw []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := walkKeys(dec, t, "", 0); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return err
		}
		// Syntax errors are reported by the decoder that follows.
		return nil
	}
	return nil
}

func walkKeys(dec *json.Decoder, t reflect.Type, path string, depth int) error {
	if depth > maxArgumentDepth {
		return invalid(orText(path, "arguments"), fmt.Sprintf("nest deeper than %d levels", maxArgumentDepth), "send a flatter document")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		t = nil // free JSON: still no duplicate keys
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		fields, folded := jsonFields(t)
		seen := map[string]string{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			at := joinPath(path, key)
			fold := strings.ToLower(key)
			if prev, dup := seen[fold]; dup {
				if prev == key {
					return invalid(at, "is given twice", "give each key once")
				}
				return invalid(at, fmt.Sprintf("and %q differ only by case", prev), "give each key once, spelt exactly as the schema names it")
			}
			seen[fold] = key
			var child reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Struct:
				if ft, ok := fields[key]; ok {
					child = ft
				} else if name, ok := folded[fold]; ok {
					return invalid(at, fmt.Sprintf("is not an argument; the argument is %q", name), "spell it exactly as the input schema does (names are case-sensitive)")
				}
			case t != nil && t.Kind() == reflect.Map:
				child = t.Elem()
			}
			if err := walkKeys(dec, child, at, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkKeys(dec, elem, fmt.Sprintf("%s[%d]", orText(path, "arguments"), i), depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}

// jsonFields maps a struct's JSON member names to their types, embedded
// structs' fields included, as encoding/json sees them, and each lower-cased
// name to its exact spelling, so a case-variant key can be told apart from an
// unknown one.
func jsonFields(t reflect.Type) (map[string]reflect.Type, map[string]string) {
	if t == nil || t.Kind() != reflect.Struct {
		return nil, nil
	}
	out, folded := map[string]reflect.Type{}, map[string]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
			folded[strings.ToLower(name)] = name
		}
	}
	walk(t)
	return out, folded
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
