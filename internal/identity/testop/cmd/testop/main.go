// Command testop runs the test OpenID provider of package testop on loopback,
// for the end-to-end suite (a Node process cannot start a Go test helper
// otherwise). It prints "testop: issuer URL" on stderr once it serves, and runs
// until killed.
//
//	testop --config clients.json [--listen 127.0.0.1:0]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testop:", err)
		os.Exit(1)
	}
}

func run() error {
	config := flag.String("config", "", "JSON file: {\"clients\": [{\"id\", \"secret\", \"audience\": [...], \"redirects\": [...], \"groups\": [...]}], \"user\": {\"subject\", \"groups\"}}")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (loopback)")
	flag.Parse()
	var cfg testop.Config
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("%s: %w", *config, err)
		}
	}
	cfg.Addr = *listen
	op, err := testop.Start(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = op.Close() }()
	fmt.Fprintf(os.Stderr, "testop: issuer %s\n", op.Issuer)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
