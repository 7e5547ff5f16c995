package atlassim

import (
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	base := []string{"2023-01-01"}
	clusters := []string{"2023-01-01", "2023-02-01", "2024-08-05"}
	flex := []string{"2024-11-13"}
	cases := []struct {
		accept   string
		versions []string
		want     string // "" = 406
	}{
		{"application/vnd.atlas.2023-01-01+json", base, "2023-01-01"},
		{"application/vnd.atlas.2025-03-12+json", base, "2023-01-01"}, // what MongoDB's MCP server sends
		{"application/vnd.atlas.2022-01-01+json", base, ""},           // not published
		{"application/vnd.atlas.2023-05-05+json", base, ""},           // not published
		{"application/json", base, ""},
		{"", base, ""},
		{"application/vnd.atlas.preview+json", base, ""},
		{"application/vnd.atlas.2025-03-12+json", clusters, "2024-08-05"},
		{"application/vnd.atlas.2024-05-30+json", clusters, "2023-02-01"},
		{"application/vnd.atlas.2023-02-01+json", clusters, "2023-02-01"},
		{"application/vnd.atlas.2024-08-05+json", flex, ""}, // before the resource's first version
		{"application/vnd.atlas.2025-02-19+json", flex, "2024-11-13"},
		{"application/json, application/vnd.atlas.2023-10-01+json;q=0.9", clusters, "2023-02-01"},
		{"application/vnd.atlas.2023-05-05+json, application/vnd.atlas.2023-11-15+json", clusters, "2023-02-01"},
		{"APPLICATION/VND.ATLAS.2024-10-23+JSON", clusters, "2024-08-05"},
	}
	for _, tc := range cases {
		got, err := resolveVersion(tc.accept, tc.versions)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%q %v: served %s, want 406", tc.accept, tc.versions, got)
		case tc.want != "" && err != nil:
			t.Errorf("%q %v: %v, want %s", tc.accept, tc.versions, err, tc.want)
		case got != tc.want:
			t.Errorf("%q %v: %s, want %s", tc.accept, tc.versions, got, tc.want)
		}
		if err != nil && (err.status != 406 || err.code != codeNotAcceptable || !strings.Contains(err.detail, tc.accept)) {
			t.Errorf("%q: error %v does not quote the Accept header as a 406 %s", tc.accept, err, codeNotAcceptable)
		}
	}
}

func TestVersionNegotiationOverHTTP(t *testing.T) {
	h := newHarness(t, Options{Seed: true, ClusterTransition: -1})
	clusters := groupPath(DemoProjectID, "/clusters")
	cases := []struct {
		name, method, path, accept string
		body                       any
		status                     int
		contentType                string
	}{
		{"2025-03-12 on a 2023-01-01-only resource", "GET", "/orgs", latest, nil, 200, "application/vnd.atlas.2023-01-01+json"},
		{"2022-01-01 refused", "GET", "/orgs", "application/vnd.atlas.2022-01-01+json", nil, 406, "application/json"},
		{"2023-05-05 refused", "GET", "/orgs", "application/vnd.atlas.2023-05-05+json", nil, 406, "application/json"},
		{"no version", "GET", "/orgs", "application/json", nil, 406, "application/json"},
		{"no Accept at all", "GET", "/orgs", "", nil, 406, "application/json"},
		{"clusters GET resolves 2024-08-05", "GET", clusters, "application/vnd.atlas.2024-10-23+json", nil, 200, "application/vnd.atlas.2024-08-05+json"},
		{"clusters POST takes 2024-10-23", "POST", clusters, "application/vnd.atlas.2025-03-12+json",
			clusterBody("vtest", "AWS", "US_EAST_1", "M10"), 201, "application/vnd.atlas.2024-10-23+json"},
		{"cluster DELETE resolves 2023-02-01", "DELETE", clusters + "/vtest", latest, nil, 202, ""},
		{"legacy cluster shape refused, not faked", "GET", clusters, "application/vnd.atlas.2023-01-01+json", nil, 406, "application/json"},
		{"legacy 2023-02-01 cluster shape refused", "GET", clusters, "application/vnd.atlas.2024-05-30+json", nil, 406, "application/json"},
		{"flex before its first version", "GET", groupPath(DemoProjectID, "/flexClusters"), "application/vnd.atlas.2024-08-05+json", nil, 406, "application/json"},
		{"flex with the latest date", "GET", groupPath(DemoProjectID, "/flexClusters"), latest, nil, 200, "application/vnd.atlas.2024-11-13+json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, tc.body, withAccept(tc.accept))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if tc.status == 406 {
				if code := r.errorCode(t); code != codeNotAcceptable {
					t.Errorf("errorCode %q", code)
				}
				if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, tc.accept) {
					t.Errorf("detail %q does not name what was sent (%q)", d, tc.accept)
				}
			}
		})
	}
	// App Services is unversioned: no Accept needed.
	if r := h.do("POST", "/api/admin/v3.0/auth/providers/mongodb-cloud/login",
		map[string]any{"username": DemoPublicKey, "apiKey": DemoPrivateKey}, withAccept("application/json"), noAuth()); r.status != 200 {
		t.Fatalf("App Services login with plain JSON Accept: %d %s", r.status, r.raw)
	}
}
