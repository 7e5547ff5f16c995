package server

import (
	"testing"
	"time"
)

func TestSessionTable(t *testing.T) {
	now := time.Unix(0, 0)
	tb := newSessionTable(time.Minute, 2, func() time.Time { return now })
	a1, _, err := tb.issue("alice", kindStreamable)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := tb.issue("alice", kindSSE)
	if _, _, err := tb.issue("alice", kindStreamable); err != errTooManySessions {
		t.Fatalf("third session: %v", err)
	}
	checks := []struct {
		id, agent, kind string
		want            lookupResult
	}{
		{a1, "alice", kindStreamable, sessionOK},
		{a1, "bob", kindStreamable, sessionForeign},
		{a1, "alice", kindSSE, sessionUnknown}, // kinds do not mix
		{a2, "alice", kindSSE, sessionOK},
		{"never-issued", "alice", kindStreamable, sessionUnknown},
	}
	for _, c := range checks {
		if got := tb.use(c.id, c.agent, c.kind); got != c.want {
			t.Errorf("use(%s, %s, %s) = %v, want %v", c.id, c.agent, c.kind, got, c.want)
		}
	}
	// Past the TTL the streamable session is gone; the SSE one has its stream open.
	now = now.Add(2 * time.Minute)
	if got := tb.use(a1, "alice", kindStreamable); got != sessionUnknown {
		t.Errorf("expired session: %v", got)
	}
	id, expired, err := tb.issue("alice", kindStreamable) // the cap frees the expired slot
	if err != nil || len(expired) != 1 || expired[0] != a1 {
		t.Fatalf("issue at the cap with an expired session: %v %v", expired, err)
	}
	if tb.use(a2, "alice", kindSSE) != sessionOK || tb.use(id, "alice", kindStreamable) != sessionOK {
		t.Error("live sessions lost")
	}
	tb.end(a2)
	tb.close()
	if _, _, err := tb.issue("bob", kindStreamable); err != errShuttingDown {
		t.Errorf("issue while draining: %v", err)
	}
	if tb.len() != 1 || len(tb.perOwner) != 1 {
		t.Errorf("len %d, owners %v", tb.len(), tb.perOwner)
	}
}
