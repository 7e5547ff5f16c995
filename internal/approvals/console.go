package approvals

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

//go:embed web
var webFS embed.FS

// sessionTTL bounds a console sign-in: long enough for a working session,
// short enough that a forgotten browser does not approve tomorrow.
const sessionTTL = 8 * time.Hour

const cookieName = "atlas_mcp_approver"

// Console serves the approval console (HTML) and its JSON API under a prefix
// (normally /approvals).
type Console struct {
	svc *Service
	// policy is the policy the console was built with; livePolicy, when
	// set, is asked on every request instead, so that a reload (an approver
	// removed, a token rotated) takes effect for sign-in, sessions and
	// decisions at once, not at the next restart.
	policy     *policy.Policy
	livePolicy func() *policy.Policy
	prefix     string
	pages      *template.Template
	// sso, when set, offers sign-in with the identity provider.
	sso *SSO
	// onDecision is told of every decision made here (the server records
	// it in its audit log); nil for none.
	onDecision func(ctx context.Context, r *Request, approver string)
}

// decider is who a session or token decides as.
func (s *session) decider(a *policy.Approver) Decider {
	if s == nil || s.Subject == "" {
		return TokenDecider(a)
	}
	return Decider{Approver: a, Rule: s.Rule, Issuer: s.Issuer, Subject: s.Subject}
}

// PolicyFrom makes the console read the policy in force from f on every
// request (the server passes its live policy, which reloads replace).
func (c *Console) PolicyFrom(f func() *policy.Policy) { c.livePolicy = f }

// pol is the policy in force for this request.
func (c *Console) pol() *policy.Policy {
	if c.livePolicy != nil {
		if p := c.livePolicy(); p != nil {
			return p
		}
	}
	return c.policy
}

// OnDecision sets a function called after each decision made through this
// console (page or API), with the request as it stands after it.
func (c *Console) OnDecision(fn func(ctx context.Context, r *Request, approver string)) {
	c.onDecision = fn
}

func (c *Console) decide(ctx context.Context, id string, dc Decider, approve bool, reason string) (*Request, error) {
	r, err := c.svc.DecideAs(ctx, id, dc, approve, reason)
	if err == nil && c.onDecision != nil {
		c.onDecision(ctx, r, dc.Approver.Name)
	}
	return r, err
}

// NewConsole builds the console over a service; the policy names the
// approvers (and the agents, whose tokens are refused).
func NewConsole(svc *Service, p *policy.Policy, prefix string) *Console {
	if prefix == "" {
		prefix = "/approvals"
	}
	funcs := template.FuncMap{
		"left": func(r *Request) string {
			d := time.Until(r.ExpiresAt).Round(time.Second)
			if d <= 0 {
				return "expired"
			}
			return d.String()
		},
		"utc": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
	}
	pages := template.Must(template.New("").Funcs(funcs).ParseFS(webFS, "web/*.html"))
	return &Console{svc: svc, policy: p, prefix: strings.TrimRight(prefix, "/"), pages: pages}
}

type session struct {
	Approver string `json:"approver"`
	CSRF     string `json:"csrf"`
	// Set when the person signed in with the identity provider: the match
	// rule that made them this approver, and who they are.
	Rule    string   `json:"rule,omitempty"`
	Issuer  string   `json:"issuer,omitempty"`
	Subject string   `json:"subject,omitempty"`
	Name    string   `json:"name,omitempty"`
	Groups  []string `json:"groups,omitempty"`
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Clickjacking: the console is never framed. No inline script, no
	// third-party anything, no referrer leaking request IDs.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")

	rest := strings.TrimPrefix(r.URL.Path, c.prefix)
	rest = strings.Trim(rest, "/")
	switch {
	case strings.HasPrefix(rest, "api/") || rest == "api":
		c.api(w, r, strings.TrimPrefix(strings.TrimPrefix(rest, "api"), "/"))
	case strings.HasPrefix(rest, "static/"):
		c.static(w, r, strings.TrimPrefix(rest, "static/"))
	case rest == "login" && r.Method == http.MethodPost:
		c.login(w, r)
	case rest == "sso/login" && r.Method == http.MethodGet && c.ssoOffered():
		c.ssoStart(w, r)
	case rest == "sso/callback" && r.Method == http.MethodGet && c.ssoOffered():
		c.sso.login.CallbackHandler().ServeHTTP(w, r)
	case rest == "logout" && r.Method == http.MethodPost:
		c.logout(w, r)
	case rest == "" && r.Method == http.MethodGet:
		c.index(w, r)
	case ValidID(rest) && r.Method == http.MethodGet:
		c.detail(w, r, rest)
	case strings.HasSuffix(rest, "/decide") && ValidID(strings.TrimSuffix(rest, "/decide")) && r.Method == http.MethodPost:
		c.decidePage(w, r, strings.TrimSuffix(rest, "/decide"))
	default:
		http.NotFound(w, r)
	}
}

