package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// resolveArgs parses global flags as run does and resolves the config.
func resolveArgs(args []string, env map[string]string) (*config, error) {
	fs := flag.NewFlagSet("atlas-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var fv flagValues
	addGlobalFlags(fs, &fv)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return resolve(fs, &fv, envFrom(env))
}

// Flags beat the environment; the environment beats defaults. Each case reads
// one setting of the resolved config.
func TestConfigPrecedence(t *testing.T) {
	const sim = "http://127.0.0.1:9999"
	tests := []struct {
		name string
		args []string
		env  map[string]string
		get  func(*config) any
		want any
	}{
		// cloud
		{"cloud default", nil, nil, func(c *config) any { return c.Cloud }, "commercial"},
		{"cloud from env", nil, map[string]string{"ATLAS_MCP_CLOUD": "gov"}, func(c *config) any { return c.Cloud }, "gov"},
		{"cloud flag beats env", []string{"--cloud", "gov"}, map[string]string{"ATLAS_MCP_CLOUD": "commercial"}, func(c *config) any { return c.Cloud }, "gov"},
		{"cloud flag equal to the default still beats env", []string{"--cloud", "commercial"}, map[string]string{"ATLAS_MCP_CLOUD": "gov"}, func(c *config) any { return c.Cloud }, "commercial"},
		{"empty env is unset", nil, map[string]string{"ATLAS_MCP_CLOUD": ""}, func(c *config) any { return c.Cloud }, "commercial"},

		// read-only / disable-destructive
		{"read-only default off", nil, nil, func(c *config) any { return c.ReadOnly }, false},
		{"read-only from env", nil, map[string]string{"ATLAS_MCP_READ_ONLY": "true"}, func(c *config) any { return c.ReadOnly }, true},
		{"read-only env 1", nil, map[string]string{"ATLAS_MCP_READ_ONLY": "1"}, func(c *config) any { return c.ReadOnly }, true},
		{"read-only env false", nil, map[string]string{"ATLAS_MCP_READ_ONLY": "false"}, func(c *config) any { return c.ReadOnly }, false},
		{"--read-only=false beats env true", []string{"--read-only=false"}, map[string]string{"ATLAS_MCP_READ_ONLY": "true"}, func(c *config) any { return c.ReadOnly }, false},
		{"--read-only beats env false", []string{"--read-only"}, map[string]string{"ATLAS_MCP_READ_ONLY": "false"}, func(c *config) any { return c.ReadOnly }, true},
		{"disable-destructive from env", nil, map[string]string{"ATLAS_MCP_DISABLE_DESTRUCTIVE": "true"}, func(c *config) any { return c.DisableDestructive }, true},
		{"--disable-destructive=false beats env", []string{"--disable-destructive=false"}, map[string]string{"ATLAS_MCP_DISABLE_DESTRUCTIVE": "true"}, func(c *config) any { return c.DisableDestructive }, false},

		// policy, audit
		{"policy from env", nil, map[string]string{"ATLAS_MCP_POLICY": "/etc/p.yaml"}, func(c *config) any { return c.PolicyPath }, "/etc/p.yaml"},
		{"policy flag beats env", []string{"--policy", "mine.yaml"}, map[string]string{"ATLAS_MCP_POLICY": "/etc/p.yaml"}, func(c *config) any { return c.PolicyPath }, "mine.yaml"},
		{"audit log default empty", nil, nil, func(c *config) any { return c.AuditLog }, ""},
		{"audit log from env", nil, map[string]string{"ATLAS_MCP_AUDIT_LOG": "/var/a.jsonl"}, func(c *config) any { return c.AuditLog }, "/var/a.jsonl"},
		{"audit log flag beats env", []string{"--audit-log", "b.jsonl"}, map[string]string{"ATLAS_MCP_AUDIT_LOG": "/var/a.jsonl"}, func(c *config) any { return c.AuditLog }, "b.jsonl"},
		{"audit sync default", nil, nil, func(c *config) any { return c.AuditSync }, "always"},
		{"audit sync from env", nil, map[string]string{"ATLAS_MCP_AUDIT_SYNC": "batch"}, func(c *config) any { return c.AuditSync }, "batch"},
		{"audit sync flag beats env", []string{"--audit-sync", "always"}, map[string]string{"ATLAS_MCP_AUDIT_SYNC": "batch"}, func(c *config) any { return c.AuditSync }, "always"},

		// base URL: flag, env, alias, trimming
		{"base URL default empty", nil, nil, func(c *config) any { return c.BaseURL }, ""},
		{"base URL from env", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": sim}, func(c *config) any { return c.BaseURL }, sim},
		{"base URL alias MDB_MCP_API_BASE_URL", nil, map[string]string{"MDB_MCP_API_BASE_URL": sim}, func(c *config) any { return c.BaseURL }, sim},
		{"MONGODB_ATLAS_BASE_URL beats the alias", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": sim, "MDB_MCP_API_BASE_URL": "https://other.example"}, func(c *config) any { return c.BaseURL }, sim},
		{"--base-url beats env", []string{"--base-url", "https://flag.example"}, map[string]string{"MONGODB_ATLAS_BASE_URL": sim}, func(c *config) any { return c.BaseURL }, "https://flag.example"},
		{"trailing slash trimmed", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": sim + "/"}, func(c *config) any { return c.BaseURL }, sim},
		{"/api/atlas/v2 trimmed", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": sim + "/api/atlas/v2"}, func(c *config) any { return c.BaseURL }, sim},
		{"/api/atlas/v2/ trimmed", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": "https://cloud.mongodb.com/api/atlas/v2/"}, func(c *config) any { return c.BaseURL }, "https://cloud.mongodb.com"},
		{"alias trimmed too", nil, map[string]string{"MDB_MCP_API_BASE_URL": sim + "/api/atlas/v2/"}, func(c *config) any { return c.BaseURL }, sim},
		{"flag trimmed too", []string{"--base-url", sim + "/"}, nil, func(c *config) any { return c.BaseURL }, sim},

		// credentials and aliases
		{"service account", nil, map[string]string{"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "sk"},
			func(c *config) any { return c.Credentials }, atlasclient.Credentials{ClientID: "id", ClientSecret: "sk"}},
		{"service account via MDB_MCP_* aliases", nil, map[string]string{"MDB_MCP_API_CLIENT_ID": "mid", "MDB_MCP_API_CLIENT_SECRET": "msk"},
			func(c *config) any { return c.Credentials }, atlasclient.Credentials{ClientID: "mid", ClientSecret: "msk"}},
		{"MONGODB_ATLAS_* beats MDB_MCP_*", nil, map[string]string{
			"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "sk",
			"MDB_MCP_API_CLIENT_ID": "mid", "MDB_MCP_API_CLIENT_SECRET": "msk"},
			func(c *config) any { return c.Credentials }, atlasclient.Credentials{ClientID: "id", ClientSecret: "sk"}},
		{"API key pair", nil, map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": "pub", "MONGODB_ATLAS_PRIVATE_API_KEY": "priv"},
			func(c *config) any { return c.Credentials }, atlasclient.Credentials{PublicKey: "pub", PrivateKey: "priv"}},
		{"secrets are the secret halves", nil, map[string]string{
			"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "sk",
			"MONGODB_ATLAS_PUBLIC_API_KEY": "pub", "MONGODB_ATLAS_PRIVATE_API_KEY": "priv"},
			func(c *config) any { return c.secrets() }, []string{"sk", "priv"}},

		// defaults for arguments, others
		{"project and org from env", nil, map[string]string{"MONGODB_ATLAS_PROJECT_ID": "p1", "MONGODB_ATLAS_ORG_ID": "o1"},
			func(c *config) any { return c.ProjectID + "/" + c.OrgID }, "p1/o1"},
		{"app services base URL from env", nil, map[string]string{"ATLAS_MCP_APPSERVICES_BASE_URL": sim + "/api/admin/v3.0"},
			func(c *config) any { return c.AppServicesBaseURL }, sim + "/api/admin/v3.0"},
		{"allowed origins split and trimmed", []string{"--allowed-origin", " https://a.example, https://b.example ,,"}, nil,
			func(c *config) any { return c.AllowedOrigins }, []string{"https://a.example", "https://b.example"}},
		{"transport default stdio", nil, nil, func(c *config) any { return c.Transport + " " + c.Listen }, "stdio 127.0.0.1:8080"},
		{"gov cloud maps to the client's Gov", []string{"--cloud", "gov"}, nil, func(c *config) any { return c.cloud() }, atlasclient.Gov},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := resolveArgs(tc.args, tc.env)
			if err != nil {
				t.Fatalf("resolve(%q, %v): %v", tc.args, tc.env, err)
			}
			if got := tc.get(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// Bad values are errors that name the setting, so the user knows what to fix.
func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"read-only not a boolean", nil, map[string]string{"ATLAS_MCP_READ_ONLY": "maybe"}, []string{"ATLAS_MCP_READ_ONLY", `"maybe"`, "true or false"}},
		{"disable-destructive not a boolean", nil, map[string]string{"ATLAS_MCP_DISABLE_DESTRUCTIVE": "yes please"}, []string{"ATLAS_MCP_DISABLE_DESTRUCTIVE"}},
		{"cloud flag", []string{"--cloud", "mars"}, nil, []string{"--cloud", `"mars"`, "commercial or gov"}},
		{"cloud env", nil, map[string]string{"ATLAS_MCP_CLOUD": "mars"}, []string{"ATLAS_MCP_CLOUD", `"mars"`}},
		{"audit sync env", nil, map[string]string{"ATLAS_MCP_AUDIT_SYNC": "sometimes"}, []string{"ATLAS_MCP_AUDIT_SYNC", `"sometimes"`, "always or batch"}},
		{"audit sync flag", []string{"--audit-sync", "sometimes"}, nil, []string{"--audit-sync"}},
		{"audit fail reads", []string{"--audit-fail-reads", "ajar"}, nil, []string{"--audit-fail-reads", "closed or open"}},
		{"audit max bytes", []string{"--audit-max-bytes", "-1"}, nil, []string{"--audit-max-bytes"}},
		{"transport", []string{"--transport", "grpc"}, nil, []string{"--transport", `"grpc"`, "stdio or http"}},
		{"base URL without scheme (env)", nil, map[string]string{"MONGODB_ATLAS_BASE_URL": "cloud.mongodb.com"}, []string{"MONGODB_ATLAS_BASE_URL", "cloud.mongodb.com", "https://"}},
		{"base URL without scheme (alias)", nil, map[string]string{"MDB_MCP_API_BASE_URL": "127.0.0.1:9999"}, []string{"MDB_MCP_API_BASE_URL", "https://"}},
		{"base URL without scheme (flag)", []string{"--base-url", "127.0.0.1:9999"}, nil, []string{"--base-url", "https://"}},
		{"client ID without secret", nil, map[string]string{"MONGODB_ATLAS_CLIENT_ID": "id"}, []string{"MONGODB_ATLAS_CLIENT_SECRET"}},
		{"alias secret without ID", nil, map[string]string{"MDB_MCP_API_CLIENT_SECRET": "sk"}, []string{"MONGODB_ATLAS_CLIENT_ID"}},
		{"public key without private key", nil, map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": "pub"}, []string{"MONGODB_ATLAS_PRIVATE_API_KEY"}},
		{"private key without public key", nil, map[string]string{"MONGODB_ATLAS_PRIVATE_API_KEY": "priv"}, []string{"MONGODB_ATLAS_PUBLIC_API_KEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := resolveArgs(tc.args, tc.env)
			if err == nil {
				t.Fatalf("resolve(%q, %v) = %+v, want an error", tc.args, tc.env, c)
			}
			mustContain(t, "error", err.Error(), tc.want...)
		})
	}
}

// The same mistakes through run: a plain error (main prints it and exits 2),
// never an exit status 1 that a script would read as "the tool failed".
func TestRunRejectsBadInvocations(t *testing.T) {
	dir := t.TempDir()
	audit := dir + "/audit.jsonl"
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    []string // in the returned error
		wantStderr []string // flag errors are printed by the flag package
	}{
		{"unknown global flag", []string{"--nope"}, nil, []string{"-nope"}, []string{"-nope", "Usage"}},
		{"unknown command", []string{"frobnicate"}, nil, []string{`unknown command "frobnicate"`, "tools, call"}, nil},
		{"flag after the command is not global", []string{"tools", "--read-only"}, nil, []string{"-read-only"}, nil},
		{"unknown tools flag", []string{"tools", "--yaml"}, nil, []string{"-yaml"}, nil},
		{"bad env value stops every command", []string{"tools"}, map[string]string{"ATLAS_MCP_READ_ONLY": "maybe"}, []string{"ATLAS_MCP_READ_ONLY"}, nil},
		{"bad cloud stops serving", []string{"--cloud", "mars"}, nil, []string{"--cloud"}, nil},
		{"call without a tool", []string{"--sandbox", "call"}, nil, []string{"usage: atlas-mcp call TOOL"}, nil},
		{"call with too many arguments", []string{"--sandbox", "call", "atlas-list-orgs", "{}", "{}"}, nil, []string{"usage: atlas-mcp call TOOL"}, nil},
		{"unknown call flag", []string{"--sandbox", "call", "--yaml", "atlas-list-orgs"}, nil, []string{"-yaml"}, nil},
		{"policy without explain", []string{"policy"}, nil, []string{"usage: atlas-mcp policy explain"}, nil},
		{"policy with another verb", []string{"policy", "lint"}, nil, []string{"usage: atlas-mcp policy explain"}, nil},
		{"audit without a verb", []string{"audit"}, nil, []string{"usage: atlas-mcp audit keygen FILE | atlas-mcp audit verify"}, nil},
		{"audit with an unknown verb", []string{"audit", "rewrite"}, nil, []string{`unknown audit command "rewrite"`}, nil},
		{"audit verify without a file reads the configured log", []string{"audit", "verify"}, map[string]string{"ATLAS_MCP_AUDIT_LOG": dir + "/none.jsonl"}, []string{"none.jsonl"}, nil},
		{"audit verify of a missing file", []string{"audit", "verify", dir + "/missing.jsonl"}, nil, []string{"missing.jsonl"}, nil},
		{"bad log level", []string{"--sandbox", "--audit-log", audit, "--log-level", "loud", "call", "atlas-list-orgs"}, nil, []string{"--log-level", `"loud"`}, nil},
		{"missing policy file", []string{"--sandbox", "--audit-log", audit, "--policy", dir + "/nope.yaml", "call", "atlas-list-orgs"}, nil, []string{"nope.yaml"}, nil},
		{"audit key without a checkpoint sink", []string{"--sandbox", "--audit-log", audit, "call", "atlas-list-orgs"}, map[string]string{"ATLAS_MCP_AUDIT_KEY": dir + "/k"}, []string{"--audit-key", "--audit-checkpoints", "go together"}, nil},
		{"checkpoint sink without a key", []string{"--sandbox", "--audit-log", audit, "--audit-checkpoints", "stderr", "call", "atlas-list-orgs"}, nil, []string{"go together"}, nil},
		{"unreadable audit key", []string{"--sandbox", "--audit-log", audit, "--audit-key", dir + "/nokey", "--audit-checkpoints", "stderr", "call", "atlas-list-orgs"}, nil, []string{"ATLAS_MCP_AUDIT_KEY", "nokey"}, nil},
		{"checkpoints into the log itself", []string{"--sandbox", "--audit-log", audit, "--audit-key", dir + "/real.key", "--audit-checkpoints", audit, "call", "atlas-list-orgs"}, nil, []string{"is the audit log itself"}, nil},
		{"audit log on stdout with stdio", []string{"--sandbox", "--audit-log", "-"}, nil, []string{"--audit-log -", "stdout", "--transport http"}, nil},
		{"audit log on stdout with call", []string{"--sandbox", "--audit-log", "-", "call", "atlas-list-orgs"}, nil, []string{"--audit-log -", "where call prints its answer"}, nil},
		{"audit keygen without a file", []string{"audit", "keygen"}, nil, []string{"usage: atlas-mcp audit keygen"}, nil},
		{"audit verify with checkpoints and no key", []string{"audit", "verify", "--checkpoints", dir, audit}, nil, []string{"needs --key"}, nil},
	}
	if r := runCLI(t, nil, nil, "audit", "keygen", dir+"/real.key"); r.err != nil {
		t.Fatal(r.err)
	}
	if r := runCLI(t, nil, nil, "audit", "keygen", dir+"/real.key"); r.err == nil {
		t.Fatal("keygen overwrote an existing key")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, nil, tc.args...)
			if r.exitCode() != -1 {
				t.Fatalf("run(%q) = %v (exit %d), want a usage/config error; stdout:\n%s", tc.args, r.err, r.exitCode(), r.stdout)
			}
			mustContain(t, "error", r.err.Error(), tc.wantErr...)
			mustContain(t, "stderr", r.stderr, tc.wantStderr...)
		})
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	r := runCLI(t, nil, nil, "-h")
	if !errors.Is(r.err, flag.ErrHelp) {
		t.Fatalf("run(-h) = %v, want flag.ErrHelp (main exits 0)", r.err)
	}
	mustContain(t, "stderr", r.stderr, "Usage:", "atlas-mcp --sandbox call atlas-list-clusters", "-read-only", "-cloud")
}

// The environment-backed settings change what a user sees, not only fields.
func TestEnvAndFlagsChangeTheCatalogue(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantCount int // with atlas-whoami
		noWrite   bool
		noAppSvc  bool
	}{
		{"defaults", nil, nil, offered(atlasclient.Commercial, nil), false, false},
		{"ATLAS_MCP_READ_ONLY=true", nil, map[string]string{"ATLAS_MCP_READ_ONLY": "true"}, offered(atlasclient.Commercial, isRead), true, false},
		{"--read-only=false beats ATLAS_MCP_READ_ONLY=true", []string{"--read-only=false"}, map[string]string{"ATLAS_MCP_READ_ONLY": "true"}, offered(atlasclient.Commercial, nil), false, false},
		{"--cloud gov beats ATLAS_MCP_CLOUD=commercial", []string{"--cloud", "gov"}, map[string]string{"ATLAS_MCP_CLOUD": "commercial"}, offered(atlasclient.Gov, nil), false, true},
		{"ATLAS_MCP_CLOUD=gov", nil, map[string]string{"ATLAS_MCP_CLOUD": "gov"}, offered(atlasclient.Gov, nil), false, true},
		{"--cloud commercial beats ATLAS_MCP_CLOUD=gov", []string{"--cloud", "commercial"}, map[string]string{"ATLAS_MCP_CLOUD": "gov"}, offered(atlasclient.Commercial, nil), false, false},
		{"ATLAS_MCP_DISABLE_DESTRUCTIVE=true", nil, map[string]string{"ATLAS_MCP_DISABLE_DESTRUCTIVE": "true"}, offered(atlasclient.Commercial, notDestructive), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, nil, append(tc.args, "tools", "--json")...)
			if r.err != nil {
				t.Fatalf("run: %v\n%s", r.err, r.stderr)
			}
			var rows []toolRow
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("tools --json is not JSON: %v", err)
			}
			if len(rows) != tc.wantCount {
				t.Errorf("%d tools, want %d", len(rows), tc.wantCount)
			}
			for _, row := range rows {
				if tc.noWrite && row.Access != "read" {
					t.Errorf("%s (%s) listed in read-only mode", row.Name, row.Access)
				}
				if tc.noAppSvc && strings.HasPrefix(row.Name, "appservices-") {
					t.Errorf("%s listed for Atlas for Government", row.Name)
				}
				if tc.env["ATLAS_MCP_DISABLE_DESTRUCTIVE"] == "true" && row.Destructive {
					t.Errorf("%s is destructive but listed", row.Name)
				}
			}
		})
	}
}

func TestRateLimitShareScalesEveryBucket(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var fv flagValues
	addGlobalFlags(fs, &fv)
	if err := fs.Parse([]string{"--rate-limit-share", "0.25"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolve(fs, &fv, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.limits()["clusters"]; l.Capacity != 2500 || l.Refill != 1250 {
		t.Fatalf("clusters bucket at a quarter share: %+v", l)
	}
	for _, bad := range []string{"0", "1.5", "-1"} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var fv flagValues
		addGlobalFlags(fs, &fv)
		_ = fs.Parse([]string{"--rate-limit-share", bad})
		if _, err := resolve(fs, &fv, func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "rate-limit-share") {
			t.Errorf("share %s: %v", bad, err)
		}
	}
}

// The standard set's figure is a documented default, configurable by flag or
// env; left alone it is marked a guess so that Atlas's own answers pace it.
func TestStandardRateLimitIsAConfigurableDefault(t *testing.T) {
	cases := []struct {
		args  []string
		env   map[string]string
		want  atlasclient.Limit
		fails bool
	}{
		{nil, nil, atlasclient.Limit{Capacity: 100, Refill: 100, Per: time.Minute, Guess: true}, false},
		{[]string{"--standard-rate-limit", "600"}, nil, atlasclient.Limit{Capacity: 600, Refill: 600, Per: time.Minute}, false},
		{nil, map[string]string{"ATLAS_MCP_STANDARD_RATE_LIMIT": "300"}, atlasclient.Limit{Capacity: 300, Refill: 300, Per: time.Minute}, false},
		{[]string{"--standard-rate-limit", "50"}, map[string]string{"ATLAS_MCP_STANDARD_RATE_LIMIT": "300"}, atlasclient.Limit{Capacity: 50, Refill: 50, Per: time.Minute}, false},
		{[]string{"--standard-rate-limit", "0"}, nil, atlasclient.Limit{}, false},
		{nil, map[string]string{"ATLAS_MCP_STANDARD_RATE_LIMIT": "many"}, atlasclient.Limit{}, true},
		{[]string{"--standard-rate-limit", "-1"}, nil, atlasclient.Limit{}, true},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var fv flagValues
		addGlobalFlags(fs, &fv)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve(fs, &fv, func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
		if c.fails {
			if err == nil {
				t.Errorf("%v %v: accepted", c.args, c.env)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v %v: %v", c.args, c.env, err)
		}
		for _, set := range []string{atlasclient.SetStandard, atlasclient.SetAppServices} {
			if got := cfg.limits()[set]; got != c.want {
				t.Errorf("%v %v: %s bucket %+v, want %+v", c.args, c.env, set, got, c.want)
			}
		}
	}
}
