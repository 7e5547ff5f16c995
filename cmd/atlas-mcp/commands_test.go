package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, nil, "version")
	if r.err != nil {
		t.Fatal(r.err)
	}
	v, c, d := versionInfo()
	want := "atlas-mcp " + v + " (commit " + c + ", built " + d + ")\n"
	if r.stdout != want {
		t.Errorf("version printed %q, want %q", r.stdout, want)
	}
	// version needs no configuration: a bad environment does not stop it.
	if r := runCLI(t, map[string]string{"ATLAS_MCP_CLOUD": "mars"}, nil, "version"); r.err != nil {
		t.Errorf("version with a bad ATLAS_MCP_CLOUD: %v", r.err)
	}
}

func TestToolsTable(t *testing.T) {
	js := runCLI(t, nil, nil, "tools", "--json")
	if js.err != nil {
		t.Fatal(js.err)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(js.stdout), &raw); err != nil {
		t.Fatalf("tools --json is not JSON: %v\n%s", err, js.stdout)
	}
	if want := len(tools.All()) + 1; len(raw) != want { // the catalogue and atlas-whoami
		t.Errorf("tools --json has %d entries, want %d", len(raw), want)
	}
	seen := map[string]bool{}
	for _, e := range raw {
		for _, f := range []string{"name", "area", "access", "destructive", "permission"} {
			if _, ok := e[f]; !ok {
				t.Errorf("entry %v lacks %q", e["name"], f)
			}
		}
		name, _ := e["name"].(string)
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if _, ok := e["destructive"].(bool); !ok {
			t.Errorf("%s: destructive is %T, want a boolean", name, e["destructive"])
		}
		if a := e["access"]; a != "read" && a != "write" {
			t.Errorf("%s: access %v", name, a)
		}
	}
	// The contract's catalogue minimum.
	for _, name := range []string{
		"atlas-list-orgs", "atlas-get-org", "atlas-list-projects", "atlas-get-project", "atlas-create-project", "atlas-delete-project",
		"atlas-list-clusters", "atlas-get-cluster", "atlas-create-cluster", "atlas-update-cluster", "atlas-delete-cluster",
		"atlas-list-db-users", "atlas-create-db-user", "atlas-delete-db-user",
		"atlas-list-access-list", "atlas-create-access-list", "atlas-delete-access-list",
		"atlas-list-snapshots", "atlas-list-restore-jobs", "atlas-create-snapshot", "atlas-create-restore-job",
		"atlas-list-alerts", "atlas-list-alert-configs", "atlas-create-alert-config",
		"atlas-list-api-keys", "atlas-create-api-key", "atlas-delete-api-key",
		"appservices-list-apps", "appservices-get-app", "appservices-list-triggers",
	} {
		if !seen[name] {
			t.Errorf("catalogue lacks %s", name)
		}
	}

	// The table shows the same rows, with the marks a person reads.
	tab := runCLI(t, nil, nil, "tools")
	if tab.err != nil {
		t.Fatal(tab.err)
	}
	lines := strings.Split(strings.TrimRight(tab.stdout, "\n"), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "NAME AREA ACCESS DESTRUCTIVE ATLAS ROLE" {
		t.Errorf("header = %q", lines[0])
	}
	if len(lines)-1 != len(raw) {
		t.Errorf("table has %d rows, JSON %d", len(lines)-1, len(raw))
	}
	byName := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		byName[f[0]] = f
	}
	destructive := 0
	for _, e := range raw {
		name := e["name"].(string)
		f, ok := byName[name]
		if !ok {
			t.Errorf("table lacks %s", name)
			continue
		}
		want := []string{name, e["area"].(string), e["access"].(string)}
		if e["destructive"].(bool) {
			want = append(want, "yes")
			destructive++
		}
		if p := e["permission"].(string); p != "" {
			want = append(want, p)
		}
		if strings.Join(f, " ") != strings.Join(want, " ") {
			t.Errorf("row %q, want %q", strings.Join(f, " "), strings.Join(want, " "))
		}
	}
	for _, name := range []string{"atlas-delete-project", "atlas-delete-cluster", "atlas-delete-db-user", "atlas-delete-access-list", "atlas-delete-api-key", "atlas-create-restore-job"} {
		if f := byName[name]; len(f) < 4 || f[3] != "yes" {
			t.Errorf("%s is not marked destructive: %q", name, f)
		}
	}
	if destructive != 6 {
		t.Errorf("%d destructive tools, want 6", destructive)
	}
}

