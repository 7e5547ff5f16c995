package server

import (
	"strconv"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/internal/metrics"
)

// Metrics are the server's Prometheus measurements. Labels are bounded by
// construction: tool names come from the catalogue, agent names from the
// policy, operations are path templates, statuses are HTTP codes — never an
// ID, a cluster name or anything else a caller chooses.
//
// A nil *Metrics is valid and measures nothing, so every call site can use it
// unconditionally.
type Metrics struct {
	calls        *metrics.CounterVec
	callSeconds  *metrics.HistogramVec
	atlasReqs    *metrics.CounterVec
	atlasSeconds *metrics.HistogramVec
	retries      *metrics.CounterVec
	throttled    *metrics.CounterVec
	bucketWait   *metrics.CounterVec
	auditAppend  *metrics.HistogramVec
	auditSync    *metrics.Histogram
	reloads      *metrics.CounterVec

	reg *metrics.Registry
}

// NewMetrics registers the server's metrics on reg (a registry of the
// caller's, never the global default).
func NewMetrics(reg *metrics.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		calls: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_tool_calls_total",
			Help: "Tool calls by tool, agent and outcome (ok, error, rate_limited, protocol_error).",
		}, []string{"tool", "agent", "outcome"}),
		callSeconds: metrics.NewHistogramVec(metrics.HistogramOpts{
			Name:    "atlas_mcp_tool_call_duration_seconds",
			Help:    "Tool call latency, including confirmations, Atlas requests and the audit write.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"tool"}),
		atlasReqs: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_atlas_requests_total",
			Help: "Logical Atlas requests by operation (path template), method and last HTTP status (0: no answer).",
		}, []string{"operation", "method", "status"}),
		atlasSeconds: metrics.NewHistogramVec(metrics.HistogramOpts{
			Name:    "atlas_mcp_atlas_request_duration_seconds",
			Help:    "Atlas request latency, all attempts and waits included.",
			Buckets: metrics.DefBuckets,
		}, []string{"operation"}),
		retries: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_atlas_retries_total",
			Help: "Atlas request attempts that were retries.",
		}, []string{"operation"}),
		throttled: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_atlas_rate_limited_total",
			Help: "429 answers from Atlas.",
		}, []string{"operation"}),
		bucketWait: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_atlas_bucket_wait_seconds_total",
			Help: "Time spent waiting on the client's token buckets, by rate set.",
		}, []string{"rate_set"}),
		auditAppend: metrics.NewHistogramVec(metrics.HistogramOpts{
			Name:    "atlas_mcp_audit_append_duration_seconds",
			Help:    "Audit Append latency, until the record is durable, by result (ok, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"result"}),
		auditSync: metrics.NewHistogram(metrics.HistogramOpts{
			Name:    "atlas_mcp_audit_fsync_duration_seconds",
			Help:    "Audit log fsync latency per batch.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		reloads: metrics.NewCounterVec(metrics.CounterOpts{
			Name: "atlas_mcp_policy_loads_total",
			Help: "Policy loads (start and reloads) by result (ok, rejected).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.calls, m.callSeconds, m.atlasReqs, m.atlasSeconds, m.retries, m.throttled, m.bucketWait, m.auditAppend, m.auditSync, m.reloads)
	return m
}

// attach registers the gauges that read the server's state at scrape time.
func (m *Metrics) attach(s *Server) {
	if m == nil {
		return
	}
	m.reg.MustRegister(
		metrics.NewGaugeFunc(metrics.GaugeOpts{
			Name: "atlas_mcp_pending_confirmations",
			Help: "Confirmations (elicitations and tokens) waiting for a person.",
		}, func() float64 { return float64(pendingCount(s.pending)) }),
		metrics.NewGaugeFunc(metrics.GaugeOpts{
			Name: "atlas_mcp_tool_calls_in_flight",
			Help: "Tool calls running now.",
		}, func() float64 { return float64(s.inflight.Load()) }),
		metrics.NewGaugeFunc(metrics.GaugeOpts{
			Name: "atlas_mcp_http_sessions",
			Help: "Open HTTP sessions (streamable and SSE).",
		}, func() float64 {
			if t := s.sessions.Load(); t != nil {
				return float64(t.len())
			}
			return 0
		}),
	)
}

func (m *Metrics) call(tool, agent, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(tool, agent, outcome).Inc()
	m.callSeconds.WithLabelValues(tool).Observe(d.Seconds())
}

func (m *Metrics) policyLoaded(ok bool) {
	if m == nil {
		return
	}
	r := "ok"
	if !ok {
		r = "rejected"
	}
	m.reloads.WithLabelValues(r).Inc()
}

// AtlasHook is atlasclient.Config.Hook: one call per logical Atlas request.
func (m *Metrics) AtlasHook() func(atlasclient.Event) {
	if m == nil {
		return nil
	}
	return func(ev atlasclient.Event) {
		op := ev.Operation
		if op == "" {
			op = "other" // a raw request outside the operation table; never its path
		}
		m.atlasReqs.WithLabelValues(op, ev.Method, strconv.Itoa(ev.Status)).Inc()
		m.atlasSeconds.WithLabelValues(op).Observe(ev.Duration.Seconds())
		if ev.Retries > 0 {
			m.retries.WithLabelValues(op).Add(float64(ev.Retries))
		}
		if ev.Throttled > 0 {
			m.throttled.WithLabelValues(op).Add(float64(ev.Throttled))
		}
		if ev.BucketWait > 0 {
			m.bucketWait.WithLabelValues(ev.RateSet).Add(ev.BucketWait.Seconds())
		}
	}
}

// AuditObserver is audit.Options.Observer.
func (m *Metrics) AuditObserver() audit.Observer {
	if m == nil {
		return audit.Observer{}
	}
	return audit.Observer{
		Append: func(d time.Duration, err error) {
			r := "ok"
			if err != nil {
				r = "error"
			}
			m.auditAppend.WithLabelValues(r).Observe(d.Seconds())
		},
		Sync: func(d time.Duration, _ int) { m.auditSync.Observe(d.Seconds()) },
	}
}

// pendingCount reads the confirmation store's size at scrape time.
func pendingCount(ps *pendingStore) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.items)
}
