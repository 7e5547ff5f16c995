package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// config is everything main needs, resolved from flags, then environment, then
// defaults: a flag that was given beats the environment, which beats the default.
type config struct {
	Transport          string
	Listen             string
	Cloud              string
	BaseURL            string
	AppServicesBaseURL string
	PolicyPath         string
	AuditLog           string
	AuditSync          string
	AuditMaxBytes      int64
	AuditFailReads     string
	// AuditKey is the checkpoint signing key file; AuditCheckpoints the
	// sinks (comma-separated: file, directory, stderr, http(s) URL).
	AuditKey                string
	AuditCheckpoints        string
	AuditCheckpointInterval time.Duration
	// ShutdownGrace is how long running calls may finish at shutdown before
	// they are cancelled (and record their outcome).
	ShutdownGrace      time.Duration
	ReadOnly           bool
	DisableDestructive bool
	// OutputSchemas advertises compact output schemas in tools/list, for
	// hosts that validate structuredContent (server.Options.OutputSchemas).
	OutputSchemas bool
	// Toolsets are the areas whose tools are registered (--toolsets); empty:
	// every area. atlas-whoami is always registered.
	Toolsets       []tools.Area
	Sandbox        bool
	Stateless      bool
	AllowedOrigins []string
	ProjectID      string
	OrgID          string
	LogLevel       string
	// RateLimitShare scales every client token bucket: replicas that share one
	// Atlas project's budget each take their part (0 < share <= 1).
	RateLimitShare float64
	// StandardRateLimit is the burst, and the refill per minute, of each
	// scope's bucket for the sets Atlas publishes no figure for (standard, App
	// Services); 0 turns client-side limiting of them off. Left at its default
	// it is a guess that Atlas's RateLimit-Limit/Remaining answers override.
	StandardRateLimit    int
	standardRateLimitSet bool
	Credentials          atlasclient.Credentials
	// HTTP are the HTTP transport's limits and operations settings.
	HTTP httpFlags
	// Approvals configures the approval store, console URL and webhook
	// (approvalscfg.go).
	Approvals approvalsConfig
	// lookupEnv is the environment the config was resolved from; the policy
	// resolves agents' tokenEnv through it too (not through os.LookupEnv), so
	// run's env parameter is the only environment the CLI reads.
	lookupEnv func(string) (string, bool)

	// SandboxState is the file the sandbox keeps its Atlas data in between
	// processes; empty means beside the audit log (see sandboxStatePath).
	SandboxState string
	// PolicyFrom says where PolicyPath came from ("--policy" or
	// "ATLAS_MCP_POLICY"), so commands can say which policy they used.
	PolicyFrom string
}

// flagValues holds raw flag values; set records which were given.
type flagValues struct {
	transport, listen, cloud, policy, auditLog, auditSync, auditFailReads, logLevel, origins, baseURL string
	toolsets                                                                                          string
	auditKey, auditCheckpoints                                                                        string
	auditCheckpointInterval, shutdownGrace                                                            time.Duration
	auditMaxBytes                                                                                     int64
	rateShare                                                                                         float64
	standardLimit                                                                                     int
	readOnly, disableDestructive, sandbox, stateless, outputSchemas                                   bool
	http                                                                                              httpFlags

	sandboxState                 string
	approvalsStore, approvalsURL string
}