func TestToolsJSONFilters(t *testing.T) {
	tests := []struct {
		name string
		args []string
		keep func(toolRow) bool // every listed row satisfies it
		want int
	}{
		{"read-only", []string{"--read-only", "tools", "--json"}, func(r toolRow) bool { return r.Access == "read" && !r.Destructive }, offered(atlasclient.Commercial, isRead)},
		{"gov", []string{"--cloud", "gov", "tools", "--json"}, func(r toolRow) bool { return !strings.HasPrefix(r.Name, "appservices-") }, offered(atlasclient.Gov, nil)},
		{"disable-destructive", []string{"--disable-destructive", "tools", "--json"}, func(r toolRow) bool { return !r.Destructive }, offered(atlasclient.Commercial, notDestructive)},
		{"gov and read-only", []string{"--cloud", "gov", "--read-only", "tools", "--json"}, func(r toolRow) bool {
			return r.Access == "read" && !strings.HasPrefix(r.Name, "appservices-")
		}, offered(atlasclient.Gov, isRead)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, nil, tc.args...)
			if r.err != nil {
				t.Fatal(r.err)
			}
			var rows []toolRow
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if !tc.keep(row) {
					t.Errorf("%s (%s %s destructive=%v) should not be listed", row.Name, row.Area, row.Access, row.Destructive)
				}
			}
			if len(rows) != tc.want {
				t.Errorf("%d tools, want %d", len(rows), tc.want)
			}
		})
	}
}

