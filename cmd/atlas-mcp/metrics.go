package main

import (
	"github.com/atlas-mcp/atlas-mcp/internal/metrics"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
)

// newMetrics is the process's own registry (never the global default), with
// the Go runtime and process collectors beside the server's metrics: memory
// and file descriptors are what an operator watches first.
func newMetrics() (*metrics.Registry, *server.Metrics) {
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.NewGoCollector(), metrics.NewProcessCollector())
	return reg, server.NewMetrics(reg)
}