func addGlobalFlags(fs *flag.FlagSet, v *flagValues) {
	fs.StringVar(&v.transport, "transport", "stdio", "transport: stdio or http")
	fs.StringVar(&v.listen, "listen", "127.0.0.1:8080", "address for --transport http")
	fs.StringVar(&v.cloud, "cloud", "commercial", "Atlas cloud: commercial or gov (env ATLAS_MCP_CLOUD)")
	fs.StringVar(&v.baseURL, "base-url", "", "Atlas base URL override (env MONGODB_ATLAS_BASE_URL)")
	fs.StringVar(&v.policy, "policy", "", "policy file (env ATLAS_MCP_POLICY); default: built-in safe policy")
	fs.StringVar(&v.auditLog, "audit-log", "", "audit log file (env ATLAS_MCP_AUDIT_LOG); default under the user's state directory")
	fs.StringVar(&v.auditSync, "audit-sync", "always", "audit fsync policy: always, or batch (share an fsync with the other calls in flight, waiting up to 10 ms for their records) (env ATLAS_MCP_AUDIT_SYNC)")
	fs.Int64Var(&v.auditMaxBytes, "audit-max-bytes", 100<<20, "rotate the audit log past this size (0: never)")
	fs.StringVar(&v.auditKey, "audit-key", "", "private key FILE that signs audit checkpoints (env ATLAS_MCP_AUDIT_KEY; create with atlas-mcp audit keygen FILE)")
	fs.StringVar(&v.auditCheckpoints, "audit-checkpoints", "", "where signed checkpoints go, not the log's volume: a file, a directory, stderr or an http(s) URL, comma-separated (env ATLAS_MCP_AUDIT_CHECKPOINTS)")
	fs.DurationVar(&v.auditCheckpointInterval, "audit-checkpoint-interval", audit.DefaultCheckpointInterval, "heartbeat: sign a checkpoint at least this often, even when idle")
	fs.DurationVar(&v.shutdownGrace, "shutdown-grace", 10*time.Second, "at shutdown, how long running calls may finish before they are cancelled and record their outcome")
	fs.StringVar(&v.auditFailReads, "audit-fail-reads", "closed", "when the audit log cannot be written, read tools are refused (closed) or answered (open)")
	fs.BoolVar(&v.readOnly, "read-only", false, "remove every write tool (env ATLAS_MCP_READ_ONLY)")
	fs.BoolVar(&v.disableDestructive, "disable-destructive", false, "remove every destructive tool (env ATLAS_MCP_DISABLE_DESTRUCTIVE)")
	fs.StringVar(&v.toolsets, "toolsets", "", "register only these areas' tools, comma-separated (e.g. clusters,backups; env ATLAS_MCP_TOOLSETS); default: all")
	fs.BoolVar(&v.outputSchemas, "output-schemas", false, "advertise each tool's output schema (compact) in tools/list, for hosts that validate structuredContent (env ATLAS_MCP_OUTPUT_SCHEMAS)")
	fs.BoolVar(&v.sandbox, "sandbox", false, "run against the built-in Atlas simulator with demo data (no credentials needed)")
	fs.StringVar(&v.sandboxState, "sandbox-state", "", "file where --sandbox keeps the simulator's data between calls (env ATLAS_MCP_SANDBOX_STATE); default: sandbox-state.json beside the audit log")
	fs.BoolVar(&v.stateless, "stateless", false, "streamable HTTP without sessions, for replicas behind a load balancer")
	fs.StringVar(&v.origins, "allowed-origin", "", "comma-separated browser origins allowed besides loopback (HTTP mode)")
	fs.StringVar(&v.logLevel, "log-level", "info", "log level on stderr: debug, info, warn, error")
	addHTTPFlags(fs, &v.http)
	fs.IntVar(&v.standardLimit, "standard-rate-limit", atlasclient.DefaultStandardLimit, "requests at once, then per minute, per scope for Atlas endpoints with no published limit (standard set, App Services); Atlas's RateLimit-* answers override the default; 0: off (env ATLAS_MCP_STANDARD_RATE_LIMIT)")
	fs.StringVar(&v.approvalsStore, "approvals-store", "", "approval store: sqlite:PATH or a postgres:// URL (env ATLAS_MCP_APPROVALS_STORE); default: approvals.db next to the audit log")
	fs.StringVar(&v.approvalsURL, "approvals-url", "", "public URL of the approval console, for links (env ATLAS_MCP_APPROVALS_URL); default http://LISTEN/approvals in HTTP mode")
	fs.Float64Var(&v.rateShare, "rate-limit-share", 1, "this process's share of Atlas's rate-limit budget, 0 < share <= 1 (env ATLAS_MCP_RATE_LIMIT_SHARE); e.g. 0.5 for each of two replicas")
}

