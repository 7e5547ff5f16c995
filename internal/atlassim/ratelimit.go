package atlassim

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// bucket is one token bucket of an endpoint set and scope. x/time/rate takes
// explicit times, so the bucket follows Options.Now like everything else.
type bucket struct {
	lim   *rate.Limiter
	limit Limit
}

// SetLimit changes a bucket at run time; every bucket of that set starts over
// full with the new numbers.
func (s *Sim) SetLimit(set string, l Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Limits[set] = l
	for k := range s.buckets {
		if strings.HasPrefix(k, set+"|") {
			delete(s.buckets, k)
		}
	}
}

// scopeKey picks the scope of a bucket: the project in the path, else the
// organization in the path, else the credential.
func scopeKey(params map[string]string, who *principal) string {
	if g := params["groupId"]; g != "" {
		return "group:" + g
	}
	if o := params["orgId"]; o != "" {
		return "org:" + o
	}
	if who != nil {
		return "user:" + who.id
	}
	return "ip"
}

// take draws one token for the route. It returns the RateLimit-* headers to
// put on the answer, or a 429 RATE_LIMITED_TOKEN_BUCKET error when empty.
func (s *Sim) take(rt *route, params map[string]string, who *principal, now time.Time) (http.Header, *apiError) {
	l := s.opts.Limits[rt.set]
	if l.Capacity <= 0 || l.Per <= 0 {
		return http.Header{}, nil
	}
	key := rt.set + "|" + scopeKey(params, who)
	b := s.buckets[key]
	if b == nil {
		perSec := float64(l.Refill) / l.Per.Seconds()
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSec), l.Capacity), limit: l}
		s.buckets[key] = b
	}
	h := http.Header{}
	h.Set("RateLimit-Limit", strconv.Itoa(l.Capacity))
	if b.lim.AllowN(now, 1) {
		h.Set("RateLimit-Remaining", strconv.Itoa(int(math.Max(0, math.Floor(b.lim.TokensAt(now))))))
		return h, nil
	}
	wait := retryAfterSeconds(b, now)
	h.Set("RateLimit-Remaining", "0")
	h.Set("Retry-After", strconv.Itoa(wait))
	path := "api/atlas/v2" + rt.pattern
	if rt.versions == nil {
		path = "api/admin/v3.0" + rt.pattern
	}
	per := int(l.Per / time.Second)
	e := newErr(http.StatusTooManyRequests, codeRateLimited,
		"Rate limit exceeded for %s. Please retry after %d seconds. Request capacity: %d. Refill rate: %d per %d seconds.",
		path, wait, l.Capacity, l.Refill, per).with(path, wait, l.Capacity, l.Refill, per)
	e.header = h
	return h, e
}

// retryAfterSeconds is the time until one token is back, rounded up, at least 1.
func retryAfterSeconds(b *bucket, now time.Time) int {
	missing := 1 - b.lim.TokensAt(now)
	perSec := float64(b.lim.Limit())
	if perSec <= 0 {
		return int(math.Max(1, b.limit.Per.Seconds()))
	}
	secs := int(math.Ceil(missing / perSec))
	if secs < 1 {
		secs = 1
	}
	return secs
}
