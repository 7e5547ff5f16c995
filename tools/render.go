package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// lastBody is the body of the request the plan sends last, decoded.
func (b *Builder) lastBody() any {
	if len(b.plan.Requests) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b.plan.Requests[len(b.plan.Requests)-1].Body))
	dec.UseNumber()
	_ = dec.Decode(&v)
	return v
}

// layoutLines describes a cluster layout (replicationSpecs) region by region:
// "shard 1 AWS/US_EAST_1 electable" → "M30 × 3". Every tier in any spec of any
// region appears, so a person sees the whole of what will run.
func layoutLines(specs any) map[string]string {
	out := map[string]string{}
	list, _ := specs.([]any)
	for i, x := range list {
		rs, _ := x.(map[string]any)
		// Shards and zones name a region only when there is more than one:
		// Atlas answers a replica set with a default zone name that a request
		// does not repeat, and the layout before and after must line up.
		shard := ""
		if len(list) > 1 {
			shard = fmt.Sprintf("shard %d ", i+1)
			if z := member[string](rs, "zoneName"); z != "" {
				shard += "(zone " + z + ") "
			}
		}
		for _, y := range member[[]any](rs, "regionConfigs") {
			rc, _ := y.(map[string]any)
			provider := member[string](rc, "providerName")
			if bp := member[string](rc, "backingProviderName"); provider == "TENANT" && bp != "" {
				provider = "TENANT on " + bp
			}
			where := shard + orDash(provider) + "/" + orDash(member[string](rc, "regionName"))
			for _, k := range []string{"electableSpecs", "readOnlySpecs", "analyticsSpecs"} {
				hw, ok := member[any](rc, k).(map[string]any)
				if !ok || k != "electableSpecs" && zeroNodes(hw) {
					continue // no such nodes: nothing runs there
				}
				out[where+" "+strings.TrimSuffix(k, "Specs")] = hardwareText(hw)
			}
			for _, k := range []string{"autoScaling", "analyticsAutoScaling"} {
				if as, ok := member[any](rc, k).(map[string]any); ok {
					out[where+" "+k] = compactJSON(as, 160)
				}
			}
		}
	}
	return out
}

func hardwareText(hw map[string]any) string {
	s := orDash(fmt.Sprint(orNil(member[any](hw, "instanceSize"))))
	if n := member[any](hw, "nodeCount"); n != nil {
		s += fmt.Sprintf(" × %v", n)
	}
	if d := member[any](hw, "diskSizeGB"); d != nil {
		s += fmt.Sprintf(", %v GB disk", d)
	}
	if d := member[any](hw, "diskIOPS"); d != nil {
		s += fmt.Sprintf(", %v IOPS", d)
	}
	return s
}

func orNil(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// layoutChanges lists a new layout as changes from nothing (before = nil) or
// from the current layout.
func layoutChanges(before, after any) []Change {
	var b, a map[string]string
	if before != nil {
		b = layoutLines(before)
	}
	if m, ok := after.(map[string]any); ok {
		a = layoutLines(member[any](m, "replicationSpecs"))
	}
	return diffLines(b, a)
}

func diffLines(before, after map[string]string) []Change {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []Change
	for _, k := range sorted {
		b, a := before[k], after[k]
		if b == a {
			continue
		}
		if a == "" {
			a = "(removed)"
		}
		out = append(out, Change{Field: k, Before: b, After: a})
	}
	return out
}

// updateChanges shows, for every member a PATCH body sets, its value before
// and after. The layout is compared region by region.
func updateChanges(current map[string]any, body any) []Change {
	m, _ := body.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Change
	for _, k := range keys {
		if strings.EqualFold(k, "replicationSpecs") {
			out = append(out, diffLines(layoutLines(member[any](current, k)), layoutLines(m[k]))...)
			continue
		}
		before := ""
		if v, ok := current[k]; ok {
			before = compactJSON(v, 160)
		}
		after := compactJSON(m[k], 160)
		if before != after {
			out = append(out, Change{Field: k, Before: orText(before, "(unset)"), After: after})
		}
	}
	return out
}

// compactJSON is a short one-line form of a value for a person.
func compactJSON(v any, n int) string {
	if s, ok := v.(string); ok {
		return truncate(s, n)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b), n)
}

// ProjectName reads a project's name, so a person is shown projects by name
// as well as by ID.
func ProjectName(ctx context.Context, env *Env, id string) (string, error) {
	var p struct {
		Name string `json:"name"`
	}
	if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.GetGroup, Params: map[string]string{"groupId": id}}, &p); err != nil {
		return "", err
	}
	return p.Name, nil
}

func zeroNodes(hw map[string]any) bool {
	switch n := member[any](hw, "nodeCount").(type) {
	case float64:
		return n == 0
	case json.Number:
		return n.String() == "0"
	}
	return false
}
