package metrics

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// testRegistry has one of each kind, with label values and help texts that
// need escaping.
func testRegistry() *Registry {
	r := NewRegistry()
	calls := NewCounterVec(CounterOpts{Name: "t_calls_total", Help: "Calls by tool\nand \\agent."}, []string{"tool", "agent"})
	lat := NewHistogramVec(HistogramOpts{Name: "t_latency_seconds", Help: "Latency.", Buckets: []float64{.005, .5, 1, 2.5, 300}}, []string{"tool"})
	sync := NewHistogram(HistogramOpts{Name: "t_sync_seconds", Help: "Sync."})
	empty := NewCounterVec(CounterOpts{Name: "t_empty_total", Help: "Never used."}, []string{"x"})
	r.MustRegister(calls, lat, sync, empty,
		NewGaugeFunc(GaugeOpts{Name: "t_gauge", Help: "A gauge."}, func() float64 { return 1e6 }),
		NewCounterFunc(CounterOpts{Name: "a_first_total", Help: ""}, func() float64 { return 0.1 }))
	calls.WithLabelValues("list", "bob").Inc()
	calls.WithLabelValues("list", `al"i\ce`+"\n").Add(2)
	calls.WithLabelValues("get", "bob").Add(0.25)
	lat.WithLabelValues("list").Observe(0.005) // on a bound: that bucket
	lat.WithLabelValues("list").Observe(0.7)
	lat.WithLabelValues("list").Observe(1000) // only +Inf
	lat.WithLabelValues("get").Observe(2)
	sync.Observe(0.01)
	return r
}

const testExposition = `# HELP a_first_total 
# TYPE a_first_total counter
a_first_total 0.1
# HELP t_calls_total Calls by tool\nand \\agent.
# TYPE t_calls_total counter
t_calls_total{agent="al\"i\\ce\n",tool="list"} 2
t_calls_total{agent="bob",tool="get"} 0.25
t_calls_total{agent="bob",tool="list"} 1
# HELP t_gauge A gauge.
# TYPE t_gauge gauge
t_gauge 1e+06
# HELP t_latency_seconds Latency.
# TYPE t_latency_seconds histogram
t_latency_seconds_bucket{tool="get",le="0.005"} 0
t_latency_seconds_bucket{tool="get",le="0.5"} 0
t_latency_seconds_bucket{tool="get",le="1"} 0
t_latency_seconds_bucket{tool="get",le="2.5"} 1
t_latency_seconds_bucket{tool="get",le="300"} 1
t_latency_seconds_bucket{tool="get",le="+Inf"} 1
t_latency_seconds_sum{tool="get"} 2
t_latency_seconds_count{tool="get"} 1
t_latency_seconds_bucket{tool="list",le="0.005"} 1
t_latency_seconds_bucket{tool="list",le="0.5"} 1
t_latency_seconds_bucket{tool="list",le="1"} 2
t_latency_seconds_bucket{tool="list",le="2.5"} 2
t_latency_seconds_bucket{tool="list",le="300"} 2
t_latency_seconds_bucket{tool="list",le="+Inf"} 3
t_latency_seconds_sum{tool="list"} 1000.705
t_latency_seconds_count{tool="list"} 3
# HELP t_sync_seconds Sync.
# TYPE t_sync_seconds histogram
t_sync_seconds_bucket{le="0.005"} 0
t_sync_seconds_bucket{le="0.01"} 1
t_sync_seconds_bucket{le="0.025"} 1
t_sync_seconds_bucket{le="0.05"} 1
t_sync_seconds_bucket{le="0.1"} 1
t_sync_seconds_bucket{le="0.25"} 1
t_sync_seconds_bucket{le="0.5"} 1
t_sync_seconds_bucket{le="1"} 1
t_sync_seconds_bucket{le="2.5"} 1
t_sync_seconds_bucket{le="5"} 1
t_sync_seconds_bucket{le="10"} 1
t_sync_seconds_bucket{le="+Inf"} 1
t_sync_seconds_sum 0.01
t_sync_seconds_count 1
`

