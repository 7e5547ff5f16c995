package main

import (
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// The standalone simulator and a real (non-sandbox) configuration pointed at it
// through the environment: the credentials, base URL (with the suffix users
// copy from the API docs) and default project all come from env, including the
// MDB_MCP_* aliases, and the requests reach {base}/api/atlas/v2/...
func TestCallAgainstStandaloneSimulator(t *testing.T) {
	base, simErr := startSim(t)
	mustContain(t, "sim stderr", simErr.String(), "Atlas simulator at "+base)

	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"service account, base URL with /api/atlas/v2/", map[string]string{
			"MONGODB_ATLAS_CLIENT_ID": atlassim.DemoClientID, "MONGODB_ATLAS_CLIENT_SECRET": atlassim.DemoClientSecret,
			"MONGODB_ATLAS_BASE_URL": base + "/api/atlas/v2/", "MONGODB_ATLAS_PROJECT_ID": atlassim.DemoProjectID,
		}},
		{"the official server's names", map[string]string{
			"MDB_MCP_API_CLIENT_ID": atlassim.DemoClientID, "MDB_MCP_API_CLIENT_SECRET": atlassim.DemoClientSecret,
			"MDB_MCP_API_BASE_URL": base, "MONGODB_ATLAS_PROJECT_ID": atlassim.DemoProjectID,
		}},
		{"API key (Digest)", map[string]string{
			"MONGODB_ATLAS_PUBLIC_API_KEY": atlassim.DemoPublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY": atlassim.DemoPrivateKey,
			"MONGODB_ATLAS_BASE_URL": base + "/", "MONGODB_ATLAS_PROJECT_ID": atlassim.DemoProjectID,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			del, _ := http.NewRequest(http.MethodDelete, base+"/_sim/requests", nil)
			if resp, err := http.DefaultClient.Do(del); err == nil {
				resp.Body.Close()
			}
			r := runCLI(t, tc.env, nil, "--audit-log", logPath, "call", "atlas-list-clusters")
			if r.err != nil {
				t.Fatalf("call: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
			}
			mustContain(t, "stdout", r.stdout, "prod-analytics")
			if strings.Contains(r.stdout+r.stderr, "SANDBOX") || strings.Contains(r.stdout, "[sandbox") {
				t.Errorf("a real configuration was labelled as the sandbox:\n%s\n%s", r.stdout, r.stderr)
			}
			resp, err := http.Get(base + "/_sim/requests")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var reqs []atlassim.LoggedRequest
			if err := json.NewDecoder(resp.Body).Decode(&reqs); err != nil {
				t.Fatal(err)
			}
			want := "/api/atlas/v2/groups/" + atlassim.DemoProjectID + "/clusters"
			found := false
			for _, q := range reqs {
				if q.Path == want && q.Status == http.StatusOK {
					found = true
				}
				if strings.Contains(q.Path, "/api/atlas/v2/api/atlas/v2") || strings.Contains(q.Path, "//") {
					t.Errorf("request to %s: the base URL was not trimmed", q.Path)
				}
			}
			if !found {
				t.Errorf("no 200 GET %s in the simulator's log: %+v", want, reqs)
			}
		})
	}

	if v := runCLI(t, nil, nil, "audit", "verify", logPath); v.err != nil || !strings.Contains(v.stdout, "OK: 3 record(s)") {
		t.Errorf("audit verify = %v\n%s", v.err, v.stdout)
	}
}

func TestSimRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"sim", "--listen", "127.0.0.1:0", "--tls-cert", "c.pem"}, "--tls-cert and --tls-key"},
		{"bad listen address", []string{"sim", "--listen", "127.0.0.1:notaport"}, "--listen"},
		{"unknown flag", []string{"sim", "--nope"}, "-nope"},
		{"missing cert files", []string{"sim", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, "--tls-cert/--tls-key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, nil, tc.args...)
			if r.exitCode() != -1 {
				t.Fatalf("run(%q) = %v, want an error", tc.args, r.err)
			}
			mustContain(t, "error", r.err.Error(), tc.want)
		})
	}
}

// A failed start does not keep the port: the same address can be used again.
func TestSimFailedStartReleasesThePort(t *testing.T) {
	addr := freeAddr(t)
	for _, args := range [][]string{
		{"sim", "--listen", addr, "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"},
		{"sim", "--listen", addr, "--tls-self-signed", "--tls-cert-out", "/nonexistent/dir/cert.pem"},
	} {
		r := runCLI(t, nil, nil, args...)
		if r.exitCode() != -1 {
			t.Fatalf("run(%q) = %v, want an error", args, r.err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("after %q failed, %s is still taken: %v", args, addr, err)
		}
		ln.Close()
	}
}

// With the base URL overridden, App Services calls go to the same place (a
// proxy or a simulator), never to the public App Services host.
func TestAppServicesFollowAnOverriddenBaseURL(t *testing.T) {
	base, _ := startSim(t)
	env := map[string]string{
		"MONGODB_ATLAS_PUBLIC_API_KEY": atlassim.DemoPublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY": atlassim.DemoPrivateKey,
		"MONGODB_ATLAS_BASE_URL": base, "MONGODB_ATLAS_PROJECT_ID": atlassim.DemoProjectID,
	}
	r := runCLI(t, env, nil, "--audit-log", filepath.Join(t.TempDir(), "a.jsonl"), "call", "appservices-list-apps")
	if r.err != nil {
		t.Fatalf("call: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	mustContain(t, "stdout", r.stdout, atlassim.DemoAppID)
}
