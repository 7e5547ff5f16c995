package atlasclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

type pageItem struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

func pageClient(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(tokenHandler(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pageNum") != "2" || r.URL.Query().Get("itemsPerPage") != "3" {
			t.Errorf("query %q, want pageNum 2 and itemsPerPage 3", r.URL.RawQuery)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return newSAClient(t, srv.URL, func(c *Config) { c.MaxAttempts = 1 })
}

func listReq() *Request {
	return &Request{Op: ListGroupClusters, Params: map[string]string{"groupId": testGroup}}
}

// ListPageOf decodes a good page straight into T; an item that is not a T
// gives the raw page instead; anything else fails as ListPage does.
func TestListPageOf(t *testing.T) {
	ctx := context.Background()
	t.Run("typed", func(t *testing.T) {
		c := pageClient(t, 200, `{"results":[{"name":"a","size":1},{"name":"b","size":2}],"totalCount":5}`)
		typed, raw, err := ListPageOf[pageItem](ctx, c, listReq(), 2, 3)
		if err != nil || raw != nil {
			t.Fatalf("err %v raw %v", err, raw)
		}
		if typed.TotalCount != 5 || len(typed.Results) != 2 || typed.Results[1] != (pageItem{"b", 2}) {
			t.Fatalf("page %+v", typed)
		}
	})
	t.Run("an item is not a T", func(t *testing.T) {
		body := `{"results":[{"name":"a","size":1},{"name":"b","size":"big"}],"totalCount":5}`
		c := pageClient(t, 200, body)
		typed, raw, err := ListPageOf[pageItem](ctx, c, listReq(), 2, 3)
		if err != nil || typed != nil || raw == nil {
			t.Fatalf("typed %v raw %v err %v", typed, raw, err)
		}
		want, err := ListPage[json.RawMessage](ctx, pageClient(t, 200, body), listReq(), 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if raw.TotalCount != want.TotalCount || len(raw.Results) != 2 || string(raw.Results[1]) != string(want.Results[1]) {
			t.Fatalf("raw %+v, want %+v", raw, want)
		}
	})
	for name, body := range map[string]string{
		"not a page":     `{"results":{"name":"a"}}`,
		"bad totalCount": `{"results":[],"totalCount":"many"}`,
		"not JSON":       `{"results":[`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ListPageOf[pageItem](ctx, pageClient(t, 200, body), listReq(), 2, 3)
			_, want := ListPage[json.RawMessage](ctx, pageClient(t, 200, body), listReq(), 2, 3)
			if err == nil || want == nil || err.Error() != want.Error() {
				t.Fatalf("error %v, want as ListPage[json.RawMessage]: %v", err, want)
			}
		})
	}
	t.Run("Atlas error", func(t *testing.T) {
		_, _, err := ListPageOf[pageItem](ctx, pageClient(t, 404, `{"error":404,"errorCode":"GROUP_NOT_FOUND"}`), listReq(), 2, 3)
		var ae *APIError
		if !errors.As(err, &ae) || ae.ErrorCode != "GROUP_NOT_FOUND" {
			t.Fatalf("err %v, want the APIError", err)
		}
	})
	t.Run("empty answer", func(t *testing.T) {
		typed, raw, err := ListPageOf[pageItem](ctx, pageClient(t, 200, ``), listReq(), 2, 3)
		if err != nil || raw != nil || typed == nil || len(typed.Results) != 0 {
			t.Fatalf("typed %v raw %v err %v", typed, raw, err)
		}
	})
}