func TestWriteTextExact(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, testRegistry().Gather()); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), testExposition; got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// toDTO is what client_golang would have handed expfmt for the same
// families.
func toDTO(f Family) *dto.MetricFamily {
	types := map[Type]dto.MetricType{TypeCounter: dto.MetricType_COUNTER, TypeGauge: dto.MetricType_GAUGE, TypeHistogram: dto.MetricType_HISTOGRAM, TypeSummary: dto.MetricType_SUMMARY}
	out := &dto.MetricFamily{Name: ptr(f.Name), Help: ptr(f.Help), Type: types[f.Type].Enum()}
	for _, s := range f.Series {
		m := &dto.Metric{}
		for i, l := range f.Labels {
			m.Label = append(m.Label, &dto.LabelPair{Name: ptr(l), Value: ptr(s.Values[i])})
		}
		switch f.Type {
		case TypeCounter:
			m.Counter = &dto.Counter{Value: ptr(s.Value)}
		case TypeGauge:
			m.Gauge = &dto.Gauge{Value: ptr(s.Value)}
		case TypeHistogram:
			m.Histogram = &dto.Histogram{SampleCount: ptr(s.Count), SampleSum: ptr(s.Sum)}
			for i, b := range s.Bounds {
				m.Histogram.Bucket = append(m.Histogram.Bucket, &dto.Bucket{UpperBound: ptr(b), CumulativeCount: ptr(s.Counts[i])})
			}
		case TypeSummary:
			m.Summary = &dto.Summary{SampleCount: ptr(s.Count), SampleSum: ptr(s.Sum)}
			for i, q := range s.Bounds {
				m.Summary.Quantile = append(m.Summary.Quantile, &dto.Quantile{Quantile: ptr(q), Value: ptr(s.Quantiles[i])})
			}
		}
		out.Metric = append(out.Metric, m)
	}
	return out
}

// The output is byte for byte what client_golang's encoder (expfmt) writes
// for the same families, the runtime and process ones included.
func TestWriteTextIsExpfmt(t *testing.T) {
	r := testRegistry()
	r.MustRegister(NewGoCollector(), NewProcessCollector())
	fams := r.Gather()
	var ours, theirs bytes.Buffer
	if err := WriteText(&ours, fams); err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if _, err := expfmt.MetricFamilyToText(&theirs, toDTO(f)); err != nil {
			t.Fatal(err)
		}
	}
	if ours.String() != theirs.String() {
		t.Errorf("differs from expfmt:\n%s\nexpfmt:\n%s", ours.String(), theirs.String())
	}
}

// The exposition parses with Prometheus's own parser and gives back the
// values observed.
func TestExpositionParses(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, testRegistry().Gather()); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fams["t_empty_total"]; ok {
		t.Error("a vector without series is written")
	}
	if got := fams["t_calls_total"].GetHelp(); got != "Calls by tool\nand \\agent." {
		t.Errorf("help %q", got)
	}
	calls := map[string]float64{}
	for _, m := range fams["t_calls_total"].GetMetric() {
		var k []string
		for _, l := range m.GetLabel() {
			k = append(k, l.GetName()+"="+l.GetValue())
		}
		calls[strings.Join(k, ",")] = m.GetCounter().GetValue()
	}
	want := map[string]float64{"agent=bob,tool=list": 1, "agent=al\"i\\ce\n,tool=list": 2, "agent=bob,tool=get": 0.25}
	for k, v := range want {
		if calls[k] != v {
			t.Errorf("t_calls_total{%s} = %v, want %v (all: %v)", k, calls[k], v, calls)
		}
	}
	if g := fams["t_gauge"].GetMetric()[0].GetGauge().GetValue(); g != 1e6 {
		t.Errorf("t_gauge %v", g)
	}
	for _, m := range fams["t_latency_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() != "list" {
			continue
		}
		h := m.GetHistogram()
		if h.GetSampleCount() != 3 || h.GetSampleSum() != 1000.705 {
			t.Errorf("histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
		}
		var cum []uint64
		for _, b := range h.GetBucket() {
			cum = append(cum, b.GetCumulativeCount())
		}
		if want := []uint64{1, 1, 2, 2, 2, 3}; !equalU(cum, want) {
			t.Errorf("buckets %v, want %v", cum, want)
		}
		if last := h.GetBucket()[len(h.GetBucket())-1].GetUpperBound(); !math.IsInf(last, +1) {
			t.Errorf("last bucket %v", last)
		}
	}
}

func equalU(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAppendFloat(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 1: "1", -1: "-1", math.Inf(+1): "+Inf", math.Inf(-1): "-Inf", math.NaN(): "NaN",
		0.005: "0.005", 2.5: "2.5", 300: "300", 123456: "123456", 1e6: "1e+06", 1234567: "1.234567e+06",
		0.0001: "0.0001", 0.00001: "1e-05", math.MaxUint64: "1.8446744073709552e+19", 9.223372036854776e+18: "9.223372036854776e+18",
	} {
		if got := string(AppendFloat(nil, f)); got != want {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	hs := httptest.NewServer(Handler(testRegistry()))
	defer hs.Close()
	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body gzipped
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var body io.Reader = resp.Body
		if gz {
			if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("Content-Encoding %q", ce)
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\nt_sync_seconds_count 1\n") {
			t.Errorf("gzip %v: body\n%s", gz, b)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=1.0, *;q=0.5": true, "GZIP": true,
		"gzip;q=0": false, "gzip; q=0.0": false, "identity": false, "x-gzip": false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}
