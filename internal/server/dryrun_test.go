package server

import (
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// A dry run tells what the real call would meet: a person asked (a host that
// can ask), a token for a person to approve (withoutElicitation: token), or a
// refusal (withoutElicitation: refuse) — never "a person will be asked"
// where nobody can be.
func TestDryRunSaysWhatTheCallWouldMeet(t *testing.T) {
	tokenPolicy, err := policy.Load("../../testdata/policies/token-confirm.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const del = `{"clusterName":"staging","dryRun":true}`
	tests := []struct {
		name   string
		policy *policy.Policy
		opts   []mcpclient.ClientOption
		want   []string
		not    []string
	}{
		{"a host that can ask", nil, []mcpclient.ClientOption{mcpclient.WithElicitationHandler(&answer{action: mcp.ElicitationResponseActionDecline})},
			[]string{"policy allows it", "a person will be asked to confirm it"}, []string{"refused"}},
		{"no elicitation, refuse", nil, nil,
			[]string{"it would be refused", "does not support MCP elicitation", "withoutElicitation: refuse"}, []string{"will be asked"}},
		{"no elicitation, token", tokenPolicy, nil,
			[]string{"would need a person's approval", "confirmationToken"}, []string{"will be asked", "refused"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{policy: tc.policy})
			c := h.client(t, tc.opts...)
			res := call(t, c, "atlas-delete-cluster", del)
			text := resultText(res)
			if res.IsError {
				t.Fatalf("dry run is an error: %s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("dry run text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("dry run text says %q:\n%s", w, text)
				}
			}
			if n := h.requestsTo("DELETE", "/clusters/staging"); n != 0 {
				t.Errorf("a dry run sent %d DELETE", n)
			}
		})
	}
}
