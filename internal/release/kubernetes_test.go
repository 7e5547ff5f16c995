package release

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/policy"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

const k8sDir = "deploy/kubernetes"

// manifest is one YAML document of the example, with the fields the checks
// read; the rest is kept generically in raw.
type manifest struct {
	file string
	raw  map[string]any
}

func (m manifest) kind() string { s, _ := m.raw["kind"].(string); return s }
func (m manifest) name() string { return str(dig(m.raw, "metadata", "name")) }

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func list(v any) []any { l, _ := v.([]any); return l }

func loadManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), k8sDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", k8sDir, err)
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if doc == nil {
				continue
			}
			m := manifest{file: filepath.Base(f), raw: doc}
			if str(doc["apiVersion"]) == "" || m.kind() == "" {
				t.Errorf("%s: a document without apiVersion or kind", m.file)
			}
			if m.kind() != "Kustomization" && m.name() == "" {
				t.Errorf("%s: %s without metadata.name", m.file, m.kind())
			}
			out = append(out, m)
		}
	}
	return out
}

func byName(t *testing.T, ms []manifest, kind, name string) manifest {
	t.Helper()
	for _, m := range ms {
		if m.kind() == kind && m.name() == name {
			return m
		}
	}
	t.Fatalf("no %s named %s in %s", kind, name, k8sDir)
	return manifest{}
}

func byKind(t *testing.T, ms []manifest, kind string) manifest {
	t.Helper()
	var found []manifest
	for _, m := range ms {
		if m.kind() == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s in %s, found %d", kind, k8sDir, len(found))
	}
	return found[0]
}

// k8sExample gathers the pieces every check below needs.
type k8sExample struct {
	ms                        []manifest
	deploy, svc, secret, cm   manifest
	keySecret                 manifest // the audit checkpoint signing key
	container                 map[string]any
	args                      map[string]string // --flag=value → flag → value ("" for booleans)
	secretEnv                 map[string]string
	policyKey                 string
	policyMount, auditMount   string
	keyMount, checkpointMount string
}

func loadExample(t *testing.T) *k8sExample {
	t.Helper()
	ms := loadManifests(t)
	e := &k8sExample{ms: ms,
		deploy: byKind(t, ms, "Deployment"), svc: byKind(t, ms, "Service"),
		secret: byName(t, ms, "Secret", "atlas-mcp-credentials"), keySecret: byName(t, ms, "Secret", "atlas-mcp-audit-key"),
		cm: byKind(t, ms, "ConfigMap")}
	for _, c := range list(dig(e.deploy.raw, "spec", "template", "spec", "containers")) {
		if str(dig(c, "name")) == "atlas-mcp" {
			e.container, _ = c.(map[string]any)
		}
	}
	if e.container == nil {
		t.Fatal("the Deployment has no container named atlas-mcp")
	}
	e.args = map[string]string{}
	for _, a := range list(e.container["args"]) {
		k, v, _ := strings.Cut(strings.TrimPrefix(str(a), "--"), "=")
		e.args[k] = v
	}
	e.secretEnv = map[string]string{}
	sd, _ := dig(e.secret.raw, "stringData").(map[string]any)
	for k, v := range sd {
		e.secretEnv[k] = str(v)
	}
	return e
}

