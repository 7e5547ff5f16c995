package approvals

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := testPolicy(t)
			alice, bob, carol := p.ApproverByToken(aliceToken), p.ApproverByToken(bobToken), p.ApproverByToken(carolToken)
			clk := &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
			svc := NewService(Options{Store: open(t), ConsoleURL: "http://127.0.0.1:1/approvals/", Now: clk.now})

			t.Run("two-person rule", func(t *testing.T) {
				r, err := svc.Submit(ctx, newRequest(2))
				if err != nil {
					t.Fatal(err)
				}
				if svc.URL(r.ID) != "http://127.0.0.1:1/approvals/"+r.ID {
					t.Fatalf("url %s", svc.URL(r.ID))
				}
				if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool); !errors.Is(err, ErrPending) {
					t.Fatalf("redeem before approval: %v", err)
				}
				if _, err := svc.Decide(ctx, r.ID, carol, true, ""); !errors.Is(err, ErrOutOfScope) {
					t.Fatalf("carol out of scope: %v", err)
				}
				got, err := svc.Decide(ctx, r.ID, alice, true, "looks right")
				if err != nil || got.Status != StatusPending || got.Approvals() != 1 {
					t.Fatalf("first approval: %v %+v", err, got)
				}
				if _, err := svc.Decide(ctx, r.ID, alice, true, ""); !errors.Is(err, ErrAlreadyDecided) {
					t.Fatalf("alice twice: %v", err)
				}
				got, err = svc.Decide(ctx, r.ID, bob, true, "")
				if err != nil || got.Status != StatusApproved {
					t.Fatalf("second approval: %v %+v", err, got)
				}
				if _, err := svc.Redeem(ctx, r.ID, hash("another plan"), "bot", r.Tool); !errors.Is(err, ErrPlanMismatch) {
					t.Fatalf("other plan: %v", err)
				}
				if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "other-agent", r.Tool); !errors.Is(err, ErrNotFound) {
					t.Fatalf("other agent: %v", err)
				}
				if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool); err != nil {
					t.Fatalf("redeem: %v", err)
				}
				if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool); !errors.Is(err, ErrUsed) {
					t.Fatalf("second redeem: %v", err)
				}
				stored, _ := svc.Get(ctx, r.ID)
				if stored.Status != StatusUsed || len(stored.Decisions) != 2 || stored.Decisions[0].Approver != "alice" || stored.Decisions[0].Reason != "looks right" {
					t.Fatalf("stored %+v", stored)
				}
			})

			t.Run("deny needs a reason and fails the call", func(t *testing.T) {
				r, _ := svc.Submit(ctx, newRequest(1))
				if _, err := svc.Decide(ctx, r.ID, alice, false, " "); !errors.Is(err, ErrReasonRequired) {
					t.Fatalf("deny without reason: %v", err)
				}
				if _, err := svc.Decide(ctx, r.ID, alice, false, "not during the sale"); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Decide(ctx, r.ID, bob, true, ""); !errors.Is(err, ErrNotPending) {
					t.Fatalf("approve after deny: %v", err)
				}
				got, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool)
				d, _ := got.DeniedBy()
				if !errors.Is(err, ErrDenied) || d.Reason != "not during the sale" {
					t.Fatalf("redeem denied: %v %+v", err, d)
				}
			})

			t.Run("nobody approves their own request", func(t *testing.T) {
				n := newRequest(1)
				n.Agent = "alice" // an agent and an approver with one name cannot load; the service refuses anyway
				r, _ := svc.Submit(ctx, n)
				if _, err := svc.Decide(ctx, r.ID, alice, true, ""); !errors.Is(err, ErrOwnRequest) {
					t.Fatalf("own request: %v", err)
				}
			})

			t.Run("expiry", func(t *testing.T) {
				r, _ := svc.Submit(ctx, newRequest(1))
				clk.add(2 * time.Hour)
				defer clk.add(-2 * time.Hour)
				if _, err := svc.Decide(ctx, r.ID, alice, true, ""); !errors.Is(err, ErrExpired) {
					t.Fatalf("decide after expiry: %v", err)
				}
				if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool); !errors.Is(err, ErrExpired) {
					t.Fatalf("redeem after expiry: %v", err)
				}
				got, _ := svc.Get(ctx, r.ID)
				if got.Status != StatusExpired {
					t.Fatalf("status %s", got.Status)
				}
			})

			t.Run("approve once under contention", func(t *testing.T) {
				r, _ := svc.Submit(ctx, newRequest(1))
				if _, err := svc.Decide(ctx, r.ID, alice, true, ""); err != nil {
					t.Fatal(err)
				}
				var wins atomic.Int32
				var wg sync.WaitGroup
				for i := 0; i < 8; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := svc.Redeem(ctx, r.ID, r.PlanHash, "bot", r.Tool); err == nil {
							wins.Add(1)
						}
					}()
				}
				wg.Wait()
				if wins.Load() != 1 {
					t.Fatalf("%d redeems won, want exactly 1", wins.Load())
				}
			})

			t.Run("one-time state", func(t *testing.T) {
				st := svc.Store()
				now := clk.now()
				if err := st.PutState(ctx, "cfm_a", []byte(`{"x":1}`), now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
				var wins atomic.Int32
				var wg sync.WaitGroup
				for i := 0; i < 8; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if v, ok, err := st.TakeState(ctx, "cfm_a", now); err == nil && ok && string(v) == `{"x":1}` {
							wins.Add(1)
						}
					}()
				}
				wg.Wait()
				if wins.Load() != 1 {
					t.Fatalf("%d takes won", wins.Load())
				}
				_ = st.PutState(ctx, "cfm_b", []byte("v"), now.Add(time.Minute))
				if _, ok, _ := st.TakeState(ctx, "cfm_b", now.Add(2*time.Minute)); ok {
					t.Fatal("expired state was returned")
				}
			})

			t.Run("list", func(t *testing.T) {
				list, err := svc.List(ctx, 100, StatusUsed)
				if err != nil || len(list) != 2 {
					t.Fatalf("used: %d %v", len(list), err)
				}
			})
		})
	}
}

// TestWaitWakes: a call waiting on one store instance wakes when another
// instance (another replica) decides: LISTEN/NOTIFY on PostgreSQL, polling
// on SQLite.
func TestWaitWakes(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := testPolicy(t)
			a := open(t)
			var b Store
			if name == "postgres" {
				var err error
				b, err = Open(ctx, getenv(t, "ATLAS_MCP_TEST_PG_SCHEMA_URL"))
				if err != nil {
					t.Fatal(err)
				}
			} else {
				b = a
			}
			defer func() {
				if b != a {
					b.Close()
				}
			}()
			replicaA, replicaB := NewService(Options{Store: a}), NewService(Options{Store: b})
			r, err := replicaA.Submit(ctx, newRequest(1))
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan *Request, 1)
			go func() {
				got, _ := replicaA.Wait(ctx, r.ID, nil)
				done <- got
			}()
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			if _, err := replicaB.Decide(ctx, r.ID, p.ApproverByToken(aliceToken), true, ""); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-done:
				if got.Status != StatusApproved {
					t.Fatalf("woke with %s", got.Status)
				}
				if name == "postgres" && time.Since(start) > 1500*time.Millisecond {
					t.Fatalf("woke after %s: the NOTIFY did not arrive (poll is 2s)", time.Since(start))
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the waiting call never woke")
			}
		})
	}
}

func getenv(t *testing.T, k string) string {
	v := fmt.Sprint(envLookup(k))
	if v == "" {
		t.Fatalf("%s not set", k)
	}
	return v
}
