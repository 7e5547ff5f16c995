package atlasspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// object is a decoded JSON object that keeps its keys in body order, so the
// first problem reported is the first one a reader of the body meets.
type object struct {
	keys []string
	vals map[string]any
}

// decodeBody decodes exactly one JSON value. Numbers stay json.Number so
// integers are told from fractions; a key that appears twice in one object
// is refused, because which copy Atlas would use is not something a plan can
// show.
func decodeBody(body []byte) (any, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &Error{Problem: "is empty", Fix: "send the JSON request body the operation takes"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
		return nil, &Error{Problem: "has data after the first JSON value", Fix: "send exactly one JSON value"}
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, path string) (any, *Error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(path, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(path, err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, syntaxError(path, fmt.Errorf("object key is %v", kt))
				}
				kp := joinKey(path, k)
				if _, dup := o.vals[k]; dup {
					return nil, &Error{Path: kp, Problem: "appears twice in the same object", Fix: "keep exactly one " + quote(k)}
				}
				v, e := decodeValue(dec, kp)
				if e != nil {
					return nil, e
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			return o, nil
		case '[':
			var l []any
			for i := 0; dec.More(); i++ {
				v, e := decodeValue(dec, joinIndex(path, i))
				if e != nil {
					return nil, e
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			if l == nil {
				l = []any{}
			}
			return l, nil
		}
		return nil, syntaxError(path, fmt.Errorf("unexpected %v", t))
	default:
		// string, json.Number, bool or nil
		return t, nil
	}
}

func syntaxError(path string, err error) *Error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Path: path, Problem: "is not valid JSON (" + err.Error() + ")", Fix: "send well-formed JSON"}
}
