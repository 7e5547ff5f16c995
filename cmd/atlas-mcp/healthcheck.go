package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// healthcheckCommand probes a running HTTP-mode server's /healthz and exits 0
// when it answers 200, 1 otherwise. It exists because the container image is
// distroless: there is no curl or wget for a Docker HEALTHCHECK to run, so the
// binary probes itself. Exit status 1 (never 2) is what Docker reads as
// "unhealthy"; 2 is reserved there. Kubernetes should use an httpGet probe on
// /healthz and /readyz instead.
func healthcheckCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "http://127.0.0.1:8080/healthz", "health endpoint to probe")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck: unexpected argument %q (use --url)", fs.Arg(0))
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("healthcheck: --url %q: want http://HOST:PORT/healthz", *target)
	}
	if *timeout <= 0 {
		return fmt.Errorf("healthcheck: --timeout must be positive")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	status, err := probe(ctx, u.String())
	if err != nil {
		fmt.Fprintf(stderr, "atlas-mcp healthcheck: %s: %v\n", u, err)
		return exitError{code: 1}
	}
	if status != http.StatusOK {
		fmt.Fprintf(stderr, "atlas-mcp healthcheck: %s answered %d\n", u, status)
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "ok\n")
	return nil
}

// probe GETs target once, without redirects: a health endpoint that redirects
// is misconfigured, not healthy.
func probe(ctx context.Context, target string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer in time: %w", err)
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}