// One audit log through a session of sandbox calls, then verify and tail it.
func TestSandboxCallsAndTheirAuditLog(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	sandbox := func(args ...string) []string {
		return append([]string{"--sandbox", "--audit-log", logPath}, args...)
	}
	tests := []struct {
		name       string
		args       []string
		wantExit   int // 0, 1 (error result), -1 (usage error: nothing runs)
		wantStdout []string
		notStdout  []string
		wantErr    []string
		check      func(t *testing.T, stdout string)
	}{
		{
			name:       "list clusters prints the compact table",
			args:       sandbox("call", "atlas-list-clusters"),
			wantStdout: []string{"prod-analytics", "staging", "dev-sandbox", "[sandbox: simulated Atlas]"},
			notStdout:  []string{"Nothing here reaches real MongoDB Atlas", `"level"`},
			check: func(t *testing.T, stdout string) {
				for _, l := range strings.Split(stdout, "\n") {
					if strings.Join(strings.Fields(l), " ") == "NAME TIER PROVIDER/REGION STATE VERSION" {
						return
					}
				}
				t.Errorf("no NAME TIER PROVIDER/REGION STATE VERSION header:\n%s", stdout)
			},
		},
		{
			name:       "a missing cluster is an error result",
			args:       sandbox("call", "atlas-get-cluster", `{"clusterName":"nope"}`),
			wantExit:   1,
			wantStdout: []string{"CLUSTER_NOT_FOUND", "nope"},
		},
		{
			name: "--json prints the structured answer",
			args: sandbox("call", "--json", "atlas-list-orgs"),
			check: func(t *testing.T, stdout string) {
				var out struct {
					IsError           bool `json:"isError"`
					StructuredContent struct {
						Results []struct {
							Name string `json:"name"`
						} `json:"results"`
					} `json:"structuredContent"`
					Text string `json:"text"`
				}
				if err := json.Unmarshal([]byte(stdout), &out); err != nil {
					t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
				}
				if out.IsError || len(out.StructuredContent.Results) != 1 || out.StructuredContent.Results[0].Name != "demo-org" {
					t.Errorf("structured answer = %+v", out)
				}
				if !strings.Contains(out.Text, "demo-org") {
					t.Errorf("text = %q", out.Text)
				}
			},
		},
		{
			name:     "arguments that are not JSON",
			args:     sandbox("call", "atlas-get-cluster", "clusterName=prod-analytics"),
			wantExit: -1,
			wantErr:  []string{"not a JSON object", `{"clusterName":"demo"}`},
		},
		{
			name:     "a JSON array is not an object",
			args:     sandbox("call", "atlas-get-cluster", `["prod-analytics"]`),
			wantExit: -1,
			wantErr:  []string{"not a JSON object"},
		},
		{
			name:     "null is not an object",
			args:     sandbox("call", "atlas-list-orgs", "null"),
			wantExit: -1,
			wantErr:  []string{"not a JSON object"},
		},
		{
			name:     "a stray brace after the object",
			args:     sandbox("call", "atlas-get-cluster", `{"clusterName":"prod-analytics"}}`),
			wantExit: -1,
			wantErr:  []string{"not a JSON object"},
		},
		{
			name:     "two objects",
			args:     sandbox("call", "atlas-get-cluster", `{"clusterName":"staging"} {"clusterName":"prod-analytics"}`),
			wantExit: -1,
			wantErr:  []string{"not a JSON object"},
		},
		{
			name:       "a destructive call without a terminal is refused",
			args:       sandbox("call", "atlas-delete-cluster", `{"clusterName":"staging"}`),
			wantExit:   1,
			wantStdout: []string{"does not support MCP elicitation", "Nothing was sent to Atlas"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, strings.NewReader(""), tc.args...)
			if got := r.exitCode(); got != tc.wantExit {
				t.Fatalf("exit %d (err %v), want %d\nstdout:\n%s\nstderr:\n%s", got, r.err, tc.wantExit, r.stdout, r.stderr)
			}
			if tc.wantExit == -1 {
				mustContain(t, "error", r.err.Error(), tc.wantErr...)
				if r.stdout != "" {
					t.Errorf("a usage error printed on stdout: %q", r.stdout)
				}
				return
			}
			mustContain(t, "stderr", r.stderr, "SANDBOX", "Nothing here reaches real MongoDB Atlas")
			mustContain(t, "stdout", r.stdout, tc.wantStdout...)
			for _, s := range tc.notStdout {
				if strings.Contains(r.stdout, s) {
					t.Errorf("stdout contains %q:\n%s", s, r.stdout)
				}
			}
			if tc.check != nil {
				tc.check(t, r.stdout)
			}
		})
	}

	// Four calls ran (the usage errors never reached the server).
	v := runCLI(t, nil, nil, "audit", "verify", logPath)
	if v.err != nil {
		t.Fatalf("audit verify: %v\n%s", v.err, v.stdout)
	}
	mustContain(t, "audit verify", v.stdout, "OK: 4 record(s) in 1 file(s)")

	tail := runCLI(t, nil, nil, "audit", "tail", "--denied", logPath)
	if tail.err != nil {
		t.Fatalf("audit tail: %v", tail.err)
	}
	lines := strings.Split(strings.TrimSpace(tail.stdout), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "atlas-delete-cluster") || !strings.Contains(lines[0], "CONFIRMATION_UNAVAILABLE") {
		t.Errorf("audit tail --denied printed %d line(s), want only the refused delete:\n%s", len(lines), tail.stdout)
	}

	all := runCLI(t, nil, nil, "audit", "tail", "-n", "0", logPath)
	if all.err != nil {
		t.Fatal(all.err)
	}
	if n := len(strings.Split(strings.TrimSpace(all.stdout), "\n")); n != 4 {
		t.Errorf("audit tail printed %d records, want 4:\n%s", n, all.stdout)
	}
	mustContain(t, "audit tail", all.stdout, "atlas-list-clusters", "CLUSTER_NOT_FOUND", "atlas-list-orgs", "atlas-delete-cluster")

	byTool := runCLI(t, nil, nil, "audit", "tail", "--tool", "atlas-get-cluster", logPath)
	if n := len(strings.Split(strings.TrimSpace(byTool.stdout), "\n")); byTool.err != nil || n != 1 {
		t.Errorf("audit tail --tool atlas-get-cluster: err %v, %d lines, want 1:\n%s", byTool.err, n, byTool.stdout)
	}

	// Change one byte of a copy: verify finds it and exits 1.
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("atlas-list-orgs"))
	if i < 0 {
		t.Fatal("no atlas-list-orgs record in the log")
	}
	tampered := bytes.Clone(data)
	tampered[i+len("atlas-list-")] = 'O' // atlas-list-Orgs
	bad := filepath.Join(t.TempDir(), "tampered.jsonl")
	if err := os.WriteFile(bad, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	tv := runCLI(t, nil, nil, "audit", "verify", bad)
	if tv.exitCode() != 1 {
		t.Fatalf("audit verify of a tampered log = %v (exit %d), want exit status 1\n%s", tv.err, tv.exitCode(), tv.stdout)
	}
	mustContain(t, "audit verify", tv.stdout, "BROKEN")
	if strings.Contains(tv.stdout, "OK:") {
		t.Errorf("tampered log reported OK:\n%s", tv.stdout)
	}
}

