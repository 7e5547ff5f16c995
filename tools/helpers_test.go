package tools

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

const (
	testProjectID  = "5f1b2c3d4e5f6a7b8c9d0e1f"
	testProject2ID = "5f1b2c3d4e5f6a7b8c9d0e2f"
	testOrgID      = "5f1b2c3d4e5f6a7b8c9d0a0a"
	testHexID      = "0123456789abcdef01234567"
)

// offlineEnv is an Env whose client can resolve requests (for plans) but points
// at a port nothing listens on: validation tests must never reach a server.
func offlineEnv(t testing.TB, gov bool) *Env {
	t.Helper()
	c, err := atlasclient.New(atlasclient.Config{
		BaseURL:            "http://127.0.0.1:1",
		AppServicesBaseURL: "http://127.0.0.1:1/api/admin/v3.0",
		Credentials:        atlasclient.Credentials{ClientID: "id", ClientSecret: "secret", PublicKey: "pub", PrivateKey: "priv"},
	})
	if err != nil {
		t.Fatalf("atlasclient.New: %v", err)
	}
	env := &Env{Client: c, DefaultProjectID: testProjectID, DefaultOrgID: testOrgID}
	if gov {
		env.Cloud = atlasclient.Gov
	}
	return env
}

// prepCase is one set of arguments for a tool's Decode: valid when field is
// empty and gov is false; otherwise the ValidationError (or, with govRule,
// GovRuleError) must name field.
type prepCase struct {
	name    string
	args    string
	gov     bool // decode with Cloud = Gov
	field   string
	govRule bool
	check   func(t *testing.T, c *Call) // optional, for valid cases
}

func runPrepCases(t *testing.T, tool *Tool, cases []prepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := offlineEnv(t, tc.gov)
			call, err := tool.Decode(json.RawMessage(tc.args), env)
			if tc.govRule && err == nil {
				// Atlas for Government's rules hold on the final plan;
				// the flat arguments may not show what breaks them.
				_, err = call.Plan(t.Context(), testAgent)
			}
			switch {
			case tc.govRule:
				var ge *GovRuleError
				if !errors.As(err, &ge) {
					t.Fatalf("Decode(%s) = %v (%T), want *GovRuleError", tc.args, err, err)
				}
				if tc.field != "" && ge.Field != tc.field {
					t.Errorf("GovRuleError.Field = %q, want %q (%v)", ge.Field, tc.field, ge)
				}
			case tc.field != "":
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("Decode(%s) = %v (%T), want *ValidationError on %q", tc.args, err, err, tc.field)
				}
				if ve.Field != tc.field {
					t.Errorf("ValidationError.Field = %q, want %q (%v)", ve.Field, tc.field, ve)
				}
				if ve.Problem == "" || ve.Fix == "" {
					t.Errorf("ValidationError %+v lacks a problem or a fix", ve)
				}
			default:
				if err != nil {
					t.Fatalf("Decode(%s) = %v, want success", tc.args, err)
				}
				if tc.check != nil {
					tc.check(t, call)
				}
			}
		})
	}
}

// testAgent is the agent every test plans for.
const testAgent = "agent"

// planOf builds a call's plan as the server does, before any decision.
func planOf(t *testing.T, c *Call) *Plan {
	t.Helper()
	p, err := c.Plan(t.Context(), testAgent)
	if err != nil {
		t.Fatalf("%s: Plan: %v", c.Tool.Name, err)
	}
	return p
}

// planJSON is the plan as the log records it (secrets masked), with its
// rendering, as one JSON text.
func planJSON(t *testing.T, c *Call) string {
	t.Helper()
	p := planOf(t, c)
	if len(p.Requests) == 0 {
		t.Fatal("Plan has no requests")
	}
	b, err := json.Marshal(struct {
		Plan   *Plan     `json:"plan"`
		Render Rendering `json:"render"`
	}{p.Redacted(), p.Render})
	if err != nil {
		t.Fatalf("marshal plan: %v", err)
	}
	return string(b)
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func mustNotContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s contains %q but must not:\n%s", what, sub, s)
		}
	}
}

// resolvedPath is the escaped path a request goes to.
func resolvedPath(t *testing.T, req *atlasclient.Request) string {
	t.Helper()
	res, err := offlineEnv(t, false).Client.Resolve(req)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return res.Path
}
