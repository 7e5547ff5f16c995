package release

import (
	"encoding/json"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

type stage struct {
	name, image string
	insts       []instruction
}

// parseDockerfile is the small part of the Dockerfile grammar the rules below
// need: comments, line continuations, instructions, stages.
func parseDockerfile(t *testing.T, src string) (global []instruction, stages []*stage) {
	t.Helper()
	var cur strings.Builder
	start := 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		cmd, args, _ := strings.Cut(s, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			var img, name string
			for i := 0; i < len(f); i++ {
				switch {
				case strings.HasPrefix(f[i], "--"):
				case strings.EqualFold(f[i], "AS") && i+1 < len(f):
					name = f[i+1]
					i++
				default:
					img = f[i]
				}
			}
			stages = append(stages, &stage{name: name, image: img})
		}
		if len(stages) == 0 {
			global = append(global, in)
		} else {
			stages[len(stages)-1].insts = append(stages[len(stages)-1].insts, in)
		}
	}
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue // comments (and parser directives) may sit inside continuations
		}
		if cur.Len() == 0 {
			if trimmed == "" {
				continue
			}
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return global, stages
}

func (s *stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.insts {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// execForm decodes a JSON-array (exec form) argument list, or fails.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(in.args), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("line %d: %s %s: want exec form [\"…\"] so signals reach the process (no shell in distroless)", in.line, in.cmd, in.args)
	}
	return argv
}

func TestDockerfile(t *testing.T) {
	src := readFile(t, "Dockerfile")
	global, stages := parseDockerfile(t, src)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s); want a multi-stage build (builder + runtime)", len(stages))
	}
	args := map[string]string{}
	for _, in := range global {
		if in.cmd == "ARG" {
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		}
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{?(\w+)\}?`).ReplaceAllStringFunc(s, func(m string) string {
			k := strings.Trim(m, "${}")
			if v, ok := args[k]; ok {
				return v
			}
			return m
		})
	}
	names := map[string]bool{}
	for _, s := range stages {
		img := expand(s.image)
		if img != "scratch" {
			tagged := strings.Contains(img, "@sha256:") || (strings.Contains(path.Base(img), ":") && !strings.HasSuffix(img, ":latest"))
			if !tagged {
				t.Errorf("FROM %s: pin a tag or digest (not latest) so builds are reproducible", img)
			}
		}
		for _, in := range s.insts {
			switch in.cmd {
			case "ADD":
				t.Errorf("line %d: ADD %s: use COPY for local files (ADD fetches URLs and unpacks archives)", in.line, in.args)
			case "WORKDIR":
				if !strings.HasPrefix(in.args, "/") {
					t.Errorf("line %d: WORKDIR %s: use an absolute path", in.line, in.args)
				}
			case "COPY":
				if m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(in.args); m != nil && !names[m[1]] {
					t.Errorf("line %d: COPY --from=%s names no earlier stage", in.line, m[1])
				}
			}
		}
		if s.name != "" {
			names[s.name] = true
		}
	}

	t.Run("builder", func(t *testing.T) {
		var build *instruction
		for _, s := range stages[:len(stages)-1] {
			for _, in := range s.all("RUN") {
				if strings.Contains(in.args, "go build") {
					build = &in
				}
			}
		}
		if build == nil {
			t.Fatal("no RUN … go build in a builder stage")
		}
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags", "-s -w", "-X main.version=", "-X main.commit=", "-X main.date=", "./cmd/atlas-mcp"} {
			if !strings.Contains(build.args, want) {
				t.Errorf("line %d: the go build lacks %q", build.line, want)
			}
		}
		// The -X targets must exist, or the linker silently ignores them.
		main := readFile(t, "cmd/atlas-mcp/main.go")
		for _, v := range []string{"version", "commit", "date"} {
			if !regexp.MustCompile(`(?m)^\s*` + v + `\s*=\s*"`).MatchString(main) {
				t.Errorf("cmd/atlas-mcp/main.go has no string var %q for -X main.%s", v, v)
			}
		}
		// The builder's Go must be at least go.mod's, or the build would try to
		// download a toolchain.
		mod := regexp.MustCompile(`(?m)^go\s+(\S+)`).FindStringSubmatch(readFile(t, "go.mod"))
		img := regexp.MustCompile(`golang:(\d+(?:\.\d+){1,2})`).FindStringSubmatch(expand(stages[0].image))
		if mod == nil || img == nil {
			t.Fatalf("cannot compare Go versions: go.mod %v, builder image %q", mod, expand(stages[0].image))
		}
		if versionLess(img[1], mod[1]) {
			t.Errorf("builder image Go %s is older than go.mod's go %s: bump ARG GO_VERSION", img[1], mod[1])
		}
	})

	t.Run("runtime", func(t *testing.T) {
		final := stages[len(stages)-1]
		img := expand(final.image)
		if img != "scratch" && !strings.HasPrefix(img, "gcr.io/distroless/static") {
			t.Errorf("runtime image %s: want gcr.io/distroless/static… or scratch for a static binary", img)
		}
		users := final.all("USER")
		if len(users) == 0 {
			t.Fatal("runtime stage has no USER: the server would run as root")
		}
		u := users[len(users)-1].args
		if name, _, _ := strings.Cut(u, ":"); name == "root" || name == "0" || name == "" {
			t.Errorf("USER %s: run as a non-root user", u)
		}
		exposed := false
		for _, in := range final.all("EXPOSE") {
			for _, p := range strings.Fields(in.args) {
				if strings.TrimSuffix(p, "/tcp") == "8080" {
					exposed = true
				}
			}
		}
		if !exposed {
			t.Error("runtime stage does not EXPOSE 8080 (HTTP mode)")
		}
		eps := final.all("ENTRYPOINT")
		if len(eps) != 1 {
			t.Fatalf("runtime stage has %d ENTRYPOINTs, want 1", len(eps))
		}
		entry := execForm(t, eps[0])
		copied := false
		for _, in := range final.all("COPY") {
			f := strings.Fields(in.args)
			if strings.Contains(in.args, "--from=") && f[len(f)-1] == entry[0] {
				copied = true
			}
		}
		if !copied {
			t.Errorf("ENTRYPOINT %s is not a file COPY --from the builder puts there", entry[0])
		}
		if len(entry) > 1 || len(final.all("CMD")) > 0 {
			t.Errorf("ENTRYPOINT %v / CMD %v: the default must be plain stdio (no arguments)", entry, final.all("CMD"))
		}
		hcs := final.all("HEALTHCHECK")
		if len(hcs) != 1 {
			t.Fatalf("runtime stage has %d HEALTHCHECKs, want 1", len(hcs))
		}
		i := strings.Index(hcs[0].args, "CMD ")
		if i < 0 {
			t.Fatalf("HEALTHCHECK %s: want CMD [...]", hcs[0].args)
		}
		hc := execForm(t, instruction{line: hcs[0].line, cmd: "HEALTHCHECK CMD", args: hcs[0].args[i+4:]})
		if hc[0] != entry[0] || len(hc) < 2 || hc[1] != "healthcheck" || !strings.Contains(strings.Join(hc, " "), "/healthz") {
			t.Errorf("HEALTHCHECK CMD %v: want [%q, \"healthcheck\", \"--url\", \"http://127.0.0.1:8080/healthz\"]", hc, entry[0])
		}
	})
}