func TestPolicyExplain(t *testing.T) {
	const (
		ciBot   = "../../testdata/policies/ci-bot.yaml"
		project = "5f1a2b3c4d5e6f7a8b9c0d1e"
	)
	withProject := map[string]string{"MONGODB_ATLAS_PROJECT_ID": project}
	cluster := func(size, provider, region, name string) string {
		b, _ := json.Marshal(map[string]string{"clusterName": name, "providerName": provider, "regionName": region, "instanceSize": size})
		return string(b)
	}
	explain := func(args ...string) []string {
		return append([]string{"--policy", ciBot, "policy", "explain"}, args...)
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantExit int // 0 allow, 1 deny, -1 error
		want     []string
	}{
		{"M60 is above maxInstanceSize", explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M60", "AWS", "US_EAST_1", "test-1")), withProject, 1,
			[]string{"decision: DENY", "maxInstanceSize", "reason:", "M60", "at most M30", "agent:    ci-bot", "scope:    in project " + project}},
		{"M30 on AWS in a US region is allowed", explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M30", "AWS", "US_EAST_1", "test-1")), withProject, 0,
			[]string{"decision: ALLOW", "agents.ci-bot.grants[1]", "reason:", "may write clusters", "confirm:  not required"}},
		{"EU regions are allowed", explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M10", "AWS", "EU_WEST_1", "test-2")), withProject, 0,
			[]string{"decision: ALLOW"}},
		{"GCP is not an allowed provider", explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M10", "GCP", "US_EAST_1", "test-1")), withProject, 1,
			[]string{"decision: DENY", "allowedProviders", "GCP"}},
		{"AP regions are not allowed", explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M10", "AWS", "AP_SOUTHEAST_2", "test-1")), withProject, 1,
			[]string{"decision: DENY", "allowedRegions", "AP_SOUTHEAST_2"}},
		{"prod-* clusters are protected", explain("--agent", "ci-bot", "atlas-delete-cluster", `{"clusterName":"prod-db"}`), withProject, 1,
			[]string{"decision: DENY", "protectedNames", "prod-db is protected"}},
		{"deleting a test cluster needs a confirmation", explain("--agent", "ci-bot", "atlas-delete-cluster", `{"clusterName":"test-1"}`), withProject, 0,
			[]string{"decision: ALLOW", "confirm:  required", "destructive"}},
		{"no grant for database users", explain("--agent", "ci-bot", "atlas-list-db-users"), withProject, 1,
			[]string{"decision: DENY", "no access to databaseUsers"}},
		{"another project is outside the grant", explain("--agent", "ci-bot", "atlas-list-clusters", `{"projectId":"000000000000000000000000"}`), withProject, 1,
			[]string{"decision: DENY", "000000000000000000000000"}},
		{"an explicit projectId needs no env", explain("--agent", "ci-bot", "atlas-list-clusters", `{"projectId":"`+project+`"}`), nil, 0,
			[]string{"decision: ALLOW", "may read clusters"}},
		{"the only agent is the default", explain("atlas-list-clusters"), withProject, 0,
			[]string{"agent:    ci-bot", "decision: ALLOW"}},
		{"--read-only removes the grant's writes", append([]string{"--read-only"}, explain("--agent", "ci-bot", "atlas-create-cluster", cluster("M10", "AWS", "US_EAST_1", "test-1"))...), withProject, 1,
			[]string{"decision: DENY", "read-only"}},
		{"built-in default policy", []string{"policy", "explain", "atlas-delete-cluster", `{"clusterName":"staging"}`}, withProject, 0,
			[]string{"built-in default policy", "decision: ALLOW", "confirm:  required"}},

		{"unknown agent", explain("--agent", "nobody", "atlas-list-clusters"), withProject, -1, []string{`--agent "nobody"`, "no such agent"}},
		{"unknown tool", explain("--agent", "ci-bot", "atlas-frobnicate-cluster"), withProject, -1, []string{`unknown tool "atlas-frobnicate-cluster"`}},
		{"gov has no App Services", append([]string{"--cloud", "gov"}, explain("appservices-list-apps")...), withProject, -1, []string{`unknown tool "appservices-list-apps"`}},
		{"no project anywhere", explain("--agent", "ci-bot", "atlas-list-clusters"), nil, -1, []string{"projectId is required", "MONGODB_ATLAS_PROJECT_ID"}},
		{"arguments that are not JSON", explain("--agent", "ci-bot", "atlas-get-cluster", "clusterName=x"), withProject, -1, []string{"refused before any policy decision"}},
		{"too many arguments", explain("--agent", "ci-bot", "atlas-list-clusters", "{}", "{}"), withProject, -1, []string{"usage: atlas-mcp policy explain"}},
		{"no tool", explain("--agent", "ci-bot"), withProject, -1, []string{"usage: atlas-mcp policy explain"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, nil, tc.args...)
			if got := r.exitCode(); got != tc.wantExit {
				t.Fatalf("exit %d (err %v), want %d\nstdout:\n%s", got, r.err, tc.wantExit, r.stdout)
			}
			if tc.wantExit == -1 {
				mustContain(t, "error", r.err.Error(), tc.want...)
				return
			}
			mustContain(t, "stdout", r.stdout, tc.want...)
			mustContain(t, "stdout", r.stdout, "policy:", "tool:", "decision:", "reason:")
		})
	}
}

