package atlasclient

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// buckets holds one token bucket per (rate set, scope), created on first use,
// mirroring how Atlas scopes its own (per project for clusters and database
// users). The map is bounded: when it is full, buckets that have refilled
// completely are dropped first (a fresh bucket is indistinguishable from them,
// so nothing is lost), and only if none has, the least recently used one.
type buckets struct {
	limits map[string]Limit
	max    int

	mu sync.Mutex
	m  map[bucketKey]*bucket
}

type bucketKey struct{ set, scope string }

type bucket struct {
	lim      *rate.Limiter
	lastUsed time.Time
}

func newBuckets(limits map[string]Limit, max int) *buckets {
	return &buckets{limits: limits, max: max, m: make(map[bucketKey]*bucket)}
}

// reserve takes one token from the bucket of (set, scope) at now and says how
// long the caller must wait before using it; cancel gives it back.
func (b *buckets) reserve(set, scope string, now time.Time) (wait time.Duration, cancel func()) {
	l, ok := b.limits[set]
	if !ok {
		l = b.limits[SetStandard]
	}
	if l == (Limit{}) {
		return 0, func() {}
	}
	k := bucketKey{set, scope}
	b.mu.Lock()
	bk := b.m[k]
	if bk == nil {
		if len(b.m) >= b.max {
			b.evictLocked(now)
		}
		perSecond := rate.Limit(float64(l.Refill) / l.Per.Seconds())
		bk = &bucket{lim: rate.NewLimiter(perSecond, l.Capacity)}
		b.m[k] = bk
	}
	bk.lastUsed = now
	r := bk.lim.ReserveN(now, 1)
	b.mu.Unlock()
	return r.DelayFrom(now), func() { r.CancelAt(now) }
}

func (b *buckets) evictLocked(now time.Time) {
	var oldest bucketKey
	var oldestAt time.Time
	for k, bk := range b.m {
		if bk.lim.TokensAt(now) >= float64(bk.lim.Burst()) {
			delete(b.m, k)
			continue
		}
		if oldestAt.IsZero() || bk.lastUsed.Before(oldestAt) {
			oldest, oldestAt = k, bk.lastUsed
		}
	}
	if len(b.m) >= b.max {
		delete(b.m, oldest)
	}
}

func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// learn tightens the bucket of (set, scope) to what a 429 said Atlas's is, and
// empties it, since Atlas has just said it is empty. Atlas publishes few of its
// buckets, so the defaults can be larger than the real one; without learning,
// every caller would keep meeting 429s. It never loosens a bucket, and leaves a
// set alone whose client-side limiting was turned off.
func (b *buckets) learn(set, scope string, atlas Limit, now time.Time) {
	l, ok := b.limits[set]
	if !ok {
		l = b.limits[SetStandard]
	}
	if l == (Limit{}) || atlas.Capacity <= 0 || atlas.Refill <= 0 || atlas.Per <= 0 {
		return
	}
	perSecond := rate.Limit(float64(atlas.Refill) / atlas.Per.Seconds())
	k := bucketKey{set, scope}
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.m[k]
	if bk == nil {
		bk = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.Refill)/l.Per.Seconds()), l.Capacity)}
		b.m[k] = bk
	}
	bk.lastUsed = now
	if perSecond < bk.lim.Limit() {
		bk.lim.SetLimitAt(now, perSecond)
	}
	if atlas.Capacity < bk.lim.Burst() {
		bk.lim.SetBurstAt(now, atlas.Capacity)
	}
	if t := int(bk.lim.TokensAt(now)); t > 0 {
		bk.lim.ReserveN(now, t)
	}
}

// observe sets the bucket of (set, scope) to what Atlas's RateLimit-Limit
// (its capacity) and RateLimit-Remaining (its tokens left) say, on any answer
// that carries them. Atlas's figures narrow every bucket; they widen only a
// bucket whose figure is a guess (Limit.Guess), since a configured figure may be
// this replica's share of the budget. The refill rate stays the configured or
// learned one: the headers do not give it.
func (b *buckets) observe(set, scope string, capacity, remaining int, now time.Time) {
	l, ok := b.limits[set]
	if !ok {
		l = b.limits[SetStandard]
	}
	if l == (Limit{}) || capacity <= 0 || remaining < 0 || remaining > capacity {
		return
	}
	k := bucketKey{set, scope}
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.m[k]
	if bk == nil {
		if len(b.m) >= b.max {
			b.evictLocked(now)
		}
		bk = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.Refill)/l.Per.Seconds()), l.Capacity)}
		b.m[k] = bk
	}
	bk.lastUsed = now
	if capacity < bk.lim.Burst() || (l.Guess && capacity > bk.lim.Burst()) {
		bk.lim.SetBurstAt(now, capacity)
	}
	tokens := int(bk.lim.TokensAt(now))
	switch {
	case remaining < tokens:
		bk.lim.ReserveN(now, tokens-remaining)
	case l.Guess && remaining > tokens:
		// rate.Limiter cannot add tokens: start a full one and take what Atlas
		// says is spent.
		lim := rate.NewLimiter(bk.lim.Limit(), bk.lim.Burst())
		if spent := bk.lim.Burst() - remaining; spent > 0 {
			lim.ReserveN(now, spent)
		}
		bk.lim = lim
	}
}

// rateLimitHeaders reads RateLimit-Limit and RateLimit-Remaining; ok is false
// unless both are there. Only the leading number counts, so the IETF draft's
// "100, 100;w=60" form reads as 100.
func rateLimitHeaders(h http.Header) (capacity, remaining int, ok bool) {
	num := func(name string) (int, bool) {
		v := strings.TrimSpace(h.Get(name))
		i := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(v[:i])
		return n, err == nil
	}
	c, ok1 := num("RateLimit-Limit")
	r, ok2 := num("RateLimit-Remaining")
	return c, r, ok1 && ok2
}
