package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// maxRedactDepth stops an absurdly deep document; its deeper members are
// replaced whole.
const maxRedactDepth = 64

// Redact turns a value (a tool's typed input, a decoded plan) into a
// JSON-ready value (maps, slices, strings, json.Number, bools, nil) with
// every secret removed. The value is encoded by encoding/json, so JSON
// names, omitempty, embedding and custom marshalers are encoding/json's own
// and the result has the shape the tool's schema describes; a type that must
// never be recorded marshals itself masked (tools.Secret gives
// "[REDACTED]"). The JSON is then cleaned by the rules of RedactJSON:
//
//   - a member whose name is a well-known secret (password, privateKey,
//     clientSecret, apiKey, token, accessToken, refreshToken, secret,
//     case-insensitive, and suffix variants such as bindPassword) becomes
//     "[REDACTED]", at any depth;
//   - in every string, the password of a scheme://user:password@ URL
//     (mongodb://, mongodb+srv://) is masked, and every occurrence of a
//     configured secret (values of at least 6 bytes, also URL- and
//     JSON-escaped) is replaced by "[REDACTED]".
//
// A secret member holding "", false or null is kept as is: an empty password
// is not a secret, and "none was given" is worth auditing. A value
// encoding/json cannot encode becomes a string saying so. Redact is
// idempotent.
func Redact(v any, secrets []string) any {
	return redactWith(v, newValueRules(secrets))
}

func redactWith(v any, rules *valueRules) any {
	if v == nil {
		return nil
	}
	raw, err := marshalJSON(v)
	if err != nil {
		return rules.scrub(fmt.Sprintf("[unencodable %T: %v]", v, err))
	}
	x, err := decodeJSON(raw)
	if err != nil { // cannot happen: encoding/json wrote one value
		return Redacted
	}
	return redactDecoded(x, rules, 0)
}

// RedactJSON applies the rules of Redact to a free-form JSON document (an
// escape-hatch body, an Atlas answer) and returns compact JSON with object
// keys sorted. Input that is not one JSON value is treated as text: it is
// scrubbed and returned as a JSON string, so the result can always be
// embedded in a record. Empty input gives null.
func RedactJSON(raw []byte, secrets []string) []byte {
	return redactJSONWith(raw, newValueRules(secrets))
}

func redactJSONWith(raw []byte, rules *valueRules) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("null")
	}
	v, err := decodeJSON(raw)
	if err != nil {
		out, _ := marshalJSON(rules.scrub(string(raw)))
		return out
	}
	out, err := marshalJSON(redactDecoded(v, rules, 0))
	if err != nil {
		out, _ = marshalJSON(Redacted)
	}
	return out
}

// decodeJSON decodes exactly one JSON value, keeping numbers as written.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// redactDecoded cleans what encoding/json decodes into an interface.
func redactDecoded(v any, rules *valueRules, depth int) any {
	if depth > maxRedactDepth {
		return Redacted
	}
	switch x := v.(type) {
	case string:
		return rules.scrub(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if isSecretName(k) && !isEmptyDecoded(e) {
				out[rules.scrub(k)] = Redacted
				continue
			}
			out[rules.scrub(k)] = redactDecoded(e, rules, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactDecoded(e, rules, depth+1)
		}
		return out
	}
	return v // nil, bool, json.Number
}

// isEmptyDecoded reports the values a secret member may keep: they say that
// none was given.
func isEmptyDecoded(v any) bool { return v == nil || v == "" || v == false }

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
