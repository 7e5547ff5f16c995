package atlasclient

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// adminPrefix is where the Administration API v2 lives under BaseURL.
const adminPrefix = "/api/atlas/v2"

// ParamError reports a placeholder value the client refuses to put in a path.
type ParamError struct {
	Template string
	Param    string
	Reason   string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("atlasclient: %s: parameter %q %s", e.Template, e.Param, e.Reason)
}

// UnknownOperationError is returned for a method and template that are not in
// the Operations table: the client only sends what it knows the version of.
type UnknownOperationError struct {
	Method, Template string
}

func (e *UnknownOperationError) Error() string {
	return fmt.Sprintf("atlasclient: unknown operation %s %s (not in the Operations table)", e.Method, e.Template)
}

// Resolve looks the request's operation up and builds exactly what would go on
// the wire, without I/O. Every placeholder value is url.PathEscape'd, so a value
// such as "../../orgs" stays one path segment ("..%2F..%2Forgs") and
// "10.0.0.0/24" becomes "10.0.0.0%2F24" as Atlas expects; the values "", "."
// and ".." are refused because no escaping stops a server from treating them
// as path navigation.
func (c *Client) Resolve(req *Request) (*Resolved, error) {
	_, r, err := c.resolve(req)
	return r, err
}

func (c *Client) resolve(req *Request) (Operation, *Resolved, error) {
	op, ok := req.Operation()
	if !ok {
		return op, nil, &UnknownOperationError{Method: req.Method, Template: req.Template + string(req.Op)}
	}
	path, err := expand(op.Template, req.Params)
	if err != nil {
		return op, nil, err
	}
	r := &Resolved{
		API:     op.API,
		Method:  op.Method,
		RateSet: op.RateSet,
		Scope:   "global",
		Body:    req.Body,
	}
	if op.ScopeParam != "" {
		r.Scope = req.Params[op.ScopeParam]
	}
	switch op.API {
	case AppServices:
		r.Path = c.s.appPrefix + path
		r.Accept = "application/json"
	default:
		r.Path = adminPrefix + path
		r.Accept = versionMediaType(op.Version)
	}
	if len(req.Query) > 0 {
		r.Query = req.Query.Encode()
	}
	return op, r, nil
}

func versionMediaType(version string) string {
	return "application/vnd.atlas." + version + "+json"
}

// expand substitutes every {name} in template. It refuses missing, unsafe and
// unused parameters: an unused one is almost always a misspelt name whose value
// was meant to be in the path.
func expand(template string, params map[string]string) (string, error) {
	var b strings.Builder
	used := make(map[string]bool, len(params))
	rest := template
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", &ParamError{Template: template, Param: rest[i:], Reason: "is an unterminated placeholder"}
		}
		name := rest[i+1 : i+j]
		b.WriteString(rest[:i])
		v, ok := params[name]
		if !ok {
			return "", &ParamError{Template: template, Param: name, Reason: "is missing"}
		}
		switch v {
		case "":
			return "", &ParamError{Template: template, Param: name, Reason: "is empty"}
		case ".", "..":
			return "", &ParamError{Template: template, Param: name, Reason: fmt.Sprintf("must not be %q", v)}
		}
		b.WriteString(url.PathEscape(v))
		used[name] = true
		rest = rest[i+j+1:]
	}
	if len(used) != len(params) {
		var extra []string
		for k := range params {
			if !used[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return "", &ParamError{Template: template, Param: strings.Join(extra, ","), Reason: "is not a placeholder of this path"}
	}
	return b.String(), nil
}
