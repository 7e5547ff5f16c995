package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasspec"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/internal/metrics"
	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// app is a built server with what must be closed after it.
type app struct {
	cfg    *config
	log    *zap.Logger
	server *server.Server
	policy *policy.Policy
	env    *tools.Env
	tools  []*tools.Tool
	audit  *audit.Log
	close  []func()
	// metrics and their registry (metrics.go); nil unless serving HTTP or --metrics-listen.
	metrics  *server.Metrics
	registry *metrics.Registry
	// approvals is nil when the policy uses no approvals and no store is set.
	approvals *approvals.Service
	// consoleSSO signs approvers in to /approvals with the identity
	// provider (HTTP transport, identity.oauth.console).
	consoleSSO *approvals.SSO
}

func (a *app) Close() {
	if a.server != nil {
		// Running calls are cancelled and given time to record their
		// outcome before the audit log closes.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		a.server.Close(ctx)
		cancel()
	}
	for i := len(a.close) - 1; i >= 0; i-- {
		a.close[i]()
	}
}

// newLogger writes to stderr only: stdout belongs to the stdio transport.
func newLogger(level string, stderr io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(stderr), lvl)
	return zap.New(core), nil
}

// loadPolicy reads the policy file, or takes the built-in default; the CLI
// switches are applied on top of either.
func loadPolicy(cfg *config) (*policy.Policy, error) {
	return loadPolicyFor(cfg, tools.ForCloud(cfg.cloud()))
}

// loadPolicyFor is loadPolicy with the cloud's whole catalogue already built
// (build has it: the served tools are its toolsets' part of it).
func loadPolicyFor(cfg *config, cloudTools []*tools.Tool) (*policy.Policy, error) {
	// With the catalogue the policy checks tool names exactly: a misspelt
	// deny entry is a load error, and an unknown tool is refused. It is the
	// whole cloud's, not only the --toolsets served: a policy may name any.
	var catalogue []policy.ToolInfo
	for _, t := range cloudTools {
		catalogue = append(catalogue, server.ToolInfo(t))
	}
	lookup := cfg.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	opts := policy.Options{ReadOnly: cfg.ReadOnly, DisableDestructive: cfg.DisableDestructive, LookupEnv: lookup, Tools: catalogue}
	if cfg.PolicyPath == "" {
		return policy.Default(opts), nil
	}
	return policy.Load(cfg.PolicyPath, opts)
}

