package audit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const (
	helperEnvPath = "ATLAS_MCP_AUDIT_HELPER_PATH"
	helperEnvSync = "ATLAS_MCP_AUDIT_HELPER_SYNC"
)

// TestHelperProcess is not a test: TestCrashSafety re-executes the test
// binary to run it as a process that appends until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnvPath)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	l, err := Open(Options{Path: path, Sync: SyncMode(os.Getenv(helperEnvSync))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	big := strings.Repeat("x", 32<<10) // large lines make a kill mid-write likelier
	for i := 0; ; i++ {
		r := sampleRecord(i)
		r.Args = map[string]any{"i": i, "body": big[:(i*7919)%len(big)]}
		if err := l.Append(context.Background(), r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if i == 50 {
			fmt.Println("ready")
		}
	}
}

// TestCrashSafety kills a writer with SIGKILL in the middle of appending and
// checks that every complete line verifies, that at most the last line is
// torn, and that reopening continues the chain.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(helperEnvPath) != "" {
		t.Skip("inside the helper")
	}
	for _, mode := range []SyncMode{SyncAlways, SyncBatch} {
		t.Run(string(mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), helperEnvPath+"="+path, helperEnvSync+"="+string(mode))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "ready\n" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper did not get ready: %q %v; stderr: %s", line, err, stderr.String())
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			rep := mustVerify(t, path)
			if !rep.OK {
				t.Fatalf("after SIGKILL: %v", rep.FirstBreak)
			}
			if rep.Records < 51 {
				t.Fatalf("only %d records survived; 51 were acknowledged", rep.Records)
			}
			lines := bytes.Count(mustRead(t, path), []byte("\n"))
			switch len(rep.Torn) {
			case 0:
			case 1:
				if rep.Torn[0].Line != lines+1 {
					t.Fatalf("torn line %d is not the last (file has %d complete lines)", rep.Torn[0].Line, lines)
				}
			default:
				t.Fatalf("%d torn lines: %+v", len(rep.Torn), rep.Torn)
			}

			l := openLog(t, Options{Path: path})
			r := sampleRecord(0)
			if err := l.Append(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if r.Seq != rep.LastSeq+1 || r.Prev != rep.LastHash {
				t.Fatalf("reopen resumed at seq %d prev %s; want %d and %s", r.Seq, r.Prev, rep.LastSeq+1, rep.LastHash)
			}
			l.Close()
			requireOK(t, mustVerify(t, path), rep.Records+1)
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
