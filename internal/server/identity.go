package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/internal/identity"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

type identityKey struct{}

func identityFrom(ctx context.Context) *identity.Identity {
	id, _ := ctx.Value(identityKey{}).(*identity.Identity)
	return id
}

// principal is the audit's account of who stands behind an OAuth agent; nil
// for static tokens and stdio, where the agent is all there is to know.
func principal(ctx context.Context) *audit.Principal {
	id := identityFrom(ctx)
	if id == nil || id.Method != identity.MethodOAuth {
		return nil
	}
	return &audit.Principal{Issuer: id.Issuer, Subject: id.Subject, Actor: id.Actor, ClientID: id.ClientID, Match: id.Rule}
}

// admitIdentity says who the request is, or answers it itself: 401 when no
// agent takes the token, 403 insufficient_scope when a tools/call in it needs
// a scope the token lacks. The identity travels in the returned request's
// context (for the audit's principal).
func (s *Server) admitIdentity(w http.ResponseWriter, r *http.Request, auth identity.Authenticator) (*identity.Identity, *http.Request, bool) {
	id, err := auth.Authenticate(r.Context(), r)
	if err != nil {
		auth.Refuse(w, r, err)
		return nil, r, false
	}
	if need := s.scopeNeeded(r, auth, id); need != "" {
		auth.InsufficientScope(w, r, need)
		return nil, r, false
	}
	return id, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)), true
}

// maxScopePeek bounds how much of a request body is read to find which tool a
// tools/call names; MCP requests are far smaller.
const maxScopePeek = 1 << 20

// scopeNeeded returns the scope a tools/call in this request needs and the
// token lacks, so the HTTP layer can answer 403 insufficient_scope and an OAuth
// client can ask its issuer for it. The body is read and put back. The
// pipeline checks the same scope again (requiredScope), so a body this cannot
// read is still refused, only less helpfully.
func (s *Server) scopeNeeded(r *http.Request, auth identity.Authenticator, id *identity.Identity) string {
	if r.Method != http.MethodPost || r.Body == nil || (auth.ScopeFor(id, policy.Read) == "" && auth.ScopeFor(id, policy.Write) == "") {
		return ""
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, maxScopePeek))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	if err != nil {
		return ""
	}
	type message struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var msgs []message
	if bytes.HasPrefix(bytes.TrimSpace(buf), []byte("[")) {
		_ = json.Unmarshal(buf, &msgs)
	} else {
		var m message
		if json.Unmarshal(buf, &m) == nil {
			msgs = append(msgs, m)
		}
	}
	for _, m := range msgs {
		if m.Method != "tools/call" {
			continue
		}
		if t := s.live.Load().byName[m.Params.Name]; t != nil {
			if need := auth.ScopeFor(id, t.Access); need != "" && !id.HasScope(need) {
				return need
			}
		}
	}
	return ""
}

// requiredScope is the pipeline's own scope check, for calls whose body the
// HTTP layer did not read.
func requiredScope(ctx context.Context, p *policy.Policy, t *tools.Tool) string {
	id := identityFrom(ctx)
	if id == nil || id.Method != identity.MethodOAuth {
		return ""
	}
	need := p.OAuth().ScopeFor(t.Access)
	if need == "" || id.HasScope(need) {
		return ""
	}
	return need
}

type readCloser struct {
	io.Reader
	io.Closer
}
