package release

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The release matrix the Makefile promises; the Makefile's PLATFORMS must say
// the same, so `make release` and this test cannot drift apart.
var releaseTargets = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

func TestMakefileReleaseMatrix(t *testing.T) {
	mk := readFile(t, "Makefile")
	m := regexp.MustCompile(`(?m)^PLATFORMS\s*:?=\s*(.+)$`).FindStringSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile has no PLATFORMS := line")
	}
	got := strings.Fields(m[1])
	if !slices.Equal(got, releaseTargets) {
		t.Errorf("Makefile PLATFORMS = %v, want %v", got, releaseTargets)
	}
	for _, target := range []string{"build", "test", "release"} {
		if !regexp.MustCompile(`(?m)^` + target + `:`).MatchString(mk) {
			t.Errorf("Makefile has no %q target", target)
		}
	}
	if !strings.Contains(mk, "scripts/test") {
		t.Error("make test must run scripts/test, the one test entry point")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "-X main.commit=", "-X main.date="} {
		if !strings.Contains(mk, want) {
			t.Errorf("Makefile release build lacks %q", want)
		}
	}
}

// Every release target builds with the flags `make release` uses, and each
// binary is of the right format and architecture.
func TestCrossCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles six binaries; skipped with -short")
	}
	// The slowest test of the suite: say what it is doing (go test -v, as
	// scripts/test runs this package, shows each target as it starts).
	t.Logf("cross-compiling atlas-mcp for %d release targets (CGO_ENABLED=0, -trimpath); each takes a while on a busy machine", len(releaseTargets))
	root := repoRoot(t)
	out := t.TempDir()
	for _, target := range releaseTargets {
		goos, goarch, _ := strings.Cut(target, "/")
		t.Run(goos+"_"+goarch, func(t *testing.T) {
			t.Logf("go build for %s", target)
			bin := filepath.Join(out, goos+"_"+goarch, "atlas-mcp")
			if goos == "windows" {
				bin += ".exe"
			}
			cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/atlas-mcp")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build for %s: %v\n%s", target, err, b)
			}
			checkBinary(t, bin, goos, goarch)
		})
	}
}

// checkBinary opens the file with the reader for its OS's format and checks
// the machine type, so a build that silently produced the host's binary fails.
func checkBinary(t *testing.T, path, goos, goarch string) {
	t.Helper()
	switch goos {
	case "linux":
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s is not ELF: %v", path, err)
		}
		defer f.Close()
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
		if f.Machine != want {
			t.Errorf("%s: machine %v, want %v", path, f.Machine, want)
		}
		// Static: no interpreter, so it runs on distroless/static and scratch.
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked (has PT_INTERP); CGO_ENABLED=0 should make it static", path)
			}
		}
	case "darwin":
		f, err := macho.Open(path)
		if err != nil {
			t.Fatalf("%s is not Mach-O: %v", path, err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]
		if f.Cpu != want {
			t.Errorf("%s: cpu %v, want %v", path, f.Cpu, want)
		}
	case "windows":
		f, err := pe.Open(path)
		if err != nil {
			t.Fatalf("%s is not PE: %v", path, err)
		}
		defer f.Close()
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[goarch]
		if f.Machine != want {
			t.Errorf("%s: machine %#x, want %#x", path, f.Machine, want)
		}
	default:
		t.Fatalf("no check for %s", goos)
	}
}

// `atlas-mcp version` prints what -ldflags -X set, as `make release` and the
// Dockerfile set it.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "atlas-mcp")
	ld := "-X main.version=v9.8.7-test -X main.commit=abc1234 -X main.date=2030-01-02T03:04:05Z"
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ld, "-o", bin, "./cmd/atlas-mcp")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("atlas-mcp version: %v\n%s", err, b)
	}
	for _, want := range []string{"v9.8.7-test", "abc1234", "2030-01-02T03:04:05Z"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("atlas-mcp version = %q, want it to contain %q", b, want)
		}
	}
}

// `go install github.com/atlas-mcp/atlas-mcp/cmd/atlas-mcp@latest` needs the
// module path to match, the command to be package main at that path, and no
// replace or exclude directives (go install pkg@version refuses those).
func TestGoInstallable(t *testing.T) {
	const module = "github.com/atlas-mcp/atlas-mcp"
	mod := readFile(t, "go.mod")
	first := ""
	for _, line := range strings.Split(mod, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "module ") {
			first = strings.TrimSpace(strings.TrimPrefix(line, "module "))
		}
		for _, bad := range []string{"replace", "exclude"} {
			if line == bad+" (" || strings.HasPrefix(line, bad+" ") {
				t.Errorf("go.mod has a %s directive (%q): go install …@latest refuses modules with one", bad, line)
			}
		}
	}
	if first != module {
		t.Fatalf("go.mod module = %q, want %q", first, module)
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Name}}", "./cmd/atlas-mcp")
	cmd.Dir = repoRoot(t)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if got, want := strings.TrimSpace(string(b)), module+"/cmd/atlas-mcp main"; got != want {
		t.Errorf("go list ./cmd/atlas-mcp = %q, want %q", got, want)
	}
}
