package atlassim

import (
	"net/url"
	"strings"
	"testing"
)

func links(t *testing.T, m map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range m["links"].([]any) {
		lm := l.(map[string]any)
		out[lm["rel"].(string)] = lm["href"].(string)
	}
	return out
}

func TestPaging(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	h.sim.AddClusters(DemoProjectID, 50, "bulk")
	list := groupPath(DemoProjectID, "/clusters")

	// Walk the next links; every cluster shows up exactly once.
	seen := map[string]bool{}
	next := h.srv.URL + prefixV2 + list + "?itemsPerPage=20"
	pages := 0
	for next != "" {
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		m := h.must(200, "GET", u.RequestURI(), nil).json(t)
		pages++
		if m["totalCount"] != float64(53) {
			t.Fatalf("totalCount %v, want 53", m["totalCount"])
		}
		for _, c := range m["results"].([]any) {
			name := c.(map[string]any)["name"].(string)
			if seen[name] {
				t.Fatalf("%s listed twice", name)
			}
			seen[name] = true
		}
		l := links(t, m)
		if l["self"] != next && !strings.Contains(l["self"], "pageNum=") {
			t.Errorf("self link %q", l["self"])
		}
		if _, has := l["previous"]; has != (pages > 1) {
			t.Errorf("page %d: previous link present = %v", pages, has)
		}
		next = l["next"]
		if pages > 10 {
			t.Fatal("next links never end")
		}
	}
	if pages != 3 || len(seen) != 53 {
		t.Fatalf("%d pages, %d clusters; want 3 and 53", pages, len(seen))
	}

	m := h.must(200, "GET", list+"?pageNum=9&itemsPerPage=20", nil).json(t)
	if n := len(m["results"].([]any)); n != 0 {
		t.Errorf("page past the end has %d results", n)
	}
	m = h.must(200, "GET", list+"?includeCount=false&itemsPerPage=500", nil).json(t)
	if _, has := m["totalCount"]; has {
		t.Error("includeCount=false still answers totalCount")
	}
	if n := len(m["results"].([]any)); n != 53 {
		t.Errorf("itemsPerPage=500 gave %d", n)
	}

	for _, q := range []string{"itemsPerPage=0", "itemsPerPage=501", "itemsPerPage=ten", "pageNum=0", "pageNum=-1", "includeCount=maybe"} {
		r := h.do("GET", list+"?"+q, nil)
		if r.status != 400 || r.errorCode(t) != codeInvalidQueryParameter {
			t.Errorf("%s: %d %s, want 400 %s", q, r.status, r.raw, codeInvalidQueryParameter)
			continue
		}
		param := strings.Split(q, "=")[0]
		body := r.json(t)
		if d, _ := body["detail"].(string); !strings.Contains(d, param) {
			t.Errorf("%s: detail %q does not name %s", q, d, param)
		}
		if ps := body["parameters"].([]any); len(ps) == 0 || ps[0] != param {
			t.Errorf("%s: parameters %v", q, ps)
		}
	}

	// envelope=true adds the status to a list.
	m = h.must(200, "GET", list+"?envelope=true&itemsPerPage=1", nil).json(t)
	if m["status"] != float64(200) {
		t.Errorf("envelope: %v", m["status"])
	}
}
