package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/server"
)

// httpFlags are the HTTP transport's limits and operations settings: how
// much a client may send and how slowly, how many sessions it may hold, how
// shutdown drains, and where metrics are served.
type httpFlags struct {
	MaxBodyBytes      int64
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	SessionIdleTTL    time.Duration
	SessionsPerAgent  int
	DrainDelay        time.Duration
	ShutdownTimeout   time.Duration
	MetricsListen     string
}

func addHTTPFlags(fs *flag.FlagSet, v *httpFlags) {
	fs.Int64Var(&v.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest HTTP request body accepted; larger ones get 413")
	fs.DurationVar(&v.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send the request headers")
	fs.DurationVar(&v.ReadTimeout, "read-timeout", 30*time.Second, "time a client has to send a whole request, body included (a running call is not cut by it)")
	fs.DurationVar(&v.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept open")
	fs.DurationVar(&v.SessionIdleTTL, "session-idle-ttl", server.DefaultSessionIdleTTL, "end an MCP session unused for this long")
	fs.IntVar(&v.SessionsPerAgent, "sessions-per-agent", server.DefaultSessionsPerAgent, "most MCP sessions (streamable and SSE) one agent may hold open")
	fs.DurationVar(&v.DrainDelay, "drain-delay", 5*time.Second, "on SIGTERM, keep serving this long with /readyz at 503 so load balancers stop sending, then close")
	fs.DurationVar(&v.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "on SIGTERM, the longest wait for running calls after the drain delay")
	fs.StringVar(&v.MetricsListen, "metrics-listen", "", "serve Prometheus /metrics on this address without authentication (default: at /metrics on --listen, for any agent's token)")
}

func (v *httpFlags) check() error {
	switch {
	case v.MaxBodyBytes < 1024:
		return fmt.Errorf("--max-body-bytes %d is too small: MCP messages need at least 1024", v.MaxBodyBytes)
	case v.ReadHeaderTimeout <= 0, v.ReadTimeout <= 0, v.IdleTimeout <= 0, v.SessionIdleTTL <= 0:
		return fmt.Errorf("--read-header-timeout, --read-timeout, --idle-timeout and --session-idle-ttl must be positive durations such as 30s")
	case v.SessionsPerAgent < 1:
		return fmt.Errorf("--sessions-per-agent must be 1 or more")
	case v.DrainDelay < 0 || v.ShutdownTimeout <= 0:
		return fmt.Errorf("--drain-delay must be 0 or more and --shutdown-timeout positive")
	}
	return nil
}
