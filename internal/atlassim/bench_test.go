package atlassim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

func benchSim(b *testing.B) (*Sim, *httptest.Server, string) {
	b.Helper()
	big := Limit{Capacity: 1 << 30, Refill: 1 << 30, Per: time.Second}
	s := New(Options{Seed: true, Limits: map[string]Limit{SetClusters: big, SetStandard: big}})
	s.AddClusters(DemoProjectID, 47, "bench") // 50 with the seeded three
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	req, _ := http.NewRequest("POST", srv.URL+"/api/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(DemoClientID, DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := strings.Split(strings.Split(string(body), `"access_token":"`)[1], `"`)[0]
	return s, srv, tok
}

// BenchmarkListClusters50HTTP is one GET of a 50-cluster list over loopback HTTP.
func BenchmarkListClusters50HTTP(b *testing.B) {
	_, srv, tok := benchSim(b)
	c := srv.Client()
	url := srv.URL + "/api/atlas/v2/groups/" + DemoProjectID + "/clusters"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", latest)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.StatusCode)
		}
	}
}

// BenchmarkListClusters50InProcess is the handler alone, without the network.
func BenchmarkListClusters50InProcess(b *testing.B) {
	s, _, tok := benchSim(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", "/api/atlas/v2/groups/"+DemoProjectID+"/clusters", nil)
		req.Header.Set("Accept", latest)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkGetOrgDigest is one Digest-authenticated GET with a reused
// challenge (the icholy/digest transport's steady state).
func BenchmarkGetOrgDigest(b *testing.B) {
	_, srv, _ := benchSim(b)
	c := &http.Client{Transport: &digest.Transport{Username: DemoPublicKey, Password: DemoPrivateKey, Transport: srv.Client().Transport}}
	url := srv.URL + "/api/atlas/v2/orgs/" + DemoOrgID
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", latest)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.StatusCode)
		}
	}
}
