package atlassim

import (
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
)

func TestRequestLogKeepsTheNewestInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 7, 9} {
		l := requestLog{max: 3}
		var want []LoggedRequest
		for i := 0; i < n; i++ {
			e := LoggedRequest{Path: "/" + strconv.Itoa(i)}
			l.add(e)
			want = append(want, e)
		}
		if len(want) > 3 {
			want = want[len(want)-3:]
		}
		if got := l.snapshot(); !reflect.DeepEqual(got, append([]LoggedRequest{}, want...)) {
			t.Errorf("after %d requests: %v, want %v", n, got, want)
		}
	}
	l := requestLog{max: 3}
	l.add(LoggedRequest{Path: "/a"})
	l.reset()
	l.add(LoggedRequest{Path: "/b"})
	if got := l.snapshot(); len(got) != 1 || got[0].Path != "/b" {
		t.Errorf("after reset: %v", got)
	}
}

// BenchmarkRequestWithFullLog is one cheap request once the log holds its
// 100,000 entries (the steady state of a long benchmark against the sim).
func BenchmarkRequestWithFullLog(b *testing.B) {
	s, _, tok := benchSim(b)
	s.mu.Lock()
	for i := 0; i < maxLoggedRequests; i++ {
		s.log.add(LoggedRequest{Method: "GET", Path: "/filler"})
	}
	s.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", "/api/atlas/v2/orgs/"+DemoOrgID, nil)
		req.Header.Set("Accept", latest)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
