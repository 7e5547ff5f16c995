package atlasclient

import (
	"net/http"
	"testing"
	"time"
)

// Atlas's RateLimit headers narrow any bucket, and widen only a guessed one.
func TestBucketsFollowAtlasRateLimitHeaders(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	guess := Limit{Capacity: 100, Refill: 100, Per: time.Minute, Guess: true}
	published := Limit{Capacity: 100, Refill: 100, Per: time.Minute}
	cases := []struct {
		name                string
		lim                 Limit
		capacity, remaining int
		wantBurst           int
		wantTokens          int
	}{
		{"guess widened to Atlas's figures", guess, 1000, 900, 1000, 900},
		{"guess narrowed", guess, 50, 10, 50, 10},
		{"published never widened", published, 1000, 900, 100, 100},
		{"published narrowed", published, 50, 10, 50, 10},
		{"published drained to what Atlas has left", published, 100, 3, 100, 3},
		{"nonsense ignored", guess, 10, 11, 0, 0},
		{"limiting off stays off", Limit{}, 10, 1, 0, 0},
	}
	for _, c := range cases {
		b := newBuckets(map[string]Limit{SetStandard: c.lim}, 10)
		b.observe(SetStandard, "g1", c.capacity, c.remaining, now)
		bk := b.m[bucketKey{SetStandard, "g1"}]
		if c.lim == (Limit{}) || c.remaining > c.capacity {
			if bk != nil {
				t.Errorf("%s: a bucket was made", c.name)
			}
			continue
		}
		if bk == nil {
			t.Fatalf("%s: no bucket", c.name)
		}
		if got := bk.lim.Burst(); got != c.wantBurst {
			t.Errorf("%s: burst %d, want %d", c.name, got, c.wantBurst)
		}
		if got := int(bk.lim.TokensAt(now)); got != c.wantTokens {
			t.Errorf("%s: %d tokens, want %d", c.name, got, c.wantTokens)
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	for _, c := range []struct {
		limit, remaining string
		c, r             int
		ok               bool
	}{
		{"100", "42", 100, 42, true},
		{"100, 100;w=60", " 7", 100, 7, true},
		{"", "42", 0, 0, false},
		{"100", "", 0, 0, false},
		{"x", "1", 0, 0, false},
	} {
		h := http.Header{}
		if c.limit != "" {
			h.Set("RateLimit-Limit", c.limit)
		}
		if c.remaining != "" {
			h.Set("RateLimit-Remaining", c.remaining)
		}
		gc, gr, ok := rateLimitHeaders(h)
		if ok != c.ok || (ok && (gc != c.c || gr != c.r)) {
			t.Errorf("%q/%q: %d %d %v", c.limit, c.remaining, gc, gr, ok)
		}
	}
}