func (c *Console) static(w http.ResponseWriter, r *http.Request, name string) {
	ctype := map[string]string{"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}[name]
	if ctype == "" {
		http.NotFound(w, r)
		return
	}
	b, err := webFS.ReadFile("web/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// sameOrigin refuses cross-site form posts even from browsers that ignore
// SameSite: a present Origin (or Referer) must be this host.
func sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return true // not a browser (curl, a script); the CSRF token still guards
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

func (c *Console) session(r *http.Request) (*session, *policy.Approver) {
	ck, err := r.Cookie(cookieName)
	if err != nil || len(ck.Value) < 32 {
		return nil, nil
	}
	b, ok, err := c.svc.store.GetState(r.Context(), sessionKey(ck.Value), c.svc.now())
	if err != nil || !ok {
		return nil, nil
	}
	var s session
	if json.Unmarshal(b, &s) != nil {
		return nil, nil
	}
	for _, a := range c.pol().Approvers() {
		if a.Name != s.Approver {
			continue
		}
		// A person signed in by a match: rule stays this approver only
		// while the rule (perhaps reloaded since) still takes them.
		if s.Subject != "" && !a.Matches(policy.Claims{Issuer: s.Issuer, Subject: s.Subject, Groups: s.Groups}) {
			return nil, nil
		}
		return &s, a
	}
	return nil, nil // approver removed from the policy since sign-in
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return "session:" + hex.EncodeToString(sum[:])
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "Forbidden: cross-site sign-in", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	token := strings.TrimSpace(r.PostFormValue("token"))
	if c.pol().AgentByToken(token) != nil {
		c.render(w, http.StatusForbidden, "login.html", c.loginPage("", "That is an agent's token. Agents cannot approve: sign in with your own approver token."))
		return
	}
	a := c.pol().ApproverByToken(token)
	if a == nil {
		c.render(w, http.StatusUnauthorized, "login.html", c.loginPage("", "Unknown token. Ask the operator for an approver token (policy approvers:)."))
		return
	}
	if err := c.startSession(w, r, &session{Approver: a.Name}); err != nil {
		http.Error(w, "cannot start a session: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	// Back to the request the person came for (a link in a notification
	// or the page a host opened); only an approval ID, never a URL.
	next := c.prefix + "/"
	if n := r.PostFormValue("next"); ValidID(n) {
		next += n
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession stores a new session with a fresh CSRF token and sets its
// cookie: the same for a token sign-in and one with the identity provider.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, s *session) error {
	id := randomToken()
	s.CSRF = randomToken()
	b, _ := json.Marshal(s)
	if err := c.svc.store.PutState(r.Context(), sessionKey(id), b, c.svc.now().Add(sessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: c.prefix, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds())})
	return nil
}

// ssoStart sends the browser to the identity provider; ?next=ID brings the
// person back to that request once signed in.
func (c *Console) ssoStart(w http.ResponseWriter, r *http.Request) {
	next := c.prefix + "/"
	if n := r.URL.Query().Get("next"); ValidID(n) {
		next += n
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = url.Values{"next": {next}}.Encode()
	c.sso.login.LoginHandler().ServeHTTP(w, r2)
}

func (c *Console) loginPage(next, errMsg string) map[string]any {
	d := map[string]any{"Prefix": c.prefix}
	if next != "" {
		d["Next"] = next
	}
	if errMsg != "" {
		d["Error"] = errMsg
	}
	if c.ssoOffered() {
		d["SSOIssuer"] = c.sso.Issuer()
	}
	return d
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	s, _ := c.session(r)
	if s == nil || !sameOrigin(r) || !csrfOK(s, r.PostFormValue("csrf")) {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	if ck, err := r.Cookie(cookieName); err == nil {
		_ = c.svc.store.DeleteState(r.Context(), sessionKey(ck.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: c.prefix, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, c.prefix+"/", http.StatusSeeOther)
}

func csrfOK(s *session, got string) bool {
	return s != nil && got != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(got)) == 1
}

func (c *Console) render(w http.ResponseWriter, status int, page string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.pages.ExecuteTemplate(w, page, data); err != nil {
		_, _ = io.WriteString(w, "template error")
	}
}

func (c *Console) page(r *http.Request, s *session, a *policy.Approver) map[string]any {
	return map[string]any{"Prefix": c.prefix, "Approver": a, "CSRF": s.CSRF, "Session": s}
}

func (c *Console) index(w http.ResponseWriter, r *http.Request) {
	s, a := c.session(r)
	if s == nil {
		c.render(w, http.StatusOK, "login.html", c.loginPage("", ""))
		return
	}
	pending, err := c.svc.List(r.Context(), 200, StatusPending)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	history, err := c.svc.List(r.Context(), 50, StatusApproved, StatusDenied, StatusExpired, StatusUsed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	d := c.page(r, s, a)
	d["Pending"], d["History"] = pending, history
	c.render(w, http.StatusOK, "index.html", d)
}

func (c *Console) detail(w http.ResponseWriter, r *http.Request, id string) {
	s, a := c.session(r)
	if s == nil {
		c.render(w, http.StatusOK, "login.html", c.loginPage(id, ""))
		return
	}
	req, err := c.svc.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	d := c.page(r, s, a)
	d["R"] = req
	d["Message"] = r.URL.Query().Get("m")
	d["CanDecide"], d["CannotWhy"] = c.canDecide(s.decider(a), req)
	c.render(w, http.StatusOK, "detail.html", d)
}

func (c *Console) canDecide(dc Decider, r *Request) (bool, string) {
	a := dc.Approver
	switch {
	case r.Status != StatusPending:
		return false, "This request is " + string(r.Status) + "."
	case a.Name == r.Agent, dc.behindAgent(r):
		return false, "You asked for this call; someone else must approve it."
	case !a.MayApprove(policy.Area(r.Area), r.ProjectID, r.Tool):
		return false, "Your approver scope (" + a.Scope() + ") does not cover this call."
	}
	for _, d := range r.Decisions {
		if dc.decided(d) {
			return false, "You already decided; it needs another approver."
		}
	}
	return true, ""
}

func (c *Console) decidePage(w http.ResponseWriter, r *http.Request, id string) {
	s, a := c.session(r)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if s == nil || !sameOrigin(r) || !csrfOK(s, r.PostFormValue("csrf")) {
		http.Error(w, "Forbidden: sign in again (the form's token is bound to your session)", http.StatusForbidden)
		return
	}
	approve := r.PostFormValue("decision") == "approve"
	if !approve && r.PostFormValue("decision") != "deny" {
		http.Error(w, "decision must be approve or deny", http.StatusBadRequest)
		return
	}
	_, err := c.decide(r.Context(), id, s.decider(a), approve, r.PostFormValue("reason"))
	msg := "Recorded."
	if err != nil {
		msg = "Not recorded: " + err.Error()
	}
	http.Redirect(w, r, c.prefix+"/"+id+"?m="+url.QueryEscape(msg), http.StatusSeeOther)
}

// api serves /approvals/api/...: bearer approver token (tools, chat
// integrations, the CLI against a remote server) or the console session with
// its CSRF token in X-CSRF-Token (the page's script).
func (c *Console) api(w http.ResponseWriter, r *http.Request, rest string) {
	dc, status, msg := c.apiAuth(r)
	a := dc.Approver
	if a == nil {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="atlas-mcp approvals"`)
		}
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case rest == "whoami" && r.Method == http.MethodGet:
		who := map[string]any{"approver": a.Name, "scope": a.Scope(), "rule": dc.Rule}
		if dc.Subject != "" {
			who["issuer"], who["subject"] = dc.Issuer, dc.Subject
		}
		writeJSON(w, http.StatusOK, who)
	case rest == "requests" && r.Method == http.MethodGet:
		var st []Status
		if v := r.URL.Query().Get("status"); v != "" {
			for _, x := range strings.Split(v, ",") {
				st = append(st, Status(x))
			}
		}
		list, err := c.svc.List(r.Context(), 200, st...)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		if list == nil {
			list = []*Request{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"requests": list})
	case len(parts) == 2 && parts[0] == "requests" && ValidID(parts[1]) && r.Method == http.MethodGet:
		req, err := c.svc.Get(r.Context(), parts[1])
		if err != nil {
			writeJSON(w, errStatus(err), map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, req)
	case len(parts) == 3 && parts[0] == "requests" && ValidID(parts[1]) && (parts[2] == "approve" || parts[2] == "deny") && r.Method == http.MethodPost:
		var body struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"reason\": \"...\"}"})
				return
			}
		}
		req, err := c.decide(r.Context(), parts[1], dc, parts[2] == "approve", body.Reason)
		if err != nil {
			writeJSON(w, errStatus(err), map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, req)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint; see GET " + c.prefix + "/api/requests"})
	}
}

// apiAuth: a bearer token is only ever an approver's static token — never an
// OAuth access token (an agent's, or anyone's): people who sign in with the
// identity provider use the console session.
func (c *Console) apiAuth(r *http.Request) (Decider, int, string) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return Decider{}, http.StatusUnauthorized, "use Authorization: Bearer <approver token>"
		}
		tok = strings.TrimSpace(tok)
		if c.pol().AgentByToken(tok) != nil {
			return Decider{}, http.StatusForbidden, "this is an agent's token; agents cannot approve or read approval requests"
		}
		if a := c.pol().ApproverByToken(tok); a != nil {
			return TokenDecider(a), 0, ""
		}
		if strings.Count(tok, ".") == 2 {
			return Decider{}, http.StatusUnauthorized, "an OAuth token is not an approver's credential; sign in at " + c.prefix + " with the identity provider, or send an approver token"
		}
		return Decider{}, http.StatusUnauthorized, "unknown approver token"
	}
	s, a := c.session(r)
	if s == nil {
		return Decider{}, http.StatusUnauthorized, "sign in at " + c.prefix + " or send Authorization: Bearer <approver token>"
	}
	if r.Method != http.MethodGet && (!sameOrigin(r) || !csrfOK(s, r.Header.Get("X-CSRF-Token"))) {
		return Decider{}, http.StatusForbidden, "missing or wrong X-CSRF-Token"
	}
	return s.decider(a), 0, ""
}

func errStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrOwnRequest), errors.Is(err, ErrOutOfScope):
		return http.StatusForbidden
	case errors.Is(err, ErrReasonRequired):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotPending), errors.Is(err, ErrExpired), errors.Is(err, ErrAlreadyDecided):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Serve runs the console alone on addr (for `atlas-mcp approvals serve`)
// until ctx ends.
func (c *Console) Serve(ctx context.Context, addr string, ready func(string)) error {
	mux := http.NewServeMux()
	mux.Handle(c.prefix, c)
	mux.Handle(c.prefix+"/", c)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, c.prefix+"/", http.StatusFound)
			return
		}
		http.NotFound(w, r)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := listen(addr)
	if err != nil {
		return fmt.Errorf("approvals serve --listen %s: %w", addr, err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
