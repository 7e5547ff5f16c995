package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/metrics"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// serve runs the configured transport until a signal, stdin EOF (stdio) or a
// listener error. On SIGTERM the HTTP server drains: /readyz turns 503 and no
// new session opens, it keeps serving for --drain-delay and until running
// calls finish (at most --shutdown-timeout), then the process exits. SIGHUP
// and edits of the policy file reload the policy.
func serve(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) error {
	if cfg.AuditLog == "-" && cfg.Transport == "stdio" {
		return fmt.Errorf("--audit-log - streams audit records to stdout, which the stdio transport uses for MCP messages: use --transport http, or give the audit log a file")
	}
	var startupDone func()
	if cfg.Transport == "stdio" {
		// Before build: building the catalogue is most of start-up's garbage.
		startupDone = stdioGC(cfg)
	}
	a, err := build(ctx, cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if !a.audit.Anchored() {
		fmt.Fprintf(stderr, "atlas-mcp: the audit log %s is not anchored: without --audit-key and --audit-checkpoints nothing signed is kept apart from it, so cutting its tail, emptying it or rewriting it would not be detected. Create a key with: atlas-mcp audit keygen FILE\n", a.audit.Path())
	}
	if cfg.Transport == "http" && (a.policy.Source() == "" || len(tokenAgents(a.policy)) == 0) {
		return fmt.Errorf("HTTP mode needs a policy file whose agents have tokens (tokenSha256 or tokenEnv) or OAuth match: rules (with identity.oauth): with --transport http every request must carry an agent's bearer token; see testdata/policies/multi-agent.yaml%s", sandboxHTTPHint(cfg))
	}
	if cfg.PolicyPath != "" {
		stop := watchPolicy(ctx, a, stderr)
		defer stop()
	}
	if cfg.HTTP.MetricsListen != "" {
		stop, err := serveMetrics(a, stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Transport == "stdio" {
		if startupDone != nil {
			a.server.OnStartupDone(startupDone)
		}
		a.log.Info("serving MCP over stdio", zap.Int("tools", len(a.server.Registered())))
		return a.server.ServeStdio(ctx, stdin, stdout)
	}
	return serveHTTP(ctx, a, stderr)
}

func serveHTTP(ctx context.Context, a *app, stderr io.Writer) error {
	cfg := a.cfg
	o := server.HTTPOptions{
		Stateless:        cfg.Stateless,
		AllowedOrigins:   cfg.AllowedOrigins,
		MaxBodyBytes:     cfg.HTTP.MaxBodyBytes,
		SessionIdleTTL:   cfg.HTTP.SessionIdleTTL,
		SessionsPerAgent: cfg.HTTP.SessionsPerAgent,
		DrainDelay:       cfg.HTTP.DrainDelay,
	}
	if cfg.HTTP.MetricsListen == "" && a.registry != nil {
		o.Metrics = metrics.Handler(a.registry)
	}
	handler, shutdown := a.server.HTTPHandler(o)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	srv := server.NewHTTPServer(handler, server.HTTPTimeouts{
		ReadHeader: cfg.HTTP.ReadHeaderTimeout,
		Read:       cfg.HTTP.ReadTimeout,
		Idle:       cfg.HTTP.IdleTimeout,
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "atlas-mcp: serving streamable HTTP at http://%s/mcp (SSE at /sse)\n", ln.Addr())
	if o := a.policy.OAuth(); o != nil {
		// Hosts will be sent to these; a typo in resource shows up here, not as
		// every token refused for its audience.
		var iss []string
		for _, is := range o.Issuers {
			iss = append(iss, is.Issuer)
		}
		fmt.Fprintf(stderr, "atlas-mcp: OAuth resource %s, trusted issuers %s\n", o.Resource, strings.Join(iss, ", "))
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	a.log.Info("shutting down: /readyz is 503, draining in-flight calls",
		zap.Duration("drainDelay", cfg.HTTP.DrainDelay), zap.Duration("shutdownTimeout", cfg.HTTP.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.DrainDelay+cfg.HTTP.ShutdownTimeout)
	defer cancel()
	// Calls still running after the grace period (a wait:true poll) are
	// cancelled, so they write their outcome record before the drain ends.
	grace := time.AfterFunc(cfg.ShutdownGrace, a.server.CancelCalls)
	defer grace.Stop()
	_ = shutdown(sctx)
	return srv.Shutdown(sctx)
}

// watchPolicy reloads the policy on SIGHUP and when its file changes, with
// the same checks as at start. It returns the function that stops it.
func watchPolicy(ctx context.Context, a *app, stderr io.Writer) func() {
	ctx, cancel := context.WithCancel(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	w := &server.PolicyWatcher{
		Server: a.server,
		Path:   a.cfg.PolicyPath,
		Stderr: stderr,
		Load: func() (*policy.Policy, error) {
			p, err := loadPolicy(a.cfg)
			if err != nil {
				return nil, err
			}
			if a.cfg.Transport == "http" && len(tokenAgents(p)) == 0 {
				return nil, fmt.Errorf("no agent of the new policy has a token (tokenSha256 or tokenEnv), so no HTTP client could connect")
			}
			return p, nil
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx, hup); err != nil {
			a.log.Error("policy reload is off", zap.Error(err))
			fmt.Fprintf(stderr, "atlas-mcp: the policy will not reload on change: %v (SIGHUP is off too)\n", err)
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}

// serveMetrics serves /metrics on --metrics-listen: a separate port, meant
// to be reachable only by the monitoring system, so it needs no token.
func serveMetrics(a *app, stderr io.Writer) (func(), error) {
	ln, err := net.Listen("tcp", a.cfg.HTTP.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen %s: %w", a.cfg.HTTP.MetricsListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(a.registry))
	srv := server.NewHTTPServer(mux, server.HTTPTimeouts{})
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stderr, "atlas-mcp: serving Prometheus metrics at http://%s/metrics\n", ln.Addr())
	return func() { _ = srv.Close() }, nil
}

func tokenAgents(p *policy.Policy) []string {
	var out []string
	for _, ag := range p.Agents() {
		// An OAuth match needs identity.oauth, which the policy checked at load.
		if ag.HasToken() || ag.HasMatch() {
			out = append(out, ag.Name)
		}
	}
	return out
}

// stdioGCPercent is the garbage collector's target over stdio once start-up
// is over (Go's default is 100). A stdio server has one host, calls arrive one
// at a time and the live heap stays under a megabyte, so Go's 4 MiB minimum
// heap goal is most of the process's memory: at 50 the goal is 2 MiB, peak RSS
// drops by about 2 MiB, and the extra collections of a sub-megabyte heap cost
// microseconds per call (BenchmarkToolCall; README, Benchmarks).
//
// startupGCPercent is the target until the host's first tools/list has been
// answered (or its first call arrives). Start-up allocates about 3 MiB that is
// all garbage by then (the schema library's meta-schemas, the catalogue, the
// tools/list answer), and at 50 or 100 a collection runs in the middle of
// initialize or tools/list: about 2 ms of a 20 ms cold start (bench/run
// --startup). At 400 none runs before the host has its tools; the first one
// comes right after, while the host reads the list, and reclaims it all.
//
// An operator's GOGC or GOMEMLIMIT always wins: neither target is set then.
const (
	stdioGCPercent   = 50
	startupGCPercent = 400
)

// stdioGC sets the start-up target and returns what ends start-up (nil when
// the operator chose the collector's settings).
func stdioGC(cfg *config) func() {
	lookup := cfg.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if _, set := lookup("GOGC"); set {
		return nil
	}
	if _, set := lookup("GOMEMLIMIT"); set {
		return nil
	}
	debug.SetGCPercent(startupGCPercent)
	return func() { debug.SetGCPercent(stdioGCPercent) }
}
