package server

import (
	"net/http"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// The whole-internet refusal is not walked around one half per call: the
// second half is judged with the first, which the project's list now holds.
// When the list cannot be read, nothing is sent.
func TestTheInternetCannotBeOpenedHalfPerCall(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t, mcpclient.WithElicitationHandler(confirmAll{}))
	accessList := "/groups/" + atlassim.DemoProjectID + "/accessList"

	first := call(t, c, "atlas-create-access-list", `{"cidrBlock":"0.0.0.0/1","comment":"half"}`)
	if first.IsError {
		t.Fatalf("first half (confirmed by a person): %s", resultText(first))
	}
	second := call(t, c, "atlas-create-access-list", `{"cidrBlock":"128.0.0.0/1","comment":"the other half"}`)
	if !second.IsError || !strings.Contains(resultText(second), "already holds") || !strings.Contains(resultText(second), "128.0.0.0/1") {
		t.Fatalf("second half: %s", resultText(second))
	}
	if n := h.requestsTo(http.MethodPost, accessList); n != 1 {
		t.Fatalf("%d POSTs to the access list, want 1", n)
	}
	// The same in one call with entries is refused as before; a narrow entry
	// beside the half still passes.
	if r := call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.7","comment":"office"}`); r.IsError {
		t.Fatalf("narrow entry: %s", resultText(r))
	}

	// A call refused on its own entries reads nothing: not even the list.
	h.sim.ResetRequests()
	if r := call(t, c, "atlas-create-access-list", `{"cidrBlock":"0.0.0.0/0","comment":"all"}`); !r.IsError || !strings.Contains(resultText(r), "Refused by policy") {
		t.Fatalf("0.0.0.0/0: %s", resultText(r))
	}
	if n := h.apiRequests(); n != 0 {
		t.Fatalf("a call refused on what it sends made %d Atlas requests", n)
	}

	// A list that cannot be read stops the call before anything is sent.
	h.sim.InjectFault(atlassim.Fault{Method: http.MethodGet, Path: "/api/atlas/v2" + accessList, Status: http.StatusInternalServerError, Times: 10})
	before := h.requestsTo(http.MethodPost, accessList)
	r := call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.8","comment":"office 2"}`)
	if !r.IsError || !strings.Contains(resultText(r), "reading the IP access list") {
		t.Fatalf("unreadable list: %s", resultText(r))
	}
	if n := h.requestsTo(http.MethodPost, accessList); n != before {
		t.Fatal("an entry was sent although the current list could not be read")
	}
	recs := h.records(t)
	last := recs[len(recs)-1]
	if last.Tool != "atlas-create-access-list" || last.Outcome.OK || last.Kind == audit.KindIntent {
		t.Fatalf("the refused call's record: %+v", last)
	}
}
