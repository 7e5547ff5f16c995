package audit

import (
	"encoding/json"
	"fmt"
	"sort"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Scrubber removes configured secrets (and URL passwords) from log output.
// It is safe for concurrent use. Two seams are offered because they fail
// differently: Core cleans messages and fields before encoding (and redacts
// fields named like secrets), WriteSyncer cleans the encoded bytes whatever
// produced them. Using both costs little and leaves no gap.
type Scrubber struct {
	rules *valueRules
}

// NewScrubber builds a scrubber for the given credentials; values shorter
// than 6 bytes are ignored (see Redact).
func NewScrubber(secrets []string) *Scrubber {
	return &Scrubber{rules: newValueRules(secrets)}
}

// Scrub returns s with every configured secret and URL password replaced by
// "[REDACTED]".
func (s *Scrubber) Scrub(line string) string { return s.rules.scrub(line) }

// Core wraps a zap core so that entries are scrubbed before they are
// encoded. Wrap the outermost core: a sampler inside it is bypassed by
// Check, which this wrapper answers itself.
func (s *Scrubber) Core(c zapcore.Core) zapcore.Core { return &scrubCore{inner: c, s: s} }

// WriteSyncer wraps a log destination so that every encoded line is scrubbed.
func (s *Scrubber) WriteSyncer(ws zapcore.WriteSyncer) zapcore.WriteSyncer {
	return scrubWriter{ws: ws, s: s}
}

type scrubWriter struct {
	ws zapcore.WriteSyncer
	s  *Scrubber
}

func (w scrubWriter) Write(p []byte) (int, error) {
	if _, err := w.ws.Write([]byte(w.s.Scrub(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil // the caller wrote p; the scrubbed length is ours
}

func (w scrubWriter) Sync() error { return w.ws.Sync() }

type scrubCore struct {
	inner zapcore.Core
	s     *Scrubber
}

func (c *scrubCore) Enabled(l zapcore.Level) bool { return c.inner.Enabled(l) }

func (c *scrubCore) With(fs []zapcore.Field) zapcore.Core {
	return &scrubCore{inner: c.inner.With(c.s.fields(fs)), s: c.s}
}

func (c *scrubCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *scrubCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	e.Message = c.s.Scrub(e.Message)
	return c.inner.Write(e, c.s.fields(fs))
}

func (c *scrubCore) Sync() error { return c.inner.Sync() }

// fields returns cleaned copies; the caller's slice is not modified because
// zap may reuse it.
func (s *Scrubber) fields(fs []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, s.field(f)...)
	}
	return out
}

func (s *Scrubber) field(f zapcore.Field) []zapcore.Field {
	if f.Type != zapcore.NamespaceType && f.Type != zapcore.InlineMarshalerType && isSecretName(f.Key) {
		return []zapcore.Field{zap.String(f.Key, Redacted)}
	}
	switch f.Type {
	case zapcore.StringType:
		f.String = s.Scrub(f.String)
	case zapcore.ByteStringType:
		if b, ok := f.Interface.([]byte); ok {
			f = zap.ByteString(f.Key, []byte(s.Scrub(string(b))))
		}
	case zapcore.ErrorType:
		if err, ok := f.Interface.(error); ok && err != nil {
			f = zap.String(f.Key, s.Scrub(safeString(err.Error)))
		}
	case zapcore.StringerType:
		if st, ok := f.Interface.(fmt.Stringer); ok {
			f = zap.String(f.Key, s.Scrub(safeString(st.String)))
		}
	case zapcore.ReflectType:
		b, err := json.Marshal(f.Interface)
		if err != nil {
			return []zapcore.Field{zap.String(f.Key, s.Scrub(fmt.Sprint(f.Interface)))}
		}
		f = zap.Reflect(f.Key, json.RawMessage(redactJSONWith(b, s.rules)))
	case zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType:
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		f = zap.Any(f.Key, redactWith(enc.Fields[f.Key], s.rules))
	case zapcore.InlineMarshalerType:
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		keys := make([]string, 0, len(enc.Fields))
		for k := range enc.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]zapcore.Field, 0, len(keys))
		for _, k := range keys {
			if isSecretName(k) {
				out = append(out, zap.String(k, Redacted))
				continue
			}
			out = append(out, zap.Any(k, redactWith(enc.Fields[k], s.rules)))
		}
		return out
	}
	return []zapcore.Field{f}
}

// safeString calls a String or Error method that may panic (a nil receiver),
// as zap itself tolerates.
func safeString(fn func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<panic: %v>", r)
		}
	}()
	return fn()
}
