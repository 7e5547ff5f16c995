package atlassim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

func malformed() *apiError {
	return newErr(http.StatusBadRequest, codeInvalidJSON, "Received JSON is malformed.")
}

// decodeJSON reads the body into v (numbers stay json.Number).
func decodeJSON(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return newErr(http.StatusBadRequest, codeInvalidJSON, "Received JSON is malformed: the request body is empty.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return malformed()
	}
	if dec.More() {
		return malformed()
	}
	return nil
}

func decodeObject(body []byte) (map[string]any, *apiError) {
	var raw any
	if e := decodeJSON(body, &raw); e != nil {
		return nil, e
	}
	m, isObj := raw.(map[string]any)
	if !isObj {
		return nil, newErr(http.StatusBadRequest, codeInvalidJSON, "Received JSON is malformed: expected a JSON object.")
	}
	return m, nil
}

func missing(attr string) *apiError {
	return newErr(http.StatusBadRequest, codeMissingAttribute, "The required attribute %s was not specified.", attr).with(attr)
}

func invalidAttr(attr string) *apiError {
	return newErr(http.StatusBadRequest, codeInvalidAttribute, "Invalid attribute %s specified.", attr).with(attr)
}

func invalidEnum(attr string, val any, allowed []string) *apiError {
	return newErr(http.StatusBadRequest, codeInvalidEnumValue,
		"An invalid enumeration value %v was specified for %s; expected one of %s.", val, attr, strings.Join(allowed, ", ")).with(val, attr)
}

func invalidValue(attr, why string) *apiError {
	e := newErr(http.StatusBadRequest, codeValidation, "Invalid value for %s: %s", attr, why).with(attr)
	e.fields = []badField{{Field: attr, Description: why}}
	return e
}

// getString returns m[k] as a string; present reports the key exists, and a
// non-string value is an error naming the attribute.
func getString(m map[string]any, k, path string) (s string, present bool, e *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, invalidValue(path, "must be a string")
	}
	return s, true, nil
}

func getBool(m map[string]any, k, path string) (b bool, present bool, e *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, true, invalidValue(path, "must be a boolean")
	}
	return b, true, nil
}

func getInt(m map[string]any, k, path string) (n int64, present bool, e *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return 0, false, nil
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, true, invalidValue(path, "must be an integer")
	}
	n, err := num.Int64()
	if err != nil {
		return 0, true, invalidValue(path, "must be an integer")
	}
	return n, true, nil
}

func getNumber(m map[string]any, k, path string) (f float64, present bool, e *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return 0, false, nil
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, true, invalidValue(path, "must be a number")
	}
	f, err := num.Float64()
	if err != nil {
		return 0, true, invalidValue(path, "must be a number")
	}
	return f, true, nil
}

func getObject(m map[string]any, k, path string) (map[string]any, bool, *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return nil, false, nil
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		return nil, true, invalidValue(path, "must be an object")
	}
	return o, true, nil
}

func getArray(m map[string]any, k, path string) ([]any, bool, *apiError) {
	v, has := m[k]
	if !has || v == nil {
		return nil, false, nil
	}
	a, isArr := v.([]any)
	if !isArr {
		return nil, true, invalidValue(path, "must be an array")
	}
	return a, true, nil
}

// checkKeys rejects attributes the resource does not have (Atlas answers
// INVALID_ATTRIBUTE) and drops the read-only ones a client may echo back.
func checkKeys(m map[string]any, writable, readOnly []string) *apiError {
	for k := range m {
		if contains(writable, k) {
			continue
		}
		if contains(readOnly, k) {
			delete(m, k)
			continue
		}
		return invalidAttr(k)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ts formats a time as Atlas does (UTC, RFC 3339, seconds).
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func parseTime(s, path string) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalidValue(path, fmt.Sprintf("%q is not an ISO 8601 date and time", s))
	}
	return t, nil
}

// deepCopy clones decoded JSON so stored state never aliases a request.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

func copyObject(m map[string]any) map[string]any {
	return deepCopy(m).(map[string]any)
}
