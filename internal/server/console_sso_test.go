package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/approvals"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/identity/testop"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// A person in an approver group signs in to the HTTP server's /approvals
// with a real OpenID provider and approves; the audit log names the match
// rule and the person, in the decision's record and the resumed call's.
func TestConsoleSSOApprovalAudited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	op, err := testop.Start(testop.Config{
		Clients: []testop.Client{{ID: "console", Secret: "console-secret", Redirects: []string{base + "/approvals/sso/callback"}}},
		User:    testop.User{Subject: "lee", Groups: []string{"sre-leads"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	src := `identity:
  oauth:
    resource: ` + base + `/mcp
    issuers: [{issuer: ` + op.Issuer + `}]
    console: {clientId: console, clientSecret: console-secret, redirectURL: ` + base + `/approvals/sso/callback}
agents:
  bot:
    tokenSha256: ` + sha(agentTok) + `
    grants: [{area: '*', access: [read, write]}]
approvers:
  sre-leads:
    match: {group: sre-leads}
confirm:
  withoutElicitation: approval
`
	var catalogue []policy.ToolInfo
	for _, tl := range tools.ForCloud(atlasclient.Commercial) {
		catalogue = append(catalogue, ToolInfo(tl))
	}
	pol, err := policy.Parse([]byte(src), "sso.yaml", policy.Options{Tools: catalogue})
	if err != nil {
		t.Fatal(err)
	}
	c := pol.OAuth().Console
	sso, err := approvals.NewSSO(context.Background(), approvals.SSOConfig{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, GroupsClaim: c.GroupsClaim})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{policy: pol, approvals: sqliteService(t, base+"/approvals"), consoleSSO: sso})
	handler, shutdown := h.server.HTTPHandler(HTTPOptions{})
	hs := httptest.NewUnstartedServer(handler)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() { _ = shutdown(context.Background()); hs.Close() })

	agent, err := httpClient(t, base, agentTok)
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	first := call(t, agent, "atlas-delete-cluster", `{"clusterName":"staging"}`)
	id, _ := approvalOf(t, first.StructuredContent)

	jar, _ := cookiejar.New(nil)
	person := &http.Client{Jar: jar}
	get := func(u string) (int, string) {
		r, err := person.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, page := get(base + "/approvals/sso/login?next=" + id); code != http.StatusOK || !strings.Contains(page, "approvers.sre-leads.match") {
		t.Fatalf("sign-in: %d %s", code, page)
	}
	_, page := get(base + "/approvals/" + id)
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "subject lee") {
		t.Fatalf("not signed in:\n%s", page)
	}
	r, err := person.PostForm(base+"/approvals/"+id+"/decide", url.Values{"decision": {"approve"}, "csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if done := call(t, agent, "atlas-delete-cluster", `{"clusterName":"staging","approvalId":"`+id+`"}`); done.IsError {
		t.Fatalf("resumed call: %s", resultText(done))
	}
	var decided, ran bool
	for _, rec := range h.records(t) {
		if rec.Approval == nil || rec.Approval.ID != id || len(rec.Approval.Decisions) != 1 {
			continue
		}
		d := rec.Approval.Decisions[0]
		person := d.Approver == "sre-leads" && d.Rule == "approvers.sre-leads.match" && d.Subject == "lee" && d.Issuer == op.Issuer
		decided = decided || (rec.Confirmation == "approval_decision" && rec.Decision.Rule == "approvers.sre-leads.match" && strings.Contains(rec.Outcome.Message, "sre-leads (lee)") && person)
		ran = ran || (rec.Confirmation == "approved" && person)
	}
	if !decided || !ran {
		t.Fatalf("audit: decision %v, approved call %v\n%+v", decided, ran, h.records(t))
	}
}
