package atlasclient

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func newOfflineClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(Config{
		BaseURL:     "http://127.0.0.1:1",
		Credentials: Credentials{ClientID: "id", ClientSecret: "secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const testGroup = "5f0f1e7e0f2912c554080adc"

func TestResolve(t *testing.T) {
	c := newOfflineClient(t)
	cluster := "/groups/{groupId}/clusters/{clusterName}"
	tests := []struct {
		name       string
		req        Request
		wantPath   string
		wantAccept string
		wantSet    string
		wantScope  string
		wantQuery  string
		wantErr    bool
	}{
		{
			name:       "plain",
			req:        Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "Cluster0"}},
			wantPath:   "/api/atlas/v2/groups/" + testGroup + "/clusters/Cluster0",
			wantAccept: "application/vnd.atlas.2024-08-05+json",
			wantSet:    SetClusters, wantScope: testGroup,
		},
		{
			name:       "traversal is one escaped segment",
			req:        Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "../../orgs"}},
			wantPath:   "/api/atlas/v2/groups/" + testGroup + "/clusters/..%2F..%2Forgs",
			wantAccept: "application/vnd.atlas.2024-08-05+json",
			wantSet:    SetClusters, wantScope: testGroup,
		},
		{
			name:       "cidr slash escaped",
			req:        Request{Method: http.MethodDelete, Template: "/groups/{groupId}/accessList/{entryValue}", Params: map[string]string{"groupId": testGroup, "entryValue": "10.0.0.0/24"}},
			wantPath:   "/api/atlas/v2/groups/" + testGroup + "/accessList/10.0.0.0%2F24",
			wantAccept: "application/vnd.atlas.2023-01-01+json",
			wantSet:    SetStandard, wantScope: testGroup,
		},
		{
			name:       "query and delete version",
			req:        Request{Method: http.MethodDelete, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "a b?c"}, Query: url.Values{"retainBackups": {"true"}}},
			wantPath:   "/api/atlas/v2/groups/" + testGroup + "/clusters/a%20b%3Fc",
			wantAccept: "application/vnd.atlas.2023-02-01+json",
			wantSet:    SetClusters, wantScope: testGroup, wantQuery: "retainBackups=true",
		},
		{
			name:       "global scope",
			req:        Request{Method: http.MethodGet, Template: "/orgs"},
			wantPath:   "/api/atlas/v2/orgs",
			wantAccept: "application/vnd.atlas.2023-01-01+json",
			wantSet:    SetStandard, wantScope: "global",
		},
		{
			name:       "app services",
			req:        Request{Method: http.MethodGet, Template: "/groups/{groupId}/apps", Params: map[string]string{"groupId": testGroup}},
			wantPath:   "/api/admin/v3.0/groups/" + testGroup + "/apps",
			wantAccept: "application/json",
			wantSet:    SetAppServices, wantScope: testGroup,
		},
		{name: "dotdot rejected", req: Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": ".."}}, wantErr: true},
		{name: "dot rejected", req: Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "."}}, wantErr: true},
		{name: "empty rejected", req: Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": ""}}, wantErr: true},
		{name: "missing rejected", req: Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup}}, wantErr: true},
		{name: "unused rejected", req: Request{Method: http.MethodGet, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "a", "clustername": "b"}}, wantErr: true},
		{name: "unknown operation", req: Request{Method: http.MethodPut, Template: cluster, Params: map[string]string{"groupId": testGroup, "clusterName": "a"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.Resolve(&tt.req)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Resolve = %+v, want error", r)
				}
				var pe *ParamError
				var ue *UnknownOperationError
				if !errors.As(err, &pe) && !errors.As(err, &ue) {
					t.Fatalf("error %T %v is neither ParamError nor UnknownOperationError", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != tt.wantPath || r.Accept != tt.wantAccept || r.RateSet != tt.wantSet || r.Scope != tt.wantScope || r.Query != tt.wantQuery {
				t.Fatalf("got path %q accept %q set %q scope %q query %q", r.Path, r.Accept, r.RateSet, r.Scope, r.Query)
			}
		})
	}
}

func TestOperationsTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, op := range Operations {
		k := op.Method + " " + op.Template
		if seen[k] {
			t.Errorf("duplicate operation %s", k)
		}
		seen[k] = true
		if op.API == AdminV2 && len(op.Version) != len("2023-01-01") {
			t.Errorf("%s: bad version %q", k, op.Version)
		}
		if op.Permission == "" {
			t.Errorf("%s: no permission", k)
		}
		if op.ScopeParam != "" {
			params := map[string]string{}
			for _, name := range placeholders(op.Template) {
				params[name] = "x"
			}
			if _, ok := params[op.ScopeParam]; !ok {
				t.Errorf("%s: scope param %q not in template", k, op.ScopeParam)
			}
		}
	}
}

func placeholders(tmpl string) []string {
	var out []string
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			j := i + 1
			for j < len(tmpl) && tmpl[j] != '}' {
				j++
			}
			out = append(out, tmpl[i+1:j])
			i = j
		}
	}
	return out
}

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantEnv string
	}{
		{"none", Config{}, "MONGODB_ATLAS_CLIENT_ID"},
		{"secret missing", Config{Credentials: Credentials{ClientID: "x"}}, "MONGODB_ATLAS_CLIENT_SECRET"},
		{"private missing", Config{Credentials: Credentials{PublicKey: "x"}}, "MONGODB_ATLAS_PRIVATE_API_KEY"},
		{"base with path", Config{BaseURL: "http://127.0.0.1/api", Credentials: Credentials{PublicKey: "x", PrivateKey: "y"}}, "MONGODB_ATLAS_BASE_URL"},
		{"base with userinfo", Config{BaseURL: "http://u:hunter2@127.0.0.1", Credentials: Credentials{PublicKey: "x", PrivateKey: "y"}}, "MONGODB_ATLAS_BASE_URL"},
		{"unknown limit set", Config{Limits: map[string]Limit{"cluster": {}}, Credentials: Credentials{PublicKey: "x", PrivateKey: "y"}}, "cluster"},
		{"bad limit", Config{Limits: map[string]Limit{SetStandard: {Capacity: 1}}, Credentials: Credentials{PublicKey: "x", PrivateKey: "y"}}, "standard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if !contains(err.Error(), tt.wantEnv) {
				t.Fatalf("error %q does not name %s", err, tt.wantEnv)
			}
			if contains(err.Error(), "hunter2") {
				t.Fatalf("error %q leaks a password", err)
			}
		})
	}
	c, err := New(Config{Credentials: Credentials{ClientID: "a", ClientSecret: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.HasAppServicesCredentials() {
		t.Error("service account alone should not enable App Services")
	}
}

func TestBaseURLFor(t *testing.T) {
	if BaseURLFor(Commercial) != CommercialBaseURL || BaseURLFor(Gov) != GovBaseURL || BaseURLFor("mars") != "" {
		t.Fatal("BaseURLFor mapping wrong")
	}
	if _, err := ParseCloud("mars"); err == nil {
		t.Fatal("ParseCloud accepted mars")
	}
}
