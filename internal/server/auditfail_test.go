package server

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// When the audit log cannot be written, calls fail closed: the agent is told,
// and the next write is refused before anything reaches Atlas.
func TestAuditFailureFailsClosed(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	h := newHarness(t, harnessOpts{})
	log, err := audit.Open(audit.Options{Path: "/dev/full"})
	if err != nil {
		t.Skipf("cannot open /dev/full as a log: %v", err)
	}
	defer log.Close()
	client, err := atlasclient.New(atlasclient.Config{BaseURL: h.http.URL, Credentials: atlasclient.Credentials{ClientID: atlassim.DemoClientID, ClientSecret: atlassim.DemoClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{
		Tools:  tools.All(),
		Env:    &tools.Env{Client: client, DefaultProjectID: atlassim.DemoProjectID, DefaultOrgID: atlassim.DemoOrgID, PollInterval: time.Millisecond},
		Policy: policy.Default(policy.Options{}),
		Audit:  log,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.server = srv
	c := h.client(t)

	// The intent is written before the write is sent: with no record, no send.
	posts := h.requestsTo("POST", "/accessList")
	res := call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.7","comment":"audit test"}`)
	if !res.IsError || !strings.Contains(resultText(res), "Nothing was sent to Atlas") {
		t.Fatalf("first write: %s", resultText(res))
	}
	if h.requestsTo("POST", "/accessList") != posts {
		t.Fatal("a write reached Atlas without its intent record")
	}
	res = call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.8","comment":"audit test"}`)
	if !res.IsError || !strings.Contains(resultText(res), "audit log cannot be written") {
		t.Fatalf("second write: %s", resultText(res))
	}
	if h.requestsTo("POST", "/accessList") != posts {
		t.Fatal("a write reached Atlas while the audit log was broken")
	}
	res = call(t, c, "atlas-list-clusters", `{}`)
	if !res.IsError {
		t.Fatal("a read was answered with --audit-fail-reads closed")
	}
}