// resolve builds the config. env is the environment lookup (os.LookupEnv in main).
func resolve(fs *flag.FlagSet, v *flagValues, env func(string) (string, bool)) (*config, error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	str := func(flagName string, flagVal string, envNames ...string) string {
		if given[flagName] {
			return flagVal
		}
		for _, n := range envNames {
			if e, ok := env(n); ok && e != "" {
				return e
			}
		}
		return flagVal
	}
	boolean := func(flagName string, flagVal bool, envName string) (bool, error) {
		if given[flagName] {
			return flagVal, nil
		}
		if e, ok := env(envName); ok && e != "" {
			b, err := strconv.ParseBool(e)
			if err != nil {
				return false, fmt.Errorf("%s=%q is not a boolean: use true or false", envName, e)
			}
			return b, nil
		}
		return flagVal, nil
	}
	c := &config{
		Transport:               v.transport,
		Listen:                  v.listen,
		Cloud:                   str("cloud", v.cloud, "ATLAS_MCP_CLOUD"),
		BaseURL:                 str("base-url", v.baseURL, "MONGODB_ATLAS_BASE_URL", "MDB_MCP_API_BASE_URL"),
		AppServicesBaseURL:      str("", "", "ATLAS_MCP_APPSERVICES_BASE_URL"),
		PolicyPath:              str("policy", v.policy, "ATLAS_MCP_POLICY"),
		AuditLog:                str("audit-log", v.auditLog, "ATLAS_MCP_AUDIT_LOG"),
		AuditSync:               str("audit-sync", v.auditSync, "ATLAS_MCP_AUDIT_SYNC"),
		AuditMaxBytes:           v.auditMaxBytes,
		AuditKey:                str("audit-key", v.auditKey, "ATLAS_MCP_AUDIT_KEY"),
		AuditCheckpoints:        str("audit-checkpoints", v.auditCheckpoints, "ATLAS_MCP_AUDIT_CHECKPOINTS"),
		AuditCheckpointInterval: v.auditCheckpointInterval,
		ShutdownGrace:           v.shutdownGrace,
		AuditFailReads:          v.auditFailReads,
		Sandbox:                 v.sandbox,
		Stateless:               v.stateless,
		ProjectID:               str("", "", "MONGODB_ATLAS_PROJECT_ID"),
		OrgID:                   str("", "", "MONGODB_ATLAS_ORG_ID"),
		LogLevel:                v.logLevel,
		HTTP:                    v.http,
		lookupEnv:               env,
		Approvals: approvalsConfig{
			Store:         str("approvals-store", v.approvalsStore, "ATLAS_MCP_APPROVALS_STORE"),
			URL:           str("approvals-url", v.approvalsURL, "ATLAS_MCP_APPROVALS_URL"),
			Webhook:       str("", "", "ATLAS_MCP_APPROVALS_WEBHOOK"),
			WebhookFormat: str("", "", "ATLAS_MCP_APPROVALS_WEBHOOK_FORMAT"),
		},
	}
	c.SandboxState = str("sandbox-state", v.sandboxState, "ATLAS_MCP_SANDBOX_STATE")
	switch {
	case given["policy"]:
		c.PolicyFrom = "--policy"
	case c.PolicyPath != "":
		c.PolicyFrom = "ATLAS_MCP_POLICY"
	}
	var err error
	c.RateLimitShare = v.rateShare
	if !given["rate-limit-share"] {
		if e, ok := env("ATLAS_MCP_RATE_LIMIT_SHARE"); ok && e != "" {
			if c.RateLimitShare, err = strconv.ParseFloat(e, 64); err != nil {
				return nil, fmt.Errorf("ATLAS_MCP_RATE_LIMIT_SHARE=%q is not a number: use a share such as 0.5", e)
			}
		}
	}
	c.StandardRateLimit, c.standardRateLimitSet = v.standardLimit, given["standard-rate-limit"]
	if e, ok := env("ATLAS_MCP_STANDARD_RATE_LIMIT"); ok && e != "" && !given["standard-rate-limit"] {
		if c.StandardRateLimit, err = strconv.Atoi(e); err != nil {
			return nil, fmt.Errorf("ATLAS_MCP_STANDARD_RATE_LIMIT=%q is not a whole number of requests a minute", e)
		}
		c.standardRateLimitSet = true
	}
	if c.StandardRateLimit < 0 {
		return nil, fmt.Errorf("standard rate limit %d (--standard-rate-limit / ATLAS_MCP_STANDARD_RATE_LIMIT): must be 0 (off) or more", c.StandardRateLimit)
	}
	if c.ReadOnly, err = boolean("read-only", v.readOnly, "ATLAS_MCP_READ_ONLY"); err != nil {
		return nil, err
	}
	if c.DisableDestructive, err = boolean("disable-destructive", v.disableDestructive, "ATLAS_MCP_DISABLE_DESTRUCTIVE"); err != nil {
		return nil, err
	}
	if c.OutputSchemas, err = boolean("output-schemas", v.outputSchemas, "ATLAS_MCP_OUTPUT_SCHEMAS"); err != nil {
		return nil, err
	}
	if c.Toolsets, err = tools.ParseToolsets(str("toolsets", v.toolsets, "ATLAS_MCP_TOOLSETS")); err != nil {
		return nil, fmt.Errorf("--toolsets / ATLAS_MCP_TOOLSETS: %w", err)
	}
	if v.origins != "" {
		for _, o := range strings.Split(v.origins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.AllowedOrigins = append(c.AllowedOrigins, o)
			}
		}
	}
	c.Credentials = atlasclient.Credentials{
		ClientID:     str("", "", "MONGODB_ATLAS_CLIENT_ID", "MDB_MCP_API_CLIENT_ID"),
		ClientSecret: str("", "", "MONGODB_ATLAS_CLIENT_SECRET", "MDB_MCP_API_CLIENT_SECRET"),
		PublicKey:    str("", "", "MONGODB_ATLAS_PUBLIC_API_KEY"),
		PrivateKey:   str("", "", "MONGODB_ATLAS_PRIVATE_API_KEY"),
	}
	return c, c.check()
}

