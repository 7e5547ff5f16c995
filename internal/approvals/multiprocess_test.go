package approvals

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLiteTwoProcesses: the server and the CLI (or `approvals serve`) are
// separate processes on one SQLite file. Two processes race to redeem the
// same approvals and take the same one-time tokens; each is won exactly once,
// and a decision made by one process is seen by the other.
func TestSQLiteTwoProcesses(t *testing.T) {
	if os.Getenv("APPROVALS_HELPER_DB") != "" {
		t.Skip("helper mode")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "approvals.db")
	st, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := NewService(Options{Store: st})
	alice := testPolicy(t).ApproverByToken(aliceToken)
	const n = 30
	var ids []string
	for i := 0; i < n; i++ {
		r, err := svc.Submit(ctx, newRequest(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(ctx, r.ID, alice, true, ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		if err := st.PutState(ctx, fmt.Sprintf("cfm_%d", i), []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// One pending request the children approve from their side.
	pending, _ := svc.Submit(ctx, newRequest(2))

	var outs []*bytes.Buffer
	var cmds []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		approver := []string{"alice", "bob"}[i]
		cmd.Env = append(os.Environ(), "APPROVALS_HELPER_DB="+path, "APPROVALS_HELPER_IDS="+strings.Join(ids, ","), "APPROVALS_HELPER_PENDING="+pending.ID, "APPROVALS_HELPER_APPROVER="+approver)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		outs, cmds = append(outs, &out), append(cmds, cmd)
	}
	redeemed, taken := 0, 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
		var r, k int
		for _, line := range strings.Split(outs[i].String(), "\n") {
			if strings.HasPrefix(line, "RESULT ") {
				fmt.Sscanf(line, "RESULT %d %d", &r, &k)
			}
		}
		redeemed += r
		taken += k
	}
	if redeemed != n || taken != n {
		t.Fatalf("redeemed %d, taken %d across two processes; want %d each (exactly once)", redeemed, taken, n)
	}
	got, err := svc.Get(ctx, pending.ID)
	if err != nil || got.Status != StatusApproved || got.Approvals() != 2 {
		t.Fatalf("decisions from two processes: %v %+v", err, got)
	}
}

// TestHelperProcess is the child of TestSQLiteTwoProcesses.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("APPROVALS_HELPER_DB")
	if path == "" {
		t.Skip("only run as a child of TestSQLiteTwoProcesses")
	}
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := NewService(Options{Store: st})
	p := testPolicy(t)
	tok := map[string]string{"alice": aliceToken, "bob": bobToken}[os.Getenv("APPROVALS_HELPER_APPROVER")]
	if _, err := svc.Decide(ctx, os.Getenv("APPROVALS_HELPER_PENDING"), p.ApproverByToken(tok), true, ""); err != nil {
		t.Fatal(err)
	}
	redeemed, taken := 0, 0
	for i, id := range strings.Split(os.Getenv("APPROVALS_HELPER_IDS"), ",") {
		if _, err := svc.Redeem(ctx, id, hash("plan-1"), "bot", "atlas-delete-cluster"); err == nil {
			redeemed++
		}
		if _, ok, err := st.TakeState(ctx, fmt.Sprintf("cfm_%d", i), time.Now()); err != nil {
			t.Fatal(err)
		} else if ok {
			taken++
		}
	}
	fmt.Printf("RESULT %d %d\n", redeemed, taken)
}
