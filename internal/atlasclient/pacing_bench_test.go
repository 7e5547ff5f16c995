package atlasclient

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// BenchmarkStandardCallsPastTheDefault is one "standard"-set GET with the
// client's limits at their defaults, against an Atlas whose standard bucket
// (announced in RateLimit-Limit/Remaining) is far larger than the default
// guess of 100 a minute. Run past 100 calls (-benchtime 300x) it shows whether
// the client paces itself to its own guess or to Atlas's answers.
func BenchmarkStandardCallsPastTheDefault(b *testing.B) {
	big := atlassim.Limit{Capacity: 1 << 20, Refill: 1 << 20, Per: time.Second}
	e := newSimEnv(b, atlassim.Options{Limits: map[string]atlassim.Limit{atlassim.SetStandard: big}})
	c := e.client(b)
	req := &Request{Method: http.MethodGet, Template: "/groups/{groupId}", Params: map[string]string{"groupId": atlassim.DemoProjectID}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(ctx, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}
