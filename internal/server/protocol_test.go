package server

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// Every protocol version mcp-go serves, from 2024-11-05 to 2026-07-28, gets the
// same tools and the same answers.
func TestEveryProtocolVersionIsServed(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, v := range mcp.ValidProtocolVersions {
		t.Run(v, func(t *testing.T) {
			c := h.clientWithProtocol(t, v)
			res := call(t, c, "atlas-list-clusters", `{}`)
			if res.IsError || !strings.Contains(resultText(res), "prod-analytics") {
				t.Fatalf("%s: %s", v, resultText(res))
			}
			bad := call(t, c, "atlas-get-cluster", `{"clusterName":"../../orgs"}`)
			if !bad.IsError {
				t.Fatalf("%s: bad input accepted", v)
			}
		})
	}
}
