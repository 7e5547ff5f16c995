package identity

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// Metadata paths (RFC 9728). Hosts that know the resource's path ask the
// path-suffixed form; older ones the bare one. Both answer the same document.
const (
	MetadataPath = "/.well-known/oauth-protected-resource"
)

// ProtectedResourceMetadata is RFC 9728's document.
type ProtectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// Metadata returns the protected-resource metadata; nil without OAuth.
func (r *Resource) Metadata() *ProtectedResourceMetadata { return metadata(r.current().OAuth()) }

func metadata(oauth *policy.OAuth) *ProtectedResourceMetadata {
	if oauth == nil {
		return nil
	}
	m := &ProtectedResourceMetadata{Resource: oauth.Resource, BearerMethodsSupported: []string{"header"}, ResourceName: "atlas-mcp"}
	seen := map[string]bool{}
	addScope := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			m.ScopesSupported = append(m.ScopesSupported, s)
		}
	}
	for _, is := range oauth.Issuers {
		m.AuthorizationServers = append(m.AuthorizationServers, is.Issuer)
		for _, s := range is.RequiredScopes {
			addScope(s)
		}
	}
	addScope(oauth.ReadScope)
	addScope(oauth.WriteScope)
	return m
}

// MetadataURL is where the metadata of the configured resource is: the
// well-known part between the host and the resource's path (RFC 9728 section
// 3.1), built from the configured resource rather than the request's Host, which
// a client controls.
func (r *Resource) MetadataURL() string { return metadataURL(r.current().OAuth()) }

func metadataURL(oauth *policy.OAuth) string {
	if oauth == nil {
		return ""
	}
	u, err := url.Parse(oauth.Resource)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + MetadataPath + strings.TrimSuffix(u.Path, "/")
}

// Routes implements Authenticator. Whether OAuth is configured is asked per
// request, so a reloaded policy that adds or drops identity.oauth applies at
// once.
func (r *Resource) Routes(mux *http.ServeMux) {
	serve := func(w http.ResponseWriter, req *http.Request) {
		oauth := r.current().OAuth()
		if oauth == nil {
			// Hosts such as Claude Code and the MCP Inspector answer any 401
			// by probing these paths and then registering a client (RFC 7591)
			// at /register, and show that last answer to the user. Each
			// answers with how to pass the header instead, so the user sees
			// the fix, not a bare "Dynamic Client Registration rejected (HTTP
			// 404)".
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(noOAuthHelp))
			return
		}
		if !strings.HasPrefix(req.URL.Path, MetadataPath) {
			// This server is no authorization server; the metadata names
			// the real one.
			http.Error(w, "Not Found: atlas-mcp is an OAuth resource server; its authorization servers are listed at "+metadataURL(oauth), http.StatusNotFound)
			return
		}
		// Browser-based hosts (the Inspector) fetch this cross-origin; it is
		// public by design.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "mcp-protocol-version")
		if req.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_ = json.NewEncoder(w).Encode(metadata(oauth))
	}
	for _, p := range []string{MetadataPath, MetadataPath + "/", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/", "/.well-known/openid-configuration", "/register"} {
		mux.HandleFunc(p, serve)
	}
}

// noOAuthHelp is the whole answer to a request without a usable token when the
// server uses static tokens only. It names the header in each host's syntax
// because that is the one thing the user can fix.
const noOAuthHelp = `Unauthorized: this atlas-mcp server takes a static bearer token, not OAuth.
Send the header  Authorization: Bearer <token>  with the token of an agent in the server's policy file.
  Claude Code:    claude mcp add --transport http atlas URL --header "Authorization: Bearer $TOKEN"
  VS Code:        "headers": {"Authorization": "Bearer ${input:atlas-token}"} in .vscode/mcp.json
  MCP Inspector:  Authentication > Header Name "Authorization", Bearer Token <token>
`

// Refuse implements Authenticator.
func (r *Resource) Refuse(w http.ResponseWriter, req *http.Request, err error) {
	var ref *Refusal
	if !errors.As(err, &ref) {
		ref = &Refusal{Code: "invalid_token", Reason: "refused", Err: err}
	}
	fields := []zap.Field{zap.String("path", req.URL.Path), zap.String("remote", req.RemoteAddr), zap.String("reason", ref.Reason)}
	if ref.Err != nil {
		fields = append(fields, zap.NamedError("cause", ref.Err))
	}
	if errors.Is(ref.Err, ErrNoToken) {
		// Hosts probe without a token first; that is routine, not a warning.
		r.log.Debug("request without a token refused", fields...)
	} else {
		r.log.Warn("bearer token refused", fields...)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	oauth := r.current().OAuth()
	if oauth == nil {
		// No WWW-Authenticate: a bare "Bearer" challenge sends hosts into an
		// OAuth flow that cannot succeed here (see Routes).
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(noOAuthHelp))
		return
	}
	ch := `Bearer resource_metadata="` + metadataURL(oauth) + `"`
	if ref.Code != "" {
		ch += `, error="` + ref.Code + `"`
	}
	w.Header().Set("WWW-Authenticate", ch)
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("Unauthorized: send Authorization: Bearer <token>: an access token for " + oauth.Resource + " from a trusted issuer (see " + metadataURL(oauth) + "), or an agent's static token.\n"))
}

// InsufficientScope implements Authenticator.
func (r *Resource) InsufficientScope(w http.ResponseWriter, req *http.Request, scope string) {
	r.log.Info("token lacks the scope for the call", zap.String("path", req.URL.Path), zap.String("scope", scope))
	w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+scope+`", resource_metadata="`+r.MetadataURL()+`"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("Forbidden: this call needs the scope " + scope + " in the access token.\n"))
}
