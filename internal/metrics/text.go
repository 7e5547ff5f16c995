package metrics

import (
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// ContentType is the Prometheus text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteText writes fams in the text exposition format 0.0.4, as
// client_golang's expfmt writes them.
func WriteText(w io.Writer, fams []Family) error {
	_, err := w.Write(AppendText(nil, fams))
	return err
}

// AppendText appends the text exposition of fams to b.
func AppendText(b []byte, fams []Family) []byte {
	for _, f := range fams {
		b = append(b, "# HELP "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = appendEscaped(b, f.Help, false)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = append(b, f.Type...)
		b = append(b, '\n')
		for _, s := range f.Series {
			switch f.Type {
			case TypeHistogram:
				for i, bound := range s.Bounds {
					b = appendSample(b, &f, &s, "_bucket", "le", bound, float64(s.Counts[i]))
				}
				b = appendSample(b, &f, &s, "_bucket", "le", math.Inf(+1), float64(s.Count))
				b = appendSample(b, &f, &s, "_sum", "", 0, s.Sum)
				b = appendSample(b, &f, &s, "_count", "", 0, float64(s.Count))
			case TypeSummary:
				for i, q := range s.Bounds {
					b = appendSample(b, &f, &s, "", "quantile", q, s.Quantiles[i])
				}
				b = appendSample(b, &f, &s, "_sum", "", 0, s.Sum)
				b = appendSample(b, &f, &s, "_count", "", 0, float64(s.Count))
			default:
				b = appendSample(b, &f, &s, "", "", 0, s.Value)
			}
		}
	}
	return b
}

// appendSample is one line: name+suffix, the series' labels and an extra
// one (le, quantile) if named, and the value.
func appendSample(b []byte, f *Family, s *Series, suffix, extra string, extraValue, v float64) []byte {
	b = append(b, f.Name...)
	b = append(b, suffix...)
	if len(f.Labels) > 0 || extra != "" {
		sep := byte('{')
		for i, l := range f.Labels {
			b = append(b, sep)
			b = append(b, l...)
			b = append(b, `="`...)
			b = appendEscaped(b, s.Values[i], true)
			b = append(b, '"')
			sep = ','
		}
		if extra != "" {
			b = append(b, sep)
			b = append(b, extra...)
			b = append(b, `="`...)
			b = AppendFloat(b, extraValue)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = AppendFloat(b, v)
	return append(b, '\n')
}

// appendEscaped escapes \ and newline (help texts), and " too (label values).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// AppendFloat formats f as client_golang does: 1, 0, -1, NaN, +Inf and -Inf
// spelt so, anything else the shortest 'g' form (so 1e+06, 0.005, 2.5).
func AppendFloat(b []byte, f float64) []byte {
	switch {
	case f == 1:
		return append(b, '1')
	case f == 0:
		return append(b, '0')
	case f == -1:
		return append(b, "-1"...)
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// Handler serves the registry's families in the text format, gzipped when
// the client accepts it, as promhttp.HandlerFor did.
func Handler(r *Registry) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body := AppendText(nil, r.Gather())
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Add("Vary", "Accept-Encoding")
		// Write errors are the client gone; there is no one to tell.
		if !acceptsGzip(req.Header.Get("Accept-Encoding")) {
			h.Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
			return
		}
		h.Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		_, _ = gz.Write(body)
		_ = gz.Close()
	})
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}