func TestKubernetesManifests(t *testing.T) {
	e := loadExample(t)

	t.Run("kustomization lists every manifest", func(t *testing.T) {
		k := byKind(t, e.ms, "Kustomization")
		var res []string
		for _, r := range list(k.raw["resources"]) {
			res = append(res, str(r))
		}
		for _, m := range e.ms {
			if m.kind() != "Kustomization" && !slices.Contains(res, m.file) {
				t.Errorf("kustomization.yaml does not list %s", m.file)
			}
		}
	})

	t.Run("deployment", func(t *testing.T) {
		spec := dig(e.deploy.raw, "spec", "template", "spec")
		labels, _ := dig(e.deploy.raw, "spec", "template", "metadata", "labels").(map[string]any)
		sel, _ := dig(e.deploy.raw, "spec", "selector", "matchLabels").(map[string]any)
		if len(sel) == 0 {
			t.Error("Deployment has no selector.matchLabels")
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("selector %s=%v does not match the pod labels %v", k, v, labels)
			}
		}
		for _, want := range []string{"transport", "listen", "stateless", "policy", "audit-log", "audit-key", "audit-checkpoints"} {
			if _, ok := e.args[want]; !ok {
				t.Errorf("atlas-mcp args lack --%s", want)
			}
		}
		if e.args["transport"] != "http" {
			t.Errorf("--transport=%q, want http", e.args["transport"])
		}
		if !strings.HasPrefix(e.args["listen"], "0.0.0.0:") {
			t.Errorf("--listen=%q: in a pod it must listen on all interfaces for the probes and the Service", e.args["listen"])
		}
		port := strings.TrimPrefix(e.args["listen"], "0.0.0.0:")
		portName := ""
		for _, p := range list(e.container["ports"]) {
			if cp, _ := dig(p, "containerPort").(int); strings.TrimSpace(port) == itoa(cp) {
				portName = str(dig(p, "name"))
			}
		}
		if portName == "" {
			t.Fatalf("no named containerPort for --listen port %s", port)
		}
		for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
			g := dig(e.container, probe, "httpGet")
			if str(dig(g, "path")) != path {
				t.Errorf("%s path = %v, want %s", probe, dig(g, "path"), path)
			}
			if p := dig(g, "port"); str(p) != portName && itoaAny(p) != port {
				t.Errorf("%s port = %v, want %s", probe, p, portName)
			}
		}
		// After SIGTERM the server keeps serving for --drain-delay (5 s), then
		// waits up to --shutdown-timeout (25 s) for calls (cmd/atlas-mcp/serve.go).
		if g, _ := dig(spec, "terminationGracePeriodSeconds").(int); g <= 30 {
			t.Errorf("terminationGracePeriodSeconds = %d; must exceed the 30 s drain", g)
		}
		if dig(spec, "securityContext", "runAsNonRoot") != true {
			t.Error("pod securityContext must set runAsNonRoot: true")
		}
		secretRef := ""
		for _, ef := range list(e.container["envFrom"]) {
			if n := str(dig(ef, "secretRef", "name")); n != "" {
				secretRef = n
			}
		}
		if secretRef != e.secret.name() {
			t.Errorf("envFrom secretRef %q, want the Secret %q", secretRef, e.secret.name())
		}
		// Which volume is mounted where: the policy from the ConfigMap, the audit
		// log on a writable volume.
		vols := map[string]any{}
		for _, v := range list(dig(spec, "volumes")) {
			vols[str(dig(v, "name"))] = v
		}
		for _, vm := range list(e.container["volumeMounts"]) {
			mp, name := str(dig(vm, "mountPath")), str(dig(vm, "name"))
			v := vols[name]
			if v == nil {
				t.Errorf("volumeMount %s names no volume", name)
				continue
			}
			if cm := str(dig(v, "configMap", "name")); cm != "" && strings.HasPrefix(e.args["policy"], mp+"/") {
				if cm != e.cm.name() {
					t.Errorf("policy volume mounts ConfigMap %q, want %q", cm, e.cm.name())
				}
				e.policyMount = mp
				e.policyKey = strings.TrimPrefix(e.args["policy"], mp+"/")
			}
			if strings.HasPrefix(e.args["audit-log"], mp+"/") && dig(vm, "readOnly") != true {
				e.auditMount = mp
			}
			if sec := str(dig(v, "secret", "secretName")); sec != "" && strings.HasPrefix(e.args["audit-key"], mp+"/") {
				if sec != e.keySecret.name() || dig(vm, "readOnly") != true {
					t.Errorf("--audit-key=%s: want it from the read-only Secret %s, got %q (readOnly %v)", e.args["audit-key"], e.keySecret.name(), sec, dig(vm, "readOnly"))
				}
				key := strings.TrimPrefix(e.args["audit-key"], mp+"/")
				if sd, _ := dig(e.keySecret.raw, "stringData").(map[string]any); str(sd[key]) == "" {
					t.Errorf("Secret %s has no key %q", e.keySecret.name(), key)
				}
				e.keyMount = mp
			}
			for _, sink := range strings.Split(e.args["audit-checkpoints"], ",") {
				if strings.HasPrefix(sink, mp+"/") {
					if strings.HasPrefix(e.args["audit-log"], mp+"/") {
						t.Errorf("checkpoint sink %s is on the audit log's volume: it must be kept apart", sink)
					}
					e.checkpointMount = mp
				}
			}
		}
		if e.keyMount == "" {
			t.Errorf("--audit-key=%s is not inside a mounted Secret", e.args["audit-key"])
		}
		if e.checkpointMount == "" || !strings.Contains(e.args["audit-checkpoints"], "stderr") {
			t.Errorf("--audit-checkpoints=%s: want stderr and a file on its own volume", e.args["audit-checkpoints"])
		}
		if e.policyMount == "" {
			t.Errorf("--policy=%s is not inside a mounted ConfigMap", e.args["policy"])
		}
		if e.auditMount == "" {
			t.Errorf("--audit-log=%s is not on a writable volume (the root filesystem is read-only)", e.args["audit-log"])
		}
	})

	t.Run("service", func(t *testing.T) {
		sel, _ := dig(e.svc.raw, "spec", "selector").(map[string]any)
		labels, _ := dig(e.deploy.raw, "spec", "template", "metadata", "labels").(map[string]any)
		if len(sel) == 0 {
			t.Fatal("Service has no selector")
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("Service selector %s=%v matches no pod label", k, v)
			}
		}
		names := map[string]bool{}
		for _, p := range list(e.container["ports"]) {
			names[str(dig(p, "name"))] = true
		}
		for _, p := range list(dig(e.svc.raw, "spec", "ports")) {
			if tp := str(dig(p, "targetPort")); tp != "" && !names[tp] {
				t.Errorf("Service targetPort %q names no container port", tp)
			}
		}
	})

	t.Run("secret", func(t *testing.T) {
		for _, k := range []string{"MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"} {
			if e.secretEnv[k] == "" {
				t.Errorf("Secret lacks %s", k)
			}
		}
	})

	t.Run("policy in the ConfigMap loads", func(t *testing.T) {
		data, _ := dig(e.cm.raw, "data").(map[string]any)
		key := "policy.yaml"
		if e.policyKey != "" {
			key = e.policyKey
		}
		text := str(data[key])
		if text == "" {
			t.Fatalf("ConfigMap %s has no data[%q]", e.cm.name(), key)
		}
		env := func(k string) (string, bool) { v, ok := e.secretEnv[k]; return v, ok }
		p, err := policy.Parse([]byte(text), "configmap.yaml:"+key, policy.Options{LookupEnv: env, Tools: catalogue()})
		if err != nil {
			t.Fatalf("the ConfigMap's policy does not load with the Secret's tokens: %v", err)
		}
		if len(p.Agents()) == 0 {
			t.Fatal("the policy has no agents")
		}
		// HTTP mode: every agent needs a token, and each Secret token finds its agent.
		for _, a := range p.Agents() {
			if !a.HasToken() {
				t.Errorf("agent %s has no token: it could never connect over HTTP", a.Name)
			}
		}
		for _, m := range regexp.MustCompile(`tokenEnv:\s*(\S+)`).FindAllStringSubmatch(text, -1) {
			if a := p.AgentByToken(e.secretEnv[m[1]]); a == nil {
				t.Errorf("the Secret's %s does not authenticate any agent", m[1])
			}
		}
	})
}

