package server

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// mountTmpfs mounts a small tmpfs for the test, or skips saying why not.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs here (needs root or CAP_SYS_ADMIN): %v %s", size, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillUntil writes a filler file until at most free bytes are left.
func fillUntil(t *testing.T, dir string, free int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		if int64(st.Bavail)*int64(st.Bsize) <= free { //nolint:unconvert // Bsize differs between platforms
			return
		}
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// TestFullDiskRefusesWritesBeforeItIsFull: on a 4 MiB filesystem with a
// 1 MiB reserve, once less than the reserve is free no write reaches Atlas
// (its intent is refused first), reads still get their record, and every
// record acknowledged before is still there and verifies.
func TestFullDiskRefusesWritesBeforeItIsFull(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	h := newHarness(t, harnessOpts{audit: &audit.Options{Path: filepath.Join(dir, "audit.jsonl"), ReserveBytes: 1 << 20}})
	c := h.client(t)

	res := call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.7","comment":"before the disk filled"}`)
	if res.IsError {
		t.Fatalf("first write: %s", resultText(res))
	}
	acknowledged := len(h.records(t))

	fillUntil(t, dir, 700<<10) // below the reserve, above its last quarter
	posts := h.requestsTo("POST", "/accessList")
	res = call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.8","comment":"after"}`)
	if !res.IsError || !strings.Contains(resultText(res), "Nothing was sent to Atlas") || !strings.Contains(resultText(res), "free-space reserve") {
		t.Fatalf("write on a nearly full disk: %s", resultText(res))
	}
	if h.requestsTo("POST", "/accessList") != posts {
		t.Fatal("a write reached Atlas once the reserve was reached")
	}
	if res := call(t, c, "atlas-list-clusters", `{}`); res.IsError {
		t.Fatalf("a read within the reserve's last quarter: %s", resultText(res))
	}

	fillUntil(t, dir, 0) // now truly full: nothing more can be written
	res = call(t, c, "atlas-create-access-list", `{"ipAddress":"198.51.100.9","comment":"full"}`)
	if !res.IsError || h.requestsTo("POST", "/accessList") != posts {
		t.Fatalf("write on a full disk: sent=%v %s", h.requestsTo("POST", "/accessList") != posts, resultText(res))
	}

	rep, err := audit.Verify(h.auditPath)
	if err != nil || !rep.OK {
		t.Fatalf("verify after the disk filled: %v %+v", err, rep)
	}
	if rep.Records < acknowledged+2 || len(rep.Torn) != 0 {
		t.Fatalf("%d records (%d torn); %d were acknowledged before the disk filled, and the refusals after", rep.Records, len(rep.Torn), acknowledged)
	}
}
