package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
)

// approvalsConfig is where approval requests are kept and how people hear
// of them.
type approvalsConfig struct {
	// Store is sqlite:PATH or a postgres:// URL; empty means approvals.db
	// next to the audit log.
	Store string
	// URL is the console's public address, for links in answers and
	// notifications.
	URL string
	// Webhook receives new/approved/denied/expired events (Slack-compatible
	// by default; WebhookFormat "generic" for a plain JSON document).
	Webhook, WebhookFormat string
}

// needsApprovalStore: the policy can ask for out-of-band approvals, or keeps
// one-time confirmation tokens that a later process or another replica must
// redeem, or the operator named a store.
func needsApprovalStore(cfg *config, p *policy.Policy) bool {
	return cfg.Approvals.Store != "" || p.UsesApprovals() || p.WithoutElicitation() == policy.ConfirmToken || cfg.Stateless
}

// approvalsStoreURL resolves the store, defaulting to a SQLite file next to
// the audit log (the server, `approvals serve` and the CLI on one machine then
// share it without configuration).
func approvalsStoreURL(cfg *config, auditPath string) string {
	if cfg.Approvals.Store != "" {
		return cfg.Approvals.Store
	}
	return "sqlite:" + filepath.Join(filepath.Dir(auditPath), "approvals.db")
}

// defaultAuditPath is where openAudit would put the log, for commands that
// do not open it (approvals).
func defaultAuditPath(cfg *config) string {
	if cfg.AuditLog != "" {
		return cfg.AuditLog
	}
	if def, err := audit.DefaultPath(); err == nil {
		return def
	}
	return filepath.Join("/tmp", "atlas-mcp", "audit.jsonl")
}

// consoleURL is the console's address for links: the configured one, else
// the HTTP listener's.
func consoleURL(cfg *config, listen string) string {
	if cfg.Approvals.URL != "" {
		return strings.TrimRight(cfg.Approvals.URL, "/")
	}
	if listen == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/approvals"
}

func openApprovalService(ctx context.Context, cfg *config, storeURL, console string, log *zap.Logger) (*approvals.Service, func(), error) {
	st, err := approvals.Open(ctx, storeURL)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the approval store (--approvals-store / ATLAS_MCP_APPROVALS_STORE): %w", err)
	}
	var n *approvals.Notifier
	if cfg.Approvals.Webhook != "" {
		f := cfg.Approvals.WebhookFormat
		if f != "" && f != "slack" && f != "generic" {
			st.Close()
			return nil, nil, fmt.Errorf("ATLAS_MCP_APPROVALS_WEBHOOK_FORMAT=%q: use slack or generic", f)
		}
		n = &approvals.Notifier{URL: cfg.Approvals.Webhook, Format: f}
	}
	svc := approvals.NewService(approvals.Options{Store: st, ConsoleURL: console, Notifier: n, OnError: func(err error) {
		log.Warn("approval notification failed", zap.Error(err))
	}})
	return svc, func() { _ = st.Close() }, nil
}

// openApprovals opens the store for the server when the policy needs one.
func (a *app) openApprovals(ctx context.Context) error {
	if !needsApprovalStore(a.cfg, a.policy) {
		return nil
	}
	listen := ""
	if a.cfg.Transport == "http" {
		listen = a.cfg.Listen
	}
	svc, closeFn, err := openApprovalService(ctx, a.cfg, approvalsStoreURL(a.cfg, a.audit.Path()), consoleURL(a.cfg, listen), a.log)
	if err != nil {
		return err
	}
	a.approvals = svc
	a.close = append(a.close, closeFn)
	if a.cfg.Transport == "http" {
		if a.consoleSSO, err = consoleSSO(ctx, a.cfg, a.policy, svc.Store(), a.log); err != nil {
			return err
		}
	}
	return nil
}

// consoleSSO builds the console's sign-in with the identity provider when the
// policy has approvers with match: rules and identity.oauth.console; nil
// otherwise. Started sign-ins are kept in the approval store, so replicas
// over one PostgreSQL store may each take the callback. The issuer must be reachable: a console that silently lost its
// sign-in would leave approvers locked out with no message.
//
// The client secret is identity.oauth.console.clientSecret, or the variable
// clientSecretEnv names (default ATLAS_MCP_CONSOLE_CLIENT_SECRET);
// ATLAS_MCP_CONSOLE_REDIRECT_URL overrides redirectURL (e.g. for
// `approvals serve` on its own port with the server's policy).
func consoleSSO(ctx context.Context, cfg *config, p *policy.Policy, store approvals.Store, log *zap.Logger) (*approvals.SSO, error) {
	o := p.OAuth()
	if o == nil || o.Console == nil || !p.UsesApproverSignIn() {
		return nil, nil
	}
	c := o.Console
	secret := c.ClientSecret
	if secret == "" {
		v, ok := cfg.lookupEnv(c.ClientSecretEnv)
		if !ok || strings.TrimSpace(v) == "" {
			log.Warn("approval console: no client secret; signing in as a public client (PKCE only)", zap.String("variable", c.ClientSecretEnv))
		}
		secret = strings.TrimSpace(v)
	}
	redirect := c.RedirectURL
	if v, ok := cfg.lookupEnv("ATLAS_MCP_CONSOLE_REDIRECT_URL"); ok && strings.TrimSpace(v) != "" {
		redirect = strings.TrimSpace(v)
	}
	sso, err := approvals.NewSSO(ctx, approvals.SSOConfig{
		Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: redirect,
		GroupsClaim: c.GroupsClaim, Scopes: c.Scopes, Store: store, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("approval console sign-in (identity.oauth.console): %w", err)
	}
	return sso, nil
}
