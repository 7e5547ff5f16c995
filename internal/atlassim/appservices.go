package atlassim

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// asSession is an App Services access or refresh token. Refresh tokens do not
// expire here (Atlas's default is 60 days); they end by revocation.
type asSession struct {
	who     *principal
	userID  string
	expires time.Time // access tokens only
	expired bool      // forced by ExpireAppServicesAccessTokens
}

// ExpireAppServicesAccessTokens makes every App Services access token issued
// so far expired (401 "invalid session: access token expired"); refresh tokens
// still work.
func (s *Sim) ExpireAppServicesAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.asAccess {
		sess.expired = true
	}
}

// RevokeAppServicesRefreshTokens revokes every App Services refresh token, so
// the next /auth/session is 401 and the client must log in again.
func (s *Sim) RevokeAppServicesRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.asRefresh)
}

func asInvalidSession(msg string) reply {
	return asFail(http.StatusUnauthorized, "InvalidSession", msg)
}

// serveAppServices runs one App Services Admin API v3.0 request. Its errors
// are App Services' own shape, {"error","error_code"}.
func (s *Sim) serveAppServices(r *http.Request, rest string, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	segs, okPath := splitPath(rest)
	if !okPath {
		return asFail(http.StatusBadRequest, "BadRequest", "invalid path escaping")
	}
	rt, params, wrongMethod := match(s.asRoutes, r.Method, segs)
	if rt == nil {
		if wrongMethod {
			return asFail(http.StatusMethodNotAllowed, "MethodNotAllowed", "method "+r.Method+" not allowed")
		}
		return asFail(http.StatusNotFound, "NotFound", "no route matches "+r.URL.Path)
	}
	c := &call{r: r, now: now, body: body, query: r.URL.Query(), route: rt, params: params, segs: segs}
	if rt.set == "" {
		// Login and session endpoints authenticate themselves and draw on no bucket.
		return rt.handle(s, c)
	}

	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if authScheme(r) != "appservices" || tok == "" {
		return asInvalidSession("invalid session: no access token was sent")
	}
	sess := s.asAccess[strings.TrimSpace(tok)]
	switch {
	case sess == nil:
		return asInvalidSession("invalid session")
	case sess.expired || !now.Before(sess.expires):
		return asInvalidSession("invalid session: access token expired")
	}
	c.who = sess.who

	hdr, limited := s.take(rt, params, c.who, now)
	if limited != nil {
		return reply{asErr: &asError{status: http.StatusTooManyRequests, code: "TooManyRequests", msg: limited.detail}, header: limited.header}
	}
	p := s.st.project(params["groupId"])
	if p == nil {
		return reply{asErr: &asError{status: http.StatusNotFound, code: "GroupNotFound", msg: "group not found"}, header: hdr}
	}
	if !c.who.canOrg(p.orgID) {
		return reply{asErr: &asError{status: http.StatusForbidden, code: "Forbidden", msg: "user does not have access to group " + p.id}, header: hdr}
	}
	c.proj = p
	out := rt.handle(s, c)
	if out.header == nil {
		out.header = http.Header{}
	}
	for k, vs := range hdr {
		out.header[k] = vs
	}
	return out
}

func (s *Sim) asLogin(c *call) reply {
	var req struct {
		Username string `json:"username"`
		APIKey   string `json:"apiKey"`
	}
	if e := decodeJSON(c.body, &req); e != nil {
		return asFail(http.StatusBadRequest, "BadRequest", "expected a JSON body {\"username\", \"apiKey\"}")
	}
	priv, who, found := s.apiKeyPrincipal(req.Username)
	if !found || subtle.ConstantTimeCompare([]byte(priv), []byte(req.APIKey)) != 1 {
		return asFail(http.StatusUnauthorized, "InvalidPassword", "invalid username/password")
	}
	userID := newID()
	access, refresh := randomToken(32), randomToken(32)
	s.asAccess[access] = &asSession{who: who, userID: userID, expires: c.now.Add(s.opts.AppServicesTokenTTL)}
	s.asRefresh[refresh] = &asSession{who: who, userID: userID}
	s.asLogins++
	return ok(http.StatusOK, map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"user_id":       userID,
		"device_id":     "000000000000000000000000",
	})
}

