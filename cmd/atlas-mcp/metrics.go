package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/atlas-mcp/atlas-mcp/internal/server"
)

// newMetrics is the process's own registry (never the global default), with
// the Go runtime and process collectors beside the server's metrics: memory
// and file descriptors are what an operator watches first.
func newMetrics() (*prometheus.Registry, *server.Metrics) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, server.NewMetrics(reg)
}
