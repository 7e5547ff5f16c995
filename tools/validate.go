package tools

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ValidationError says which argument is wrong, why, and how to fix it. Bad input
// never reaches Atlas: the server answers it as an isError result.
type ValidationError struct {
	Field   string
	Problem string
	Fix     string
}

func (e *ValidationError) Error() string {
	msg := e.Field + " " + e.Problem
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

// GovRuleError is a request Atlas for Government would refuse, caught before it is
// sent. Rule quotes the Atlas for Government documentation.
type GovRuleError struct {
	Field string
	Rule  string
	Fix   string
}

func (e *GovRuleError) Error() string {
	return fmt.Sprintf("%s: not allowed in Atlas for Government: %q; %s", e.Field, e.Rule, e.Fix)
}

func invalid(field, problem, fix string) error {
	return &ValidationError{Field: field, Problem: problem, Fix: fix}
}

var (
	hex24       = lazyRegexp(idPattern)
	tierPattern = lazyRegexp(`^(M|R)(\d+)(_NVME)?$`)
)

// resolveID fills an ID from its default. An ID the agent gave was checked
// against the input schema; the default comes from the environment, which
// the schema never saw, so it is checked here.
func resolveID(field string, v *string, def, envVar, findWith string) error {
	if *v != "" {
		return nil
	}
	if def == "" {
		return invalid(field, "is required", fmt.Sprintf("pass %s (find it with %s) or set %s", field, findWith, envVar))
	}
	if !hex24().MatchString(def) {
		return invalid(field, fmt.Sprintf("defaults to %s, which is not a 24-character lowercase hex Atlas ID: %q", envVar, truncate(def, 40)), fmt.Sprintf("pass %s (find it with %s) or correct %s", field, findWith, envVar))
	}
	*v = def
	return nil
}

// tierNumber returns the numeric part of a tier (M30 → 30); FLEX and shared tiers are small.
func tierNumber(v string) int {
	m := tierPattern().FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	n := 0
	_, _ = fmt.Sscanf(m[2], "%d", &n) // m[2] is digits: the pattern matched
	return n
}

// isSharedTier reports the free and shared tiers, which run on the TENANT provider.
func isSharedTier(v string) bool { return v == "M0" || v == "M2" || v == "M5" }

// parseAccessTarget validates an IP address or CIDR block and returns its CIDR form.
func parseAccessTarget(field, v string, wantCIDR bool) (string, error) {
	if v == "" {
		return "", invalid(field, "is empty", "give an IP address such as 203.0.113.7 or a CIDR block such as 203.0.113.0/24")
	}
	if wantCIDR {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", invalid(field, fmt.Sprintf("%q is not a valid CIDR block: %s", truncate(v, 50), cidrProblem(v, err)), "write it as address/prefix, e.g. 203.0.113.0/24 (prefix 0-32 for IPv4, 0-128 for IPv6)")
		}
		if p.Masked() != p {
			return "", invalid(field, fmt.Sprintf("%q has host bits set", v), fmt.Sprintf("use the network address %s", p.Masked()))
		}
		return p.String(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "", invalid(field, fmt.Sprintf("%q is not a valid IP address", truncate(v, 50)), "give a single IPv4 or IPv6 address, or use cidrBlock for a range")
	}
	if a.Zone() != "" {
		return "", invalid(field, fmt.Sprintf("%q carries a zone", v), "remove the %zone suffix")
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), nil
}

func cidrProblem(v string, err error) string {
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		if a, aerr := netip.ParseAddr(v[:i]); aerr == nil {
			var bits int
			if _, serr := fmt.Sscanf(v[i+1:], "%d", &bits); serr == nil && (bits < 0 || bits > a.BitLen()) {
				return fmt.Sprintf("prefix length /%d is out of range for %s (0-%d)", bits, map[bool]string{true: "IPv4", false: "IPv6"}[a.Is4()], a.BitLen())
			}
		}
	}
	return err.Error()
}

func parseTime(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, invalid(field, fmt.Sprintf("%q is not an ISO 8601 date-time", truncate(v, 40)), "use a form like 2026-12-01T00:00:00Z")
	}
	return &t, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// lazyRegexp compiles a pattern on first use, not at package init: a
// process that starts, lists its tools and exits never pays for it.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