// Without credentials and without --sandbox nothing starts, and the error says
// which variables to set.
func TestNoCredentials(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	tests := []struct {
		name string
		args []string
	}{
		{"serve stdio", []string{"--audit-log", logPath}},
		{"serve http", []string{"--audit-log", logPath, "--transport", "http", "--listen", "127.0.0.1:0", "--policy", "../../testdata/policies/ci-bot.yaml"}},
		{"call", []string{"--audit-log", logPath, "call", "atlas-list-clusters"}},
		{"call --json", []string{"--audit-log", logPath, "call", "--json", "atlas-list-orgs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, strings.NewReader(""), tc.args...)
			if r.exitCode() != -1 {
				t.Fatalf("run(%q) = %v (exit %d), want a configuration error", tc.args, r.err, r.exitCode())
			}
			mustContain(t, "error", r.err.Error(), "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET", "MONGODB_ATLAS_PUBLIC_API_KEY", "--sandbox")
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if strings.Contains(r.stderr, "SANDBOX") {
				t.Errorf("stderr mentions a sandbox that was not asked for:\n%s", r.stderr)
			}
		})
	}
	if _, err := os.Stat(logPath); err == nil {
		t.Errorf("an audit log was created although nothing ran")
	}
}

// A script's stdin is often /dev/null (cron, `docker run` without -i,
// `</dev/null`): a character device, but nobody there can confirm. The call
// must be refused as for any host without elicitation, with no prompt.
func TestDestructiveCallWithNullStdin(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	if isTerminal(null) {
		t.Errorf("isTerminal(%s) = true", os.DevNull)
	}
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	r := runCLI(t, nil, null, "--sandbox", "--audit-log", logPath, "call", "atlas-delete-cluster", `{"clusterName":"staging"}`)
	if r.exitCode() != 1 {
		t.Fatalf("exit %d (err %v), want 1\nstdout:\n%s", r.exitCode(), r.err, r.stdout)
	}
	mustContain(t, "stdout", r.stdout, "does not support MCP elicitation", "Nothing was sent to Atlas")
	for _, prompt := range []string{"Proceed?", "Type the name"} {
		if strings.Contains(r.stderr, prompt) {
			t.Errorf("prompted %q with nobody to answer:\n%s", prompt, r.stderr)
		}
	}

	// Neither is a regular file or a pipe a terminal.
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for _, g := range []*os.File{f, pr} {
		if isTerminal(g) {
			t.Errorf("isTerminal(%s) = true", g.Name())
		}
	}
}

// A policy file's readOnly: true removes write tools from `atlas-mcp tools`
// as it does for hosts, not only the --read-only flag.
func TestToolsFollowsThePolicyFile(t *testing.T) {
	r := runCLI(t, nil, nil, "--policy", "../../testdata/policies/readonly-analyst.yaml", "tools", "--json")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var rows []toolRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	for _, row := range rows {
		if row.Access == "write" {
			t.Errorf("read-only policy lists %s", row.Name)
		}
	}
}

// offered counts what `atlas-mcp tools` should list: the catalogue's tools
// of a cloud that keep accepts (nil: all), and atlas-whoami. Counted from
// tools.ForCloud, so a new tool needs no edit here.
func offered(cloud atlasclient.Cloud, keep func(*tools.Tool) bool) int {
	n := 1 // atlas-whoami
	for _, t := range tools.ForCloud(cloud) {
		if keep == nil || keep(t) {
			n++
		}
	}
	return n
}

func isRead(t *tools.Tool) bool         { return t.Access == tools.Read }
func notDestructive(t *tools.Tool) bool { return !t.Destructive }
