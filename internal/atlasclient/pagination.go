package atlasclient

import (
	"context"
	"encoding/json"
	"fmt"
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
	var p Page[T]
	if _, err := c.Do(ctx, pageRequest(req, pageNum, itemsPerPage), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ListPageOf fetches one page like ListPage and decodes its items straight
// into T: one pass over the answer, where ListPage[json.RawMessage] followed
// by decoding each item makes two. When the answer is a page but some item
// does not decode as T, raw is the page as Atlas sent it (and typed is nil),
// read from the same answer, so that the caller can decode the items one at a
// time and say which one is wrong. An answer that is no page at all fails
// exactly as with ListPage[json.RawMessage].
func ListPageOf[T any](ctx context.Context, c *Client, req *Request, pageNum, itemsPerPage int) (typed *Page[T], raw *Page[json.RawMessage], err error) {
	r := pageRequest(req, pageNum, itemsPerPage)
	var p Page[T]
	resp, err := c.Do(ctx, r, &p)
	switch {
	case err == nil:
		return &p, nil, nil
	case resp == nil:
		// Do returns the answer with an error only when it could not
		// decode it; this is any other failure (Atlas, transport, context).
		return nil, nil, err
	}
	var rp Page[json.RawMessage]
	if jerr := json.Unmarshal(resp.Body, &rp); jerr != nil {
		// Say what Do says of an answer it cannot decode as a raw page.
		_, res, rerr := c.resolve(r)
		if rerr != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("atlasclient: decoding answer of %s %s: %w", res.Method, res.Path, jerr)
	}
	return nil, &rp, nil
}

// pageRequest is req asking for one page; req itself is not modified.
func pageRequest(req *Request, pageNum, itemsPerPage int) *Request {
	r := *req
	q := url.Values{}
	for k, v := range req.Query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("pageNum", strconv.Itoa(pageNum))
	q.Set("itemsPerPage", strconv.Itoa(itemsPerPage))
	r.Query = q
	return &r
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
