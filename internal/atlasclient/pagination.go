package atlasclient

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// Page is Atlas's list envelope. TotalCount is Atlas's estimate and is absent
// (0) when the request set includeCount=false.
type Page[T any] struct {
	Results    []T    `json:"results"`
	TotalCount int    `json:"totalCount"`
	Links      []Link `json:"links"`
}

// Link is one entry of a page's links.
type Link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// MaxItemsPerPage is the largest page Atlas serves.
const MaxItemsPerPage = 500

// ListPage fetches one page (pageNum from 1) of a list operation. The caller's
// Request is not modified.
func ListPage[T any](ctx context.Context, c *Client, req *Request, pageNum, itemsPerPage int) (*Page[T], error) {
	r := *req
	q := url.Values{}
	for k, v := range req.Query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("pageNum", strconv.Itoa(pageNum))
	q.Set("itemsPerPage", strconv.Itoa(itemsPerPage))
	r.Query = q
	var p Page[T]
	if _, err := c.Do(ctx, &r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// All yields the items of a list operation page by page, holding one page in
// memory at a time. It asks for MaxItemsPerPage items a page (or the request's
// own itemsPerPage, or max when smaller), and stops after max items (max <= 0:
// no limit), when it has seen totalCount items, at a short or empty page, or at
// the first error, which it yields with the zero T.
func All[T any](ctx context.Context, c *Client, req *Request, max int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		per := MaxItemsPerPage
		if v, err := strconv.Atoi(req.Query.Get("itemsPerPage")); err == nil && v > 0 && v < per {
			per = v
		}
		if max > 0 && max < per {
			per = max
		}
		seen := 0
		for pageNum := 1; ; pageNum++ {
			p, err := ListPage[T](ctx, c, req, pageNum, per)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range p.Results {
				if !yield(item, nil) {
					return
				}
				seen++
				if max > 0 && seen >= max {
					return
				}
			}
			if len(p.Results) < per || (p.TotalCount > 0 && seen >= p.TotalCount) {
				return
			}
		}
	}
}
