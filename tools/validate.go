package tools

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
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
	hex24       = regexp.MustCompile(`^[a-f0-9]{24}$`)
	clusterName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	projectName = runeLimited{regexp.MustCompile(`^[\p{L}\p{N}\-_.(),:&@+']+$`), 64}
	tierPattern = regexp.MustCompile(`^(M|R)(\d+)(_NVME)?$`)
)

// runeLimited is a one-class pattern plus a length in runes: `^[class]{1,64}$`
// compiles 64 copies of the Unicode class (~2.5 MB at start-up), the same
// meaning as `^[class]+$` and at most max runes.
type runeLimited struct {
	re  *regexp.Regexp
	max int
}

func (r runeLimited) MatchString(s string) bool {
	return utf8.RuneCountInString(s) <= r.max && r.re.MatchString(s)
}

// checkID validates an Atlas 24-hex ID argument.
func checkID(field, v, findWith string) error {
	if v == "" {
		return invalid(field, "is required", "give the 24-character hex ID; find it with "+findWith)
	}
	if !hex24.MatchString(v) {
		return invalid(field, fmt.Sprintf("must be a 24-character lowercase hex Atlas ID, got %q", truncate(v, 40)), "find the ID with "+findWith)
	}
	return nil
}

// resolveID fills an ID from its default and validates it.
func resolveID(field string, v *string, def, envVar, findWith string) error {
	if *v == "" {
		*v = def
	}
	if *v == "" {
		return invalid(field, "is required", fmt.Sprintf("pass %s (find it with %s) or set %s", field, findWith, envVar))
	}
	return checkID(field, *v, findWith)
}

func checkClusterName(field, v string) error {
	if v == "" {
		return invalid(field, "is required", "give the cluster's name; find it with atlas-list-clusters")
	}
	if len(v) > 64 || !clusterName.MatchString(v) {
		return invalid(field, fmt.Sprintf("%q is not a valid Atlas cluster name", truncate(v, 70)), "use 1-64 ASCII letters, digits and hyphens, starting with a letter or digit")
	}
	return nil
}

// checkTier validates an instance size such as M10, M30, R40 or M40_NVME.
func checkTier(field, v string) error {
	if v == "" {
		return invalid(field, "is required", "give an Atlas tier such as M10 or M30")
	}
	if v == "FLEX" {
		return nil
	}
	if !tierPattern.MatchString(v) {
		return invalid(field, fmt.Sprintf("%q is not an Atlas instance size", truncate(v, 30)), "use a tier such as M0, M10, M30, M40, R40 or M40_NVME")
	}
	return nil
}

// tierNumber returns the numeric part of a tier (M30 → 30); FLEX and shared tiers are small.
func tierNumber(v string) int {
	m := tierPattern.FindStringSubmatch(v)
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

func checkPaging(p *Paging) error {
	if p.PageNum < 0 {
		return invalid("pageNum", "must be 1 or more", "start at 1")
	}
	if p.ItemsPerPage < 0 || p.ItemsPerPage > 500 {
		return invalid("itemsPerPage", fmt.Sprintf("must be between 1 and 500, got %d", p.ItemsPerPage), "Atlas pages hold at most 500 items; page with pageNum")
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalid(field, fmt.Sprintf("%q is not one of %s", truncate(v, 40), strings.Join(allowed, ", ")), "use one of the listed values")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
