package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

// hashTools are the write tools whose plans need no read of Atlas, so the
// fuzzer can plan them offline; their escape hatches (replicationSpecs, body)
// are where spellings of one document differ most.
var hashTools = []func() *Tool{createCluster, createAccessList, createDBUser, createAPIKey, createAlertConfig, createProject, createSnapshot, createRestoreJob}

// FuzzPlanHash: two argument documents whose plans hash equal produce equal
// requests — method, path, query, Accept and body bytes — and each plan hands
// the client exactly the bytes it records. Run it with
// go test -run='^$' -fuzz=FuzzPlanHash -fuzztime=5s ./tools
func FuzzPlanHash(f *testing.F) {
	seeds := [][3]any{
		{uint8(2), `{"username":"a","password":"longenough","roles":[{"roleName":"read","databaseName":"x"}]}`, `{"roles":[{"databaseName":"x","roleName":"read"}],"password":"longenough","username":"a"}`},
		{uint8(2), `{"Username":"a","username":"b","password":"longenough","roles":[{"roleName":"read","databaseName":"x"}]}`, `{"username":"b","Username":"a","password":"longenough","roles":[{"roleName":"read","databaseName":"x"}]}`},
		{uint8(0), `{"clusterName":"c","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M10"}`, `{"instanceSize":"M10","regionName":"US_EAST_1","providerName":"AWS","clusterName":"c","nodeCount":3}`},
		{uint8(0), `{"clusterName":"c","replicationSpecs":[{"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M10","nodeCount":3.0}}]}]}`, `{"clusterName":"c","replicationSpecs":[{"regionConfigs":[{"electableSpecs":{"nodeCount":3,"instanceSize":"M\u0031\u0030"},"priority":7,"regionName":"US_EAST_1","providerName":"AWS"}]}]}`},
		{uint8(1), `{"entries":[{"ipAddress":"2001:db8::7"},{"cidrBlock":"10.0.0.0/8"}]}`, `{"entries":[{"ipAddress":"2001:0db8:0:0:0:0:0:7"},{"cidrBlock":"10.0.0.0/8"}]}`},
		{uint8(4), `{"body":{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"GROUP","roles":["GROUP_OWNER"]}]}}`, `{"body":{"notifications":[{"roles":["GROUP_OWNER"],"typeName":"GROUP"}],"eventTypeName":"NO_PRIMARY"}}`},
		{uint8(3), `{"desc":"a&b","roles":["ORG_READ_ONLY"]}`, `{"desc":"a\u0026b","roles":["ORG_READ_ONLY"]}`},
		{uint8(5), `{"name":"p1"}`, `{"name":"p1","withDefaultAlertsSettings":true}`},
	}
	for _, s := range seeds {
		f.Add(s[0].(uint8), s[1].(string), s[2].(string))
	}
	env := offlineEnv(f, false)
	f.Fuzz(func(t *testing.T, sel uint8, a, b string) {
		tool := hashTools[int(sel)%len(hashTools)]()
		pa := fuzzPlan(t, env, tool, a)
		pb := fuzzPlan(t, env, tool, b)
		for _, p := range []*Plan{pa, pb} {
			if p == nil {
				continue
			}
			for _, r := range p.Requests {
				sentBody, _ := r.req.Body.([]byte)
				if !bytes.Equal(sentBody, r.Body) {
					t.Fatalf("the client is handed %q, the plan records %q", sentBody, r.Body)
				}
				res, err := env.Client.Resolve(r.req)
				if err != nil || res.Method != r.Method || res.Path != r.Path || res.Query != r.Query || res.Accept != r.Accept {
					t.Fatalf("the client would send %+v (%v), the plan records %+v", res, err, r)
				}
			}
		}
		if pa == nil || pb == nil {
			return
		}
		ha, err := pa.Hash()
		if err != nil {
			t.Fatal(err)
		}
		hb, err := pb.Hash()
		if err != nil {
			t.Fatal(err)
		}
		if ha != hb {
			return
		}
		if len(pa.Requests) != len(pb.Requests) {
			t.Fatalf("equal hashes, %d and %d requests", len(pa.Requests), len(pb.Requests))
		}
		for i := range pa.Requests {
			x, y := pa.Requests[i], pb.Requests[i]
			if x.Method != y.Method || x.Path != y.Path || x.Query != y.Query || x.Accept != y.Accept || !bytes.Equal(x.Body, y.Body) {
				t.Fatalf("equal hashes, different requests:\n%s %s?%s %s %s\n%s %s?%s %s %s", x.Method, x.Path, x.Query, x.Accept, x.Body, y.Method, y.Path, y.Query, y.Accept, y.Body)
			}
		}
	})
}

// fuzzPlan decodes and plans; nil when the arguments are refused.
func fuzzPlan(t *testing.T, env *Env, tool *Tool, args string) *Plan {
	c, err := tool.Decode(json.RawMessage(args), env)
	if err != nil {
		return nil
	}
	p, err := c.Plan(t.Context(), testAgent)
	if err != nil {
		return nil
	}
	return p
}

