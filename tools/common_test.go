package tools

import (
	"context"
	"encoding/json"
	"testing"
)

// fetchPage's one pass (no conv, no verbose) answers exactly what decoding
// the raw documents one by one answers: rows, totals, an empty page's [].
func TestFetchPageOnePassMatchesTwoPasses(t *testing.T) {
	env := pageEnv(t, 100)
	ctx := context.Background()
	for _, p := range []Paging{{PageNum: 1, ItemsPerPage: 100}, {PageNum: 50, ItemsPerPage: 100}} {
		one, err := fetchPage[cluster](ctx, env, listClustersReq, p, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		two, err := fetchPage(ctx, env, listClustersReq, p, false, unmarshalAs[cluster])
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(two)
		if string(a) != string(b) {
			t.Fatalf("page %d: one pass %s\ntwo passes %s", p.PageNum, a, b)
		}
		if one.Results == nil || one.Raw != nil {
			t.Fatalf("page %d: results %v, raw %d documents", p.PageNum, one.Results, len(one.Raw))
		}
		if p.PageNum == 1 && (len(one.Results) != 100 || one.TotalCount < 100) {
			t.Fatalf("page 1: %d rows of %d", len(one.Results), one.TotalCount)
		}
	}
}

// verbose keeps the raw documents beside the rows.
func TestFetchPageVerboseKeepsRaw(t *testing.T) {
	env := pageEnv(t, 3)
	out, err := fetchPage[cluster](context.Background(), env, listClustersReq, Paging{PageNum: 1, ItemsPerPage: 100}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Raw) != len(out.Results) || len(out.Raw) == 0 {
		t.Fatalf("%d raw documents for %d rows", len(out.Raw), len(out.Results))
	}
	var c cluster
	if err := json.Unmarshal(out.Raw[0], &c); err != nil || c.Name != out.Results[0].Name {
		t.Fatalf("raw[0] %s is not row 0 %q (%v)", out.Raw[0], out.Results[0].Name, err)
	}
}

// An item that is not a row fails with the same error on either path, naming
// the operation.
func TestFetchPageBadItemNamesTheOperation(t *testing.T) {
	type wrongRow struct {
		Name int `json:"name"` // Atlas sends a string
	}
	env := pageEnv(t, 3)
	ctx := context.Background()
	p := Paging{PageNum: 1, ItemsPerPage: 100}
	_, one := fetchPage[wrongRow](ctx, env, listClustersReq, p, false, nil)
	_, two := fetchPage(ctx, env, listClustersReq, p, false, unmarshalAs[wrongRow])
	_, verbose := fetchPage[wrongRow](ctx, env, listClustersReq, p, true, nil)
	want := "decoding an item of " + string(listClustersReq.Op) + ": "
	if one == nil || two == nil || verbose == nil || one.Error() != two.Error() || verbose.Error() != two.Error() || len(one.Error()) <= len(want) || one.Error()[:len(want)] != want {
		t.Fatalf("one pass: %v\ntwo passes: %v\nverbose: %v\nwant all alike, starting %q", one, two, verbose, want)
	}
}
