package atlassim

import (
	"net/http"
	"net/url"
	"strconv"
)

// page cuts items by pageNum (≥1, default 1) and itemsPerPage (1–500, default
// 100) into Atlas's list envelope: results, totalCount (unless
// includeCount=false) and links self/previous/next.
func page(c *call, items []any) (map[string]any, *apiError) {
	pageNum, e := intParam(c.query, "pageNum", 1, 1, 1<<31-1)
	if e != nil {
		return nil, e
	}
	per, e := intParam(c.query, "itemsPerPage", 100, 1, 500)
	if e != nil {
		return nil, e
	}
	includeCount := true
	if v := c.query.Get("includeCount"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, newErr(http.StatusBadRequest, codeInvalidQueryParameter,
				"Invalid value %q for query parameter includeCount; it must be true or false.", v).with("includeCount", v)
		}
		includeCount = b
	}
	start := (pageNum - 1) * per
	if start > len(items) || start < 0 {
		start = len(items)
	}
	end := start + per
	if end > len(items) {
		end = len(items)
	}
	results := make([]any, 0, end-start)
	results = append(results, items[start:end]...)

	links := []any{link(c, pageNum, per, "self")}
	if pageNum > 1 {
		links = append(links, link(c, pageNum-1, per, "previous"))
	}
	if end < len(items) {
		links = append(links, link(c, pageNum+1, per, "next"))
	}
	out := map[string]any{"results": results, "links": links}
	if includeCount {
		out["totalCount"] = len(items)
	}
	return out, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		if hi == 1<<31-1 {
			return 0, newErr(http.StatusBadRequest, codeInvalidQueryParameter,
				"Invalid value %q for query parameter %s; it must be an integer of at least %d.", v, name, lo).with(name, v)
		}
		return 0, newErr(http.StatusBadRequest, codeInvalidQueryParameter,
			"Invalid value %q for query parameter %s; it must be an integer between %d and %d.", v, name, lo, hi).with(name, v)
	}
	return n, nil
}

// baseURL is the scheme and host the client used, for links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func link(c *call, pageNum, per int, rel string) map[string]any {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	q.Set("pageNum", strconv.Itoa(pageNum))
	q.Set("itemsPerPage", strconv.Itoa(per))
	return map[string]any{"href": baseURL(c.r) + c.r.URL.EscapedPath() + "?" + q.Encode(), "rel": rel}
}

// selfLinks is the links array of a single resource.
func selfLinks(c *call, path string) []any {
	return []any{map[string]any{"href": baseURL(c.r) + path, "rel": "self"}}
}

// listReply pages items into a 200 answer.
func listReply(c *call, items []any) reply {
	out, e := page(c, items)
	if e != nil {
		return fail(e)
	}
	return ok(http.StatusOK, out)
}
