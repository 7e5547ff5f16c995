package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const logSecret = `priv"ate-K3y\value`

type stringer string

func (s stringer) String() string { return string(s) }

func logEverything(l *zap.Logger) {
	l = l.With(zap.String("token", "with-token-value"), zap.String("ctx", "ctx "+logSecret))
	l.Info("message with "+logSecret,
		zap.String("plain", "value "+logSecret),
		zap.String("password", "named-password"),
		zap.ByteString("bytes", []byte(logSecret)),
		zap.Error(errors.New("dial mongodb://u:err-pass@h: "+logSecret)),
		zap.Stringer("stringer", stringer("s "+logSecret)),
		zap.Any("struct", struct {
			Password string `json:"password"`
			Note     string `json:"note"`
		}{"struct-password", logSecret}),
		zap.Object("object", zapcore.ObjectMarshalerFunc(func(e zapcore.ObjectEncoder) error {
			e.AddString("clientSecret", "object-secret")
			e.AddString("note", logSecret)
			return nil
		})),
		zap.Inline(zapcore.ObjectMarshalerFunc(func(e zapcore.ObjectEncoder) error {
			e.AddString("apiKey", "inline-api-key")
			e.AddString("inlineNote", logSecret)
			return nil
		})),
		zap.Strings("list", []string{logSecret}),
		zap.Int("count", 3),
	)
}

func TestScrubberCore(t *testing.T) {
	leaks := []string{"priv", "K3y", "with-token-value", "named-password", "err-pass", "struct-password",
		"object-secret", "inline-api-key"}
	s := NewScrubber([]string{logSecret})
	cases := map[string]func(enc zapcore.Encoder, buf *bytes.Buffer) zapcore.Core{
		"core": func(enc zapcore.Encoder, buf *bytes.Buffer) zapcore.Core {
			return s.Core(zapcore.NewCore(enc, zapcore.AddSync(buf), zapcore.DebugLevel))
		},
		"core and writer": func(enc zapcore.Encoder, buf *bytes.Buffer) zapcore.Core {
			return s.Core(zapcore.NewCore(enc, s.WriteSyncer(zapcore.AddSync(buf)), zapcore.DebugLevel))
		},
	}
	for name, build := range cases {
		for encName, enc := range map[string]zapcore.Encoder{
			"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
			"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
		} {
			t.Run(name+"/"+encName, func(t *testing.T) {
				var buf bytes.Buffer
				logEverything(zap.New(build(enc, &buf)))
				out := buf.String()
				for _, leak := range leaks {
					if strings.Contains(out, leak) {
						t.Errorf("%q leaked: %s", leak, out)
					}
				}
				for _, keep := range []string{"count", "inlineNote", "value [REDACTED]", "mongodb://u:[REDACTED]@h"} {
					if !strings.Contains(out, keep) {
						t.Errorf("%q missing: %s", keep, out)
					}
				}
			})
		}
	}
}

// The writer alone catches what a core cannot see, including the secret as
// the JSON encoder escaped it.
func TestScrubberWriteSyncer(t *testing.T) {
	s := NewScrubber([]string{logSecret})
	var buf bytes.Buffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		s.WriteSyncer(zapcore.AddSync(&buf)), zapcore.DebugLevel)
	zap.New(core).Info("m", zap.String("v", logSecret), zap.String("uri", "mongodb://u:pw-123456@h"))
	if out := buf.String(); strings.Contains(out, "K3y") || strings.Contains(out, "pw-123456") {
		t.Fatalf("leak: %s", out)
	}
	if n, err := s.WriteSyncer(zapcore.AddSync(&buf)).Write([]byte("abc " + logSecret)); err != nil || n != len("abc "+logSecret) {
		t.Fatalf("Write = %d, %v; want the input length", n, err)
	}
}

func TestScrub(t *testing.T) {
	s := NewScrubber([]string{"s3cr3t-value", "x"})
	got := s.Scrub("auth s3cr3t-value to mongodb+srv://a:b@c and x")
	if got != "auth [REDACTED] to mongodb+srv://a:[REDACTED]@c and x" {
		t.Fatalf("Scrub = %q", got)
	}
}

func TestScrubberCoreLevels(t *testing.T) {
	var buf bytes.Buffer
	core := NewScrubber(nil).Core(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(&buf), zapcore.WarnLevel))
	l := zap.New(core)
	l.Info("hidden")
	l.Warn("shown")
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.Contains(out, "shown") {
		t.Fatalf("levels not honoured: %s", out)
	}
}