// factKeys are the member names the generator favours: those the facts
// must see, in several spellings, and the layout members around them.
var factKeys = []string{"instanceSize", "InstanceSize", "providerName", "backingProviderName", "regionName", "REGIONNAME", "minInstanceSize", "maxInstanceSize", "effectiveInstanceSize", "nodeCount", "diskSizeGB", "replicationSpecs", "regionConfigs", "electableSpecs", "readOnlySpecs", "analyticsSpecs", "autoScaling", "compute", "x"}
var factValues = []string{"M10", "M200", "AWS", "azure", "GCP", "TENANT", "EUROPE_WEST", "US_EAST_1", "", "M0", "R40"}

// genBody turns fuzz bytes into a nested JSON object, so most inputs are
// bodies the decoder accepts rather than syntax errors.
func genBody(data []byte) map[string]any {
	i := 0
	next := func() int {
		if i >= len(data) {
			return 0
		}
		i++
		return int(data[i-1])
	}
	var obj func(depth int) map[string]any
	var val func(depth int) any
	val = func(depth int) any {
		switch k := next() % 6; {
		case k == 0 && depth < 6:
			return obj(depth + 1)
		case k == 1 && depth < 6:
			n := next() % 3
			arr := make([]any, 0, n)
			for j := 0; j < n; j++ {
				arr = append(arr, val(depth+1))
			}
			return arr
		case k == 2:
			return next()
		case k == 3:
			return fmt.Sprintf("S%d", next())
		default:
			return factValues[next()%len(factValues)]
		}
	}
	obj = func(depth int) map[string]any {
		m := map[string]any{}
		n := 1 + next()%4
		for j := 0; j < n && i < len(data); j++ {
			m[factKeys[next()%len(factKeys)]] = val(depth)
		}
		return m
	}
	return obj(0)
}

// FuzzPlanFacts: for random nested bodies given through update-cluster's
// body (no schema validator), every instanceSize, providerName and
// regionName string anywhere in the planned body is in the plan's facts, and
// so is the project. The one exception is by design: TENANT beside a
// backingProviderName is the marker of a shared tier, whose provider is the
// backing one.
func FuzzPlanFacts(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 5, 2, 7, 1, 4, 0, 0, 2, 9})
	f.Add([]byte("resize to M200 on Azure in Europe"))
	f.Add([]byte{11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 1, 4, 2, 6})
	off := map[string]atlassim.Limit{atlassim.SetClusters: {}}
	env, _ := simEnvWith(f, atlassim.Options{Seed: true, ClusterTransition: -1, JobDuration: -1, Limits: off}, map[string]atlasclient.Limit{atlasclient.SetClusters: {}})
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := json.Marshal(genBody(data))
		if err != nil {
			t.Skip()
		}
		c, err := updateCluster().Decode(json.RawMessage(`{"clusterName":"staging","body":`+string(body)+`}`), env)
		if err != nil {
			return // refused before planning (e.g. case-variant keys)
		}
		p, err := c.Plan(t.Context(), testAgent)
		if err != nil {
			return
		}
		if !slices.Contains(p.Facts.Projects, atlassim.DemoProjectID) {
			t.Fatalf("Projects = %v", p.Facts.Projects)
		}
		var planned any
		dec := json.NewDecoder(bytes.NewReader(p.Requests[0].Body))
		dec.UseNumber()
		if err := dec.Decode(&planned); err != nil {
			t.Fatal(err)
		}
		checkFactsCover(t, planned, p.Facts)
	})
}

func checkFactsCover(t *testing.T, v any, f Facts) {
	t.Helper()
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			checkFactsCover(t, e, f)
		}
	case map[string]any:
		backing := ""
		for k, e := range x {
			if strings.EqualFold(k, "backingProviderName") {
				backing, _ = e.(string)
			}
		}
		for k, e := range x {
			s, ok := e.(string)
			if ok && s != "" {
				switch strings.ToLower(k) {
				case "instancesize", "mininstancesize", "maxinstancesize", "effectiveinstancesize":
					if !slices.Contains(f.InstanceSizes, s) {
						t.Fatalf("%s %q not in InstanceSizes %v", k, s, f.InstanceSizes)
					}
				case "providername", "backingprovidername":
					if strings.EqualFold(s, "TENANT") && backing != "" && !strings.EqualFold(k, "backingProviderName") {
						continue
					}
					if !slices.Contains(f.Providers, strings.ToUpper(s)) {
						t.Fatalf("%s %q not in Providers %v", k, s, f.Providers)
					}
				case "regionname":
					if !slices.Contains(f.Regions, s) {
						t.Fatalf("%s %q not in Regions %v", k, s, f.Regions)
					}
				}
			}
			checkFactsCover(t, e, f)
		}
	}
}
