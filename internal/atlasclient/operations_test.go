package atlasclient

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The operations table against the OpenAPI subset vendored into testdata
// (extracted from Atlas's specification; tests never read ../shared): every
// Admin API row is the operation its ID names there — same method and path —
// sent with a version the specification offers and does not sunset yet, and
// scoped by a placeholder of its path. IDs are unique, so a tool that names
// one gets exactly one row.
func TestOperationsMatchTheVendoredOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/atlas/operations.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec []struct {
		Method, Path, OperationID string
		Versions                  map[string]struct{ Sunset string }
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, o := range spec {
		byID[o.OperationID] = i
	}
	placeholder := regexp.MustCompile(`\{(\w+)\}`)
	seen := map[OpID]bool{}
	for _, op := range Operations {
		if seen[op.ID] {
			t.Errorf("%s: two rows", op.ID)
		}
		seen[op.ID] = true
		if got, ok := LookupOp(op.ID); !ok || got.Template != op.Template {
			t.Errorf("%s: LookupOp finds %+v", op.ID, got)
		}
		if op.ScopeParam != "" && !strings.Contains(op.Template, "{"+op.ScopeParam+"}") {
			t.Errorf("%s: scope %s is not a placeholder of %s", op.ID, op.ScopeParam, op.Template)
		}
		if op.RateSet == "" || op.Permission == "" {
			t.Errorf("%s: no rate set or permission", op.ID)
		}
		if op.API != AdminV2 {
			if op.Version != "" {
				t.Errorf("%s: App Services is unversioned, got %s", op.ID, op.Version)
			}
			continue
		}
		i, ok := byID[string(op.ID)]
		if !ok {
			t.Errorf("%s: no such operationId in the OpenAPI subset", op.ID)
			continue
		}
		o := spec[i]
		if o.Method != op.Method || o.Path != adminPrefix+op.Template {
			t.Errorf("%s: table says %s %s, OpenAPI %s %s", op.ID, op.Method, op.Template, o.Method, o.Path)
		}
		if len(placeholder.FindAllString(o.Path, -1)) != len(placeholder.FindAllString(op.Template, -1)) {
			t.Errorf("%s: placeholders differ from %s", op.ID, o.Path)
		}
		v, ok := o.Versions[op.Version]
		if !ok {
			t.Errorf("%s: version %s is not offered (OpenAPI has %v)", op.ID, op.Version, o.Versions)
			continue
		}
		if v.Sunset != "" {
			if d, err := time.Parse(time.DateOnly, v.Sunset); err == nil && !time.Now().Before(d) {
				t.Errorf("%s: version %s was sunset on %s", op.ID, op.Version, v.Sunset)
			}
		}
	}
}