// build wires everything: sandbox simulator (if asked), client, tools, policy,
// audit log, server.
func build(ctx context.Context, cfg *config, stdout, stderr io.Writer) (*app, error) {
	log, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	if cfg.Sandbox {
		if err := a.startSandbox(stderr); err != nil {
			return nil, err
		}
	}
	if cfg.Credentials == (atlasclient.Credentials{}) {
		return nil, fmt.Errorf("no Atlas credentials: set MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (service account), or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (API key); or try --sandbox")
	}
	base := cfg.BaseURL
	if base == "" {
		base = atlasclient.BaseURLFor(cfg.cloud())
	} else if cfg.AppServicesBaseURL == "" {
		// A custom base (a proxy, a simulator) serves App Services beside the
		// Admin API; never fall through to the public App Services host then.
		cfg.AppServicesBaseURL = base + "/api/admin/v3.0"
	}
	if cfg.Transport == "http" || cfg.HTTP.MetricsListen != "" {
		a.registry, a.metrics = newMetrics()
	}
	client, err := atlasclient.New(atlasclient.Config{
		BaseURL:            base,
		AppServicesBaseURL: cfg.AppServicesBaseURL,
		Credentials:        cfg.Credentials,
		UserAgent:          "atlas-mcp/" + version,
		Limits:             cfg.limits(),
		Logger:             log,
		Hook:               a.metrics.AtlasHook(),
	})
	if err != nil {
		return nil, err
	}
	a.env = &tools.Env{Client: client, Cloud: cfg.cloud(), DefaultProjectID: cfg.ProjectID, DefaultOrgID: cfg.OrgID, Bodies: atlasspec.New(), PlanKey: planKey(cfg)}
	cloudTools := tools.ForCloud(cfg.cloud())
	a.tools = tools.InAreas(cloudTools, cfg.Toolsets)

	if a.policy, err = loadPolicyFor(cfg, cloudTools); err != nil {
		return nil, err
	}
	if cfg.Transport == "stdio" && a.policy.DefaultAgent() == nil {
		fmt.Fprintf(stderr, "atlas-mcp: %s has no default agent, so calls over stdio and atlas-mcp call are refused; set default: true on the agent they should act as (agents: %s).\n", a.policy.Source(), strings.Join(agentNames(a.policy), ", "))
	}
	if a.audit, err = openAudit(cfg, log, stdout, stderr, a.metrics.AuditObserver()); err != nil {
		return nil, err
	}
	a.close = append(a.close, func() { _ = a.audit.Close() })

	if err := a.openApprovals(ctx); err != nil {
		return nil, err
	}
	a.server, err = server.New(server.Options{
		Tools:          a.tools,
		Env:            a.env,
		Policy:         a.policy,
		Audit:          a.audit,
		Logger:         log,
		Version:        version,
		Secrets:        cfg.secrets(),
		AuditFailReads: cfg.AuditFailReads,
		Sandbox:        cfg.Sandbox,
		Metrics:        a.metrics,
		ShutdownGrace:  cfg.ShutdownGrace,
		Approvals:      a.approvals,
		ConsoleSSO:     a.consoleSSO,
		OutputSchemas:  cfg.OutputSchemas,
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// startSandbox runs the simulator in-process on a loopback port with demo data
// and points the configuration at it. It says so on stderr, loudly.
func (a *app) startSandbox(stderr io.Writer) error {
	cfg := a.cfg
	sim := atlassim.New(atlassim.Options{Seed: true, Gov: cfg.Cloud == "gov", StrictBodies: true})
	state, err := persistSandbox(cfg, sim, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	srv := &http.Server{Handler: state, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	a.close = append(a.close, func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String()
	cfg.BaseURL = url
	cfg.AppServicesBaseURL = url + "/api/admin/v3.0"
	cfg.Credentials = atlasclient.Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret, PublicKey: atlassim.DemoPublicKey, PrivateKey: atlassim.DemoPrivateKey}
	if cfg.ProjectID == "" {
		cfg.ProjectID = atlassim.DemoProjectID
	}
	if cfg.OrgID == "" {
		cfg.OrgID = atlassim.DemoOrgID
	}
	fmt.Fprintf(stderr, "atlas-mcp: SANDBOX — using the built-in Atlas simulator at %s with demo data (org %s, project %s). Nothing here reaches real MongoDB Atlas.\n", url, cfg.OrgID, cfg.ProjectID)
	fmt.Fprintf(stderr, "atlas-mcp: the sandbox keeps its state between calls in %s; atlas-mcp sandbox reset starts again from the demo data.\n", state.Path())
	return nil
}

// openAudit opens the configured audit log. When none was configured and the
// default location is unusable (no home directory, a read-only home in a
// container), it falls back to the temporary directory and says where: a
// server that cannot start helps nobody, and the records are still kept.
func openAudit(cfg *config, log *zap.Logger, stdout, stderr io.Writer, obs audit.Observer) (*audit.Log, error) {
	opts := audit.Options{Sync: audit.SyncMode(cfg.AuditSync), MaxBytes: cfg.AuditMaxBytes, Logger: log, Secrets: cfg.secrets(), Observer: obs}
	if err := anchorOptions(cfg, &opts, stderr); err != nil {
		return nil, err
	}
	if cfg.AuditLog == "-" {
		// Records stream to stdout for a SIEM; the durable file that the
		// intent-before-send rule needs stays at the default location.
		opts.Export = stdout
	}
	if cfg.AuditLog != "" && cfg.AuditLog != "-" {
		opts.Path = cfg.AuditLog
		l, err := audit.Open(opts)
		if err != nil {
			return nil, fmt.Errorf("opening the audit log (--audit-log / ATLAS_MCP_AUDIT_LOG): %w", err)
		}
		return l, nil
	}
	name := "audit.jsonl"
	if cfg.Sandbox {
		// Keep sandbox records apart from records of real Atlas calls.
		name = "sandbox-audit.jsonl"
	}
	def, err := audit.DefaultPath()
	if err == nil {
		opts.Path = filepath.Join(filepath.Dir(def), name)
		l, oerr := audit.Open(opts)
		if oerr == nil {
			return l, nil
		}
		err = oerr
	}
	opts.Path = filepath.Join(fallbackDir(), name)
	l, terr := audit.Open(opts)
	if terr != nil {
		return nil, fmt.Errorf("no usable audit log (default location: %v; fallback %s: %v); set --audit-log or ATLAS_MCP_AUDIT_LOG", err, opts.Path, terr)
	}
	fmt.Fprintf(stderr, "atlas-mcp: the default audit log location is unusable (%v); writing the audit log to %s instead. Set ATLAS_MCP_AUDIT_LOG to choose.\n", err, opts.Path)
	return l, nil
}

// anchorOptions loads the checkpoint key and sinks.
func anchorOptions(cfg *config, opts *audit.Options, stderr io.Writer) error {
	if cfg.AuditKey == "" {
		return nil
	}
	skey, err := os.ReadFile(cfg.AuditKey)
	if err != nil {
		return fmt.Errorf("--audit-key / ATLAS_MCP_AUDIT_KEY: %w", err)
	}
	if opts.Signer, err = audit.NewSigner(string(skey)); err != nil {
		return fmt.Errorf("--audit-key %s: %w (create one with atlas-mcp audit keygen FILE)", cfg.AuditKey, err)
	}
	if opts.Sinks, err = audit.ParseSinks(cfg.AuditCheckpoints, stderr); err != nil {
		return fmt.Errorf("--audit-checkpoints: %w", err)
	}
	for _, s := range opts.Sinks {
		if fs, ok := s.(*audit.FileSink); ok && cfg.AuditLog != "" && filepath.Clean(fs.Path) == filepath.Clean(cfg.AuditLog) {
			return fmt.Errorf("--audit-checkpoints %s is the audit log itself: checkpoints prove something only when kept apart from the log", fs.Path)
		}
	}
	opts.CheckpointInterval = cfg.AuditCheckpointInterval
	return nil
}

// planKey keys the commitments to secret values in plan hashes. It is derived
// from the Atlas credential, which every replica of one deployment shares and
// which whoever reads the audit log or the approval store does not hold: so a
// call approved on one replica hashes the same when it resumes on another,
// and a recorded hash cannot be used to test guesses of a password. Without
// a credential (nothing to send to), a random key per process is used.
func planKey(cfg *config) []byte {
	secrets := cfg.secrets()
	if len(secrets) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, []byte("atlas-mcp plan-hash key v1"))
	for _, s := range secrets {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}
