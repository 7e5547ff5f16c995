package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// simCommand runs the Atlas simulator as its own process, so other MCP servers
// and clients can be pointed at it (MONGODB_ATLAS_BASE_URL / MDB_MCP_API_BASE_URL).
func simCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9999", "address to listen on")
	gov := fs.Bool("gov", false, "enforce Atlas for Government rules")
	seed := fs.Bool("seed", true, "load demo data")
	lax := fs.Bool("lax-bodies", false, "skip the Atlas request-schema check of bodies (by default unknown and readOnly fields, wrong types and patterns are refused as Atlas refuses them)")
	tokenTTL := fs.Duration("token-ttl", time.Hour, "service account token lifetime")
	transition := fs.Duration("cluster-transition", 3*time.Second, "how long clusters stay CREATING/UPDATING/DELETING")
	certFile := fs.String("tls-cert", "", "TLS certificate file (with --tls-key)")
	keyFile := fs.String("tls-key", "", "TLS key file")
	selfSigned := fs.Bool("tls-self-signed", false, "serve HTTPS with a fresh self-signed certificate for 127.0.0.1")
	certOut := fs.String("tls-cert-out", "", "with --tls-self-signed: write the certificate PEM here, for clients to trust")
	limitClusters := fs.Int("clusters-capacity", 0, "override the clusters bucket capacity (0: seed default)")
	limitRefill := fs.Int("clusters-refill", 0, "override the clusters bucket refill per minute")
	limitStandard := fs.Int("standard-capacity", 0, "override the standard bucket capacity (0: seed default), e.g. for benchmarks of clients that call standard endpoints on every tool call")
	limitStandardRefill := fs.Int("standard-refill", 0, "override the standard bucket refill per minute")
	bulkClusters := fs.Int("bulk-clusters", 0, "add this many IDLE clusters (bulk-1 … bulk-N) to the demo project, for long lists and benchmarks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("atlas-mcp sim takes flags only, got %q (see atlas-mcp sim -h)", fs.Args())
	}
	if (*certFile == "") != (*keyFile == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	opts := atlassim.Options{Seed: *seed, Gov: *gov, TokenTTL: *tokenTTL, ClusterTransition: *transition, StrictBodies: !*lax}
	sim := atlassim.New(opts)
	if *limitClusters > 0 {
		refill := *limitRefill
		if refill <= 0 {
			refill = *limitClusters
		}
		sim.SetLimit("clusters", atlassim.Limit{Capacity: *limitClusters, Refill: refill, Per: time.Minute})
	}
	if *limitStandard > 0 {
		refill := *limitStandardRefill
		if refill <= 0 {
			refill = *limitStandard
		}
		sim.SetLimit(atlassim.SetStandard, atlassim.Limit{Capacity: *limitStandard, Refill: refill, Per: time.Minute})
	}
	if *bulkClusters > 0 {
		sim.AddClusters(atlassim.DemoProjectID, *bulkClusters, "bulk")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	srv := &http.Server{Handler: withDebugEndpoints(sim), ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	switch {
	case *selfSigned:
		tc, pem, err := atlassim.SelfSignedTLS()
		if err != nil {
			ln.Close()
			return err
		}
		if *certOut != "" {
			if err := os.WriteFile(*certOut, pem, 0o644); err != nil {
				ln.Close()
				return fmt.Errorf("--tls-cert-out: %w", err)
			}
		}
		ln = tls.NewListener(ln, tc)
		scheme = "https"
	case *certFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	fmt.Fprintf(stderr, "atlas-mcp sim: Atlas simulator at %s://%s (service account %s / %s; API key %s / %s; org %s, project %s)\n",
		scheme, ln.Addr(), atlassim.DemoClientID, atlassim.DemoClientSecret, atlassim.DemoPublicKey, atlassim.DemoPrivateKey, atlassim.DemoOrgID, atlassim.DemoProjectID)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// withDebugEndpoints adds /_sim/requests to the standalone simulator: GET lists
// every request it answered (so tests in other languages can prove what did or
// did not reach "Atlas"), DELETE clears the log. Real Atlas has no such path.
func withDebugEndpoints(sim *atlassim.Sim) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_sim/requests" {
			sim.ServeHTTP(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			reqs := sim.Requests()
			if reqs == nil {
				reqs = []atlassim.LoggedRequest{}
			}
			_ = json.NewEncoder(w).Encode(reqs)
		case http.MethodDelete:
			sim.ResetRequests()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "GET or DELETE", http.StatusMethodNotAllowed)
		}
	})
}
