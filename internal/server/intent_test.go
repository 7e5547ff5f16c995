package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// TestWriteHasIntentThenOutcome: a write leaves an intent (with plan and plan
// hash, before Atlas is called) and an outcome naming it, with the Atlas
// request; its structured answer carries the record numbers. A read keeps
// one record and its answer is unchanged.
func TestWriteHasIntentThenOutcome(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	c := h.client(t)
	res := call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.7","comment":"intent test"}`)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	sc, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(sc), `"auditSeq":2`) || !strings.Contains(string(sc), `"auditIntentSeq":1`) {
		t.Fatalf("structured answer: %s", sc)
	}
	read := call(t, c, "atlas-list-clusters", `{}`)
	if b, _ := json.Marshal(read.StructuredContent); strings.Contains(string(b), "auditSeq") {
		t.Fatalf("a read carries auditSeq: %s", b)
	}
	recs := h.records(t)
	if len(recs) != 3 {
		t.Fatalf("%d records, want intent, outcome, read", len(recs))
	}
	in, out, rd := recs[0], recs[1], recs[2]
	plan, _ := json.Marshal(in.Plan)
	if in.Kind != audit.KindIntent || !strings.HasPrefix(in.PlanHash, "sha256:") || len(in.PlanHash) != 71 || in.PolicyHash == "" || !strings.Contains(string(plan), "198.51.100.7") || in.Requests != nil || !in.Decision.Allow {
		t.Fatalf("intent: %+v plan %s", in, plan)
	}
	if out.Kind != audit.KindOutcome || out.Intent != in.Seq || !out.Outcome.OK || len(out.Requests) == 0 || out.Requests[len(out.Requests)-1].Method != "POST" {
		t.Fatalf("outcome: %+v", out)
	}
	if rd.Kind != audit.KindCall || rd.Intent != 0 {
		t.Fatalf("read: %+v", rd)
	}
}
