package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/server"
)

// serve runs the configured transport until a signal, stdin EOF (stdio) or a
// listener error. On SIGTERM the HTTP server drains: /readyz turns 503 first,
// in-flight calls finish, then the process exits.
func serve(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) error {
	a, err := build(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Transport == "stdio" {
		a.log.Info("serving MCP over stdio", zap.Int("tools", len(a.server.Registered())))
		return a.server.ServeStdio(ctx, stdin, stdout)
	}
	if a.policy.Source() == "" || len(tokenAgents(a)) == 0 {
		return fmt.Errorf("HTTP mode needs a policy file whose agents have tokens (tokenSha256 or tokenEnv): with --transport http every request must carry an agent's bearer token; see testdata/policies/multi-agent.yaml%s", sandboxHTTPHint(cfg))
	}
	handler, shutdown := a.server.HTTPHandler(server.HTTPOptions{Stateless: cfg.Stateless, AllowedOrigins: cfg.AllowedOrigins})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "atlas-mcp: serving streamable HTTP at http://%s/mcp (SSE at /sse)\n", ln.Addr())
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	a.log.Info("shutting down: draining in-flight calls")
	sctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	_ = shutdown(sctx)
	return srv.Shutdown(sctx)
}

func tokenAgents(a *app) []string {
	var out []string
	for _, ag := range a.policy.Agents() {
		if ag.HasToken() {
			out = append(out, ag.Name)
		}
	}
	return out
}
