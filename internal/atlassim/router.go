package atlassim

import (
	"net/http"
	"net/url"
	"strings"
)

// route is one endpoint: a method, a path template split into segments, the
// dated versions it serves (nil for the unversioned App Services API), the
// rate-limit set it draws from, and whether it changes state.
type route struct {
	method   string
	pattern  string
	segs     []string
	versions []string
	// legacy are versions Atlas serves that the simulator does not model: it
	// refuses them rather than answer in a shape the version does not have.
	legacy []string
	set    string
	write  bool
	handle func(*Sim, *call) reply
}

func (r *route) withLegacy(vs []string) *route {
	r.legacy = vs
	return r
}

func newRoute(method, pattern string, versions []string, set string, h func(*Sim, *call) reply) *route {
	return &route{
		method:   method,
		pattern:  pattern,
		segs:     strings.Split(strings.Trim(pattern, "/"), "/"),
		versions: versions,
		set:      set,
		write:    method != http.MethodGet,
		handle:   h,
	}
}

// splitPath cuts an escaped path into unescaped segments. Splitting before
// unescaping is what keeps a CIDR sent as 10.0.0.0%2F24 one segment.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.Trim(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	raw := strings.Split(escaped, "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

// match finds the route for method and segments. wrongMethod reports that the
// path exists with other methods (405 rather than 404).
func match(routes []*route, method string, segs []string) (rt *route, params map[string]string, wrongMethod bool) {
	for _, r := range routes {
		if len(r.segs) != len(segs) {
			continue
		}
		p, ok := bind(r.segs, segs)
		if !ok {
			continue
		}
		if r.method != method {
			wrongMethod = true
			continue
		}
		return r, p, false
	}
	return nil, nil, wrongMethod
}

func bind(pattern, segs []string) (map[string]string, bool) {
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