// check rejects bad values with the name of the setting and the fix.
func (c *config) check() error {
	switch c.Transport {
	case "stdio", "http":
	default:
		return fmt.Errorf("--transport %q: use stdio or http", c.Transport)
	}
	switch c.Cloud {
	case "commercial", "gov":
	default:
		return fmt.Errorf("cloud %q (--cloud / ATLAS_MCP_CLOUD): use commercial or gov", c.Cloud)
	}
	switch c.AuditSync {
	case "always", "batch":
	default:
		return fmt.Errorf("audit sync %q (--audit-sync / ATLAS_MCP_AUDIT_SYNC): use always or batch", c.AuditSync)
	}
	switch c.AuditFailReads {
	case "closed", "open":
	default:
		return fmt.Errorf("--audit-fail-reads %q: use closed or open", c.AuditFailReads)
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("base URL %q (--base-url / MONGODB_ATLAS_BASE_URL / MDB_MCP_API_BASE_URL): must start with https:// (or http:// for a local simulator)", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(strings.TrimSuffix(c.BaseURL, "/"), "/api/atlas/v2")
	if (c.Credentials.ClientID == "") != (c.Credentials.ClientSecret == "") {
		return fmt.Errorf("service account credentials are incomplete: set both MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET")
	}
	if (c.Credentials.PublicKey == "") != (c.Credentials.PrivateKey == "") {
		return fmt.Errorf("API key credentials are incomplete: set both MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY")
	}
	if !(c.RateLimitShare > 0 && c.RateLimitShare <= 1) {
		return fmt.Errorf("rate-limit share %v (--rate-limit-share / ATLAS_MCP_RATE_LIMIT_SHARE): must be more than 0 and at most 1", c.RateLimitShare)
	}
	if c.AuditMaxBytes < 0 {
		return fmt.Errorf("--audit-max-bytes must be 0 or more")
	}
	if (c.AuditKey == "") != (c.AuditCheckpoints == "") {
		return fmt.Errorf("--audit-key (ATLAS_MCP_AUDIT_KEY) and --audit-checkpoints (ATLAS_MCP_AUDIT_CHECKPOINTS) go together: a signed checkpoint needs somewhere to go that is not the log, and a sink needs the key that signs")
	}
	if c.ShutdownGrace <= 0 || c.ShutdownGrace > 20*time.Second {
		return fmt.Errorf("--shutdown-grace %s: must be more than 0 and at most 20s, so that cancelled calls record their outcome before the 25 s drain ends", c.ShutdownGrace)
	}
	if c.AuditCheckpointInterval <= 0 {
		return fmt.Errorf("--audit-checkpoint-interval must be more than 0")
	}
	return c.HTTP.check()
}

// catalogue is the tools this configuration serves: those of its cloud, in
// its toolsets.
func (c *config) catalogue() []*tools.Tool {
	return tools.InAreas(tools.ForCloud(c.cloud()), c.Toolsets)
}

func (c *config) cloud() atlasclient.Cloud {
	if c.Cloud == "gov" {
		return atlasclient.Gov
	}
	return atlasclient.Commercial
}

// secrets are the configured credentials, scrubbed from audit records by value.
func (c *config) secrets() []string {
	var out []string
	for _, s := range []string{c.Credentials.ClientSecret, c.Credentials.PrivateKey} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func lookupEnv(name string) (string, bool) { return os.LookupEnv(name) }

// limits are Atlas's published token buckets scaled to this process's share.
func (c *config) limits() map[string]atlasclient.Limit {
	out := atlasclient.DefaultLimits()
	for _, set := range []string{atlasclient.SetStandard, atlasclient.SetAppServices} {
		switch {
		case !c.standardRateLimitSet:
			// the default guess, which Atlas's answers may widen
		case c.StandardRateLimit == 0:
			out[set] = atlasclient.Limit{}
		default:
			out[set] = atlasclient.Limit{Capacity: c.StandardRateLimit, Refill: c.StandardRateLimit, Per: time.Minute}
		}
	}
	for set, l := range out {
		if l == (atlasclient.Limit{}) {
			continue
		}
		l.Capacity = max(1, int(float64(l.Capacity)*c.RateLimitShare))
		l.Refill = max(1, int(float64(l.Refill)*c.RateLimitShare))
		out[set] = l
	}
	return out
}