func catalogue() []policy.ToolInfo {
	var out []policy.ToolInfo
	for _, t := range tools.ForCloud(atlasclient.Commercial) {
		out = append(out, policy.ToolInfo{Name: t.Name, Area: t.Area, Access: t.Access, Destructive: t.Destructive, Confirms: t.Confirms})
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// itoaAny renders a YAML port (int or name) as a string.
func itoaAny(v any) string {
	if n, ok := v.(int); ok {
		return strconv.Itoa(n)
	}
	return str(v)
}

// The Deployment's own args start a real server whose probes answer: the
// flags exist, the ConfigMap's policy loads with the Secret's tokens, and
// SIGTERM drains (/readyz 503) and exits. Atlas is never called: the base URL
// points at a closed loopback port.
func TestKubernetesArgsStartAServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	e := loadExample(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "atlas-mcp")
	build := exec.Command("go", "build", "-o", bin, "./cmd/atlas-mcp")
	build.Dir = repoRoot(t)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	data, _ := dig(e.cm.raw, "data").(map[string]any)
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(str(data["policy.yaml"])), 0o600); err != nil {
		t.Fatal(err)
	}
	// The pod's paths become local ones; everything else is as deployed.
	var args []string
	for _, a := range list(e.container["args"]) {
		s := str(a)
		switch {
		case strings.HasPrefix(s, "--listen="):
			s = "--listen=127.0.0.1:0"
		case strings.HasPrefix(s, "--policy="):
			s = "--policy=" + policyFile
		case strings.HasPrefix(s, "--audit-log="):
			s = "--audit-log=" + filepath.Join(dir, "audit", "audit.jsonl")
		case strings.HasPrefix(s, "--audit-key="):
			// The Secret holds a placeholder: sign with a fresh key.
			key := filepath.Join(dir, "audit.key")
			if out, err := exec.Command(bin, "audit", "keygen", key).CombinedOutput(); err != nil {
				t.Fatalf("audit keygen: %v %s", err, out)
			}
			s = "--audit-key=" + key
		case strings.HasPrefix(s, "--audit-checkpoints="):
			s = strings.ReplaceAll(s, "/var/lib/atlas-mcp-checkpoints/", filepath.Join(dir, "checkpoints")+"/")
		}
		args = append(args, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "MONGODB_ATLAS_BASE_URL=http://127.0.0.1:1"}
	for k, v := range e.secretEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait's result arrives here; stderr is drained after the address line.
	werr := make(chan error, 1)
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			<-werr
		}
	}()
	addr := ""
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/mcp`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, stderr)
		werr <- cmd.Wait()
	}()
	if addr == "" {
		t.Fatalf("the server did not start with the Deployment's args %v:\n%s", args, strings.Join(seen, "\n"))
	}
	get := func(path, token string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("/healthz", ""); s != http.StatusOK {
		t.Errorf("/healthz = %d, want 200 (livenessProbe)", s)
	}
	if s := get("/readyz", ""); s != http.StatusOK {
		t.Errorf("/readyz = %d, want 200 (readinessProbe)", s)
	}
	if s := get("/mcp", ""); s != http.StatusUnauthorized {
		t.Errorf("/mcp without a token = %d, want 401", s)
	}
	// Each Secret token is an agent's: an MCP initialize with it is accepted.
	for _, m := range regexp.MustCompile(`tokenEnv:\s*(\S+)`).FindAllStringSubmatch(str(data["policy.yaml"]), -1) {
		body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"k8s-manifest-test","version":"1"}}}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.secretEnv[m[1]])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST /mcp: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"serverInfo"`)) {
			t.Errorf("initialize with the token of %s = %d %s, want 200 with serverInfo", m[1], resp.StatusCode, b)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-werr:
		exited = true
		if err != nil {
			t.Errorf("after SIGTERM the server exited with %v, want a clean exit", err)
		}
	case <-ctx.Done():
		t.Error("the server did not exit after SIGTERM")
	}
	// The checkpoints the pod signed check out against its log.
	logFile := filepath.Join(dir, "audit", "audit.jsonl")
	if _, err := os.Stat(logFile); err != nil {
		_ = os.WriteFile(logFile, nil, 0o600) // no call was made: an empty log
	}
	out, err := exec.Command(bin, "audit", "verify", "--key", filepath.Join(dir, "audit.key.pub"),
		"--checkpoints", filepath.Join(dir, "checkpoints", "checkpoints.jsonl"), logFile).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("signed checkpoint(s) verify")) {
		t.Errorf("audit verify of the pod's log against its checkpoints: %v\n%s", err, out)
	}
}
