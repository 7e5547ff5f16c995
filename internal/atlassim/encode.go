package atlassim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// appendJSON encodes the decoded-JSON shapes handlers build (maps, slices,
// strings, numbers, pre-rendered json.RawMessage) without encoding/json's
// reflection and without re-scanning RawMessage: a 50-cluster list is most of
// what benchmarks ask for, and encoding/json spent milliseconds compacting
// the cached cluster documents again. Keys come out sorted, HTML is not
// escaped; anything else falls back to encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case json.RawMessage:
		return append(b, t...), nil
	case string:
		return appendString(b, t), nil
	case bool:
		if t {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, t[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, x := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, x); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// appendString quotes s as JSON; plain strings (the usual case) skip the
// general encoder.
func appendString(b []byte, s string) []byte {
	plain := utf8.ValidString(s)
	for i := 0; plain && i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			plain = false
		}
	}
	if plain && !strings.ContainsAny(s, "\u2028\u2029") {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	out, _ := appendJSON(nil, []string{s}) // encoding/json escaping, then strip the brackets
	return append(b, out[1:len(out)-1]...)
}
