package atlasclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenCacheSingleFlight(t *testing.T) {
	var fetches atomic.Int32
	release := make(chan struct{})
	c := &tokenCache{
		now: time.Now,
		fetch: func(ctx context.Context) (string, time.Time, error) {
			n := fetches.Add(1)
			<-release
			return fmt.Sprintf("t%d", n), time.Now().Add(time.Hour), nil
		},
	}
	burst := func(n int, stale string) map[string]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]int{}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if stale != "" {
					c.invalidate(stale)
				}
				tok, err := c.get(context.Background())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got[tok]++
				mu.Unlock()
			}()
		}
		close(release)
		wg.Wait()
		release = make(chan struct{})
		return got
	}
	if got := burst(200, ""); fetches.Load() != 1 || got["t1"] != 200 {
		t.Fatalf("fetches %d, tokens %v", fetches.Load(), got)
	}
	if got := burst(200, "t1"); fetches.Load() != 2 || got["t2"] != 200 {
		t.Fatalf("after invalidation: fetches %d, tokens %v", fetches.Load(), got)
	}
	c.invalidate("t1") // stale: must not drop t2
	close(release)
	if tok, _ := c.get(context.Background()); tok != "t2" || fetches.Load() != 2 {
		t.Fatalf("stale invalidate dropped the current token: %s, %d fetches", tok, fetches.Load())
	}
}

func TestTokenCacheExpiryAndErrors(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var fetches int
	fail := errors.New("boom")
	var next error
	c := &tokenCache{now: clock, fetch: func(context.Context) (string, time.Time, error) {
		fetches++
		if next != nil {
			return "", time.Time{}, next
		}
		return fmt.Sprintf("t%d", fetches), clock().Add(time.Hour), nil
	}}
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		err     error
		want    string
		wantErr bool
	}{
		{0, nil, "t1", false},
		{58 * time.Minute, nil, "t1", false}, // fresh until a minute before expiry
		{90 * time.Second, nil, "t2", false}, // inside the skew: refetched
		{2 * time.Hour, fail, "", true},      // expired and the fetch fails
		{0, nil, "t4", false},                // the failure is not cached
	}
	for i, s := range steps {
		advance(s.advance)
		next = s.err
		tok, err := c.get(ctx)
		if (err != nil) != s.wantErr || tok != s.want {
			t.Fatalf("step %d: got %q, %v", i, tok, err)
		}
	}
}

func TestTokenCacheWaiterHonoursContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c := &tokenCache{now: time.Now, fetch: func(context.Context) (string, time.Time, error) {
		<-release
		return "t", time.Time{}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestBucketsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBuckets(map[string]Limit{SetStandard: {Capacity: 2, Refill: 1, Per: time.Minute}}, 3)
	// Drain scope a, leave b and c partly used, then add d and e.
	for _, s := range []string{"a", "a", "b", "c"} {
		if w, _ := b.reserve(SetStandard, s, now); w != 0 {
			t.Fatalf("scope %s waited %v", s, w)
		}
	}
	if w, _ := b.reserve(SetStandard, "a", now); w <= 0 {
		t.Fatal("third request on a two-token bucket should wait")
	}
	// A minute later b and c have refilled; adding d must evict them, not a.
	later := now.Add(time.Minute)
	b.reserve(SetStandard, "d", later)
	if b.len() > 3 {
		t.Fatalf("%d buckets, cap 3", b.len())
	}
	if w, _ := b.reserve(SetStandard, "a", later); w <= 0 {
		t.Fatal("bucket a was evicted while still in debt")
	}
	for _, s := range []string{"e", "f", "g"} {
		b.reserve(SetStandard, s, later)
	}
	if b.len() > 3 {
		t.Fatalf("%d buckets, cap 3", b.len())
	}
}
