package approvals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

const (
	testProject = "6650a0c0f0a1b2c3d4e5f602"
	otherProj   = "6650a0c0f0a1b2c3d4e5f603"
	aliceToken  = "alice-approver-token-0123456789"
	bobToken    = "bob-approver-token-0123456789"
	carolToken  = "carol-approver-token-0123456789"
	agentToken  = "agent-bot-token-0123456789"
)

func hash(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// testPolicy has one agent and three approvers: alice and bob may approve
// anything, carol only in another project.
func testPolicy(t testing.TB) *policy.Policy {
	t.Helper()
	src := `
agents:
  bot:
    tokenSha256: ` + hash(agentToken) + `
    grants: [{area: '*', access: [read, write]}]
approvers:
  alice:
    tokenSha256: ` + hash(aliceToken) + `
  bob:
    tokenSha256: ` + hash(bobToken) + `
  carol:
    tokenSha256: ` + hash(carolToken) + `
    projects: [` + otherProj + `]
`
	p, err := policy.Parse([]byte(strings.TrimPrefix(src, "\n")), "test.yaml", policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// backends returns the stores under test: SQLite always; PostgreSQL when
// scripts/pg-test-env started one (ATLAS_MCP_TEST_POSTGRES), else a loud skip.
func backends(t *testing.T) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"sqlite": func(t *testing.T) Store {
			s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "approvals.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(t *testing.T) Store {
			return openTestPostgres(t)
		},
	}
}

func postgresURL(t *testing.T) string {
	u := os.Getenv("ATLAS_MCP_TEST_POSTGRES")
	if u == "" {
		t.Skip("SKIPPED: no PostgreSQL for the approval-store tests. Set ATLAS_MCP_TEST_POSTGRES, e.g. eval \"$(scripts/pg-test-env start)\" (needs Debian's postgresql package; .ci/run installs it).")
	}
	return u
}

// openTestPostgres opens a store in a fresh schema of the test database, so
// tests do not see each other's rows.
func openTestPostgres(t *testing.T) Store {
	t.Helper()
	base := postgresURL(t)
	schema := "t_" + strings.ToLower(newID("")[:12])
	admin, err := Open(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	db := admin.(*sqlStore).db
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	url := base + sep + "search_path=" + schema
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	t.Setenv("ATLAS_MCP_TEST_PG_SCHEMA_URL", url)
	return s
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newRequest(required int) NewRequest {
	return NewRequest{
		PlanHash: hash("plan-1"), Plan: []byte(`{"requests":[{"method":"DELETE","path":"/api/atlas/v2/groups/x/clusters/prod"}]}`),
		Rendering: Rendering{Title: "Delete cluster prod", Lines: []string{"atlas-delete-cluster will permanently delete cluster \"prod\" with all its data."}},
		Agent:     "bot", Tool: "atlas-delete-cluster", Area: "clusters", ProjectID: testProject, Resource: "prod",
		Rule: "default.confirm.destructive", Why: "destructive", Required: required, TTL: time.Hour,
	}
}

func envLookup(k string) string { return os.Getenv(k) }