func (s *Sim) refreshSession(c *call) (*asSession, string, reply, bool) {
	_, tok, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if authScheme(c.r) != "appservices" || tok == "" {
		return nil, "", asInvalidSession("invalid session: no refresh token was sent"), false
	}
	sess := s.asRefresh[tok]
	if sess == nil {
		return nil, "", asInvalidSession("invalid session: refresh token is invalid or revoked"), false
	}
	return sess, tok, reply{}, true
}

// asRefreshSession is POST /auth/session: a refresh token in, a new access
// token out.
func (s *Sim) asRefreshSession(c *call) reply {
	sess, _, rep, found := s.refreshSession(c)
	if !found {
		return rep
	}
	access := randomToken(32)
	s.asAccess[access] = &asSession{who: sess.who, userID: sess.userID, expires: c.now.Add(s.opts.AppServicesTokenTTL)}
	s.asRefreshes++
	return ok(http.StatusCreated, map[string]any{"access_token": access})
}

// asLogout is DELETE /auth/session: the refresh token is revoked.
func (s *Sim) asLogout(c *call) reply {
	_, tok, rep, found := s.refreshSession(c)
	if !found {
		return rep
	}
	delete(s.asRefresh, tok)
	return reply{status: http.StatusNoContent}
}

func appView(a *app) map[string]any {
	return map[string]any{
		"_id":              a.id,
		"group_id":         a.groupID,
		"domain_id":        a.domainID,
		"client_app_id":    a.clientAppID,
		"name":             a.name,
		"location":         a.location,
		"deployment_model": a.deployment,
		"last_used":        a.lastUsed,
		"last_modified":    a.lastModified,
		"product":          a.product,
		"environment":      a.environment,
	}
}

func triggerView(t *trigger) map[string]any {
	return map[string]any{
		"_id":           t.id,
		"name":          t.name,
		"type":          t.typ,
		"disabled":      t.disabled,
		"config":        deepCopy(t.config),
		"function_id":   t.functionID,
		"function_name": t.functionName,
		"last_modified": t.lastModified,
	}
}

// asListApps answers a bare JSON array, as App Services does.
func (s *Sim) asListApps(c *call) reply {
	out := make([]any, 0, len(c.proj.apps))
	for _, a := range c.proj.apps {
		out = append(out, appView(a))
	}
	return ok(http.StatusOK, out)
}

func (s *Sim) appOf(c *call) (*app, reply, bool) {
	a := c.proj.app(c.params["appId"])
	if a == nil {
		return nil, asFail(http.StatusNotFound, "AppNotFound", "app not found"), false
	}
	return a, reply{}, true
}

func (s *Sim) asGetApp(c *call) reply {
	a, rep, found := s.appOf(c)
	if !found {
		return rep
	}
	return ok(http.StatusOK, appView(a))
}

// triggersUnavailable enforces "Triggers are unavailable in AtlasGov".
func (s *Sim) triggersUnavailable() (reply, bool) {
	if s.opts.Gov {
		return asFail(http.StatusNotFound, "NotFound", "Atlas Triggers are unavailable in Atlas for Government"), true
	}
	return reply{}, false
}

func (s *Sim) asListTriggers(c *call) reply {
	if rep, gov := s.triggersUnavailable(); gov {
		return rep
	}
	a, rep, found := s.appOf(c)
	if !found {
		return rep
	}
	out := make([]any, 0, len(a.triggers))
	for _, t := range a.triggers {
		out = append(out, triggerView(t))
	}
	return ok(http.StatusOK, out)
}

func (s *Sim) asGetTrigger(c *call) reply {
	if rep, gov := s.triggersUnavailable(); gov {
		return rep
	}
	a, rep, found := s.appOf(c)
	if !found {
		return rep
	}
	for _, t := range a.triggers {
		if t.id == c.params["triggerId"] {
			return ok(http.StatusOK, triggerView(t))
		}
	}
	return asFail(http.StatusNotFound, "TriggerNotFound", "trigger not found")
}