// The HEALTHCHECK runs `atlas-mcp healthcheck`: it must be a real subcommand
// (an unknown one exits 2, and the container would be unhealthy forever). A
// closed port must give exit status 1, which Docker reads as unhealthy.
func TestHealthcheckSubcommandIsWired(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "atlas-mcp")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/atlas-mcp")
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out, err := exec.Command(bin, "healthcheck", "--url", "http://127.0.0.1:1/healthz", "--timeout", "2s").CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("atlas-mcp healthcheck against a closed port: %v, output %q; want exit status 1. "+
			"Is it wired into main.go's switch? case \"healthcheck\": return healthcheckCommand(rest, stdout, stderr)", err, out)
	}
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		x, y := 0, 0
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// The build context must keep what the build needs (every package of this
// module that cmd/atlas-mcp imports, with its embedded files, and go.mod/go.sum)
// and leave out what it does not (VCS data, node_modules, build output).
func TestDockerignore(t *testing.T) {
	patterns := dockerignorePatterns(readFile(t, ".dockerignore"))
	for _, p := range []string{".git", "bin", "dist", "bench/.scratch", "e2e/node_modules", "bench/node_modules"} {
		if !ignored(patterns, p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	need := []string{"go.mod", "go.sum"}
	root := repoRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, "./cmd/atlas-mcp")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/atlas-mcp: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		dir, err := filepath.Rel(root, f[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range f[1:] {
			need = append(need, filepath.ToSlash(filepath.Join(dir, file)))
		}
	}
	if len(need) < 5 {
		t.Fatalf("go list found only %v; the check would prove nothing", need)
	}
	for _, p := range need {
		if ignored(patterns, p) {
			t.Errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
}

type ignorePattern struct {
	pat    string
	negate bool
}

func dockerignorePatterns(src string) []ignorePattern {
	var out []ignorePattern
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if strings.HasPrefix(line, "!") {
			p.negate, line = true, line[1:]
		}
		p.pat = strings.Trim(path.Clean(line), "/")
		out = append(out, p)
	}
	return out
}

// ignored follows Docker's rules for what the rules here use: a pattern
// matches a path or any of its parent directories; "**/" matches any number
// of leading directories; the last matching pattern wins.
func ignored(patterns []ignorePattern, p string) bool {
	res := false
	for _, ip := range patterns {
		if matchIgnore(ip.pat, p) {
			res = !ip.negate
		}
	}
	return res
}

func matchIgnore(pat, p string) bool {
	parts := strings.Split(p, "/")
	for i := 1; i <= len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		if rest, ok := strings.CutPrefix(pat, "**/"); ok {
			for j := 0; j < i; j++ {
				if m, _ := path.Match(rest, strings.Join(parts[j:i], "/")); m {
					return true
				}
			}
			continue
		}
		if m, _ := path.Match(pat, prefix); m {
			return true
		}
	}
	return false
}
