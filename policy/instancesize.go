package policy

import (
	"strconv"
	"strings"
)

// tier orders Atlas instance sizes by the number in their name: M0 < M2 < M5 <
// M10 < … and R40 (low-CPU/high-memory) sits with M40, as do M40_NVME and
// M40_LOW_CPU. Flex, serverless and shared (TENANT) sizes count as the smallest.
//
// It is strict on purpose: only the shapes Atlas names (M or R, a number
// without leading zeros, and for M the suffixes _NVME or _LOW_CPU) are read,
// after trimming and ignoring case. Anything else returns ok=false, so a limit
// is never passed by a size the policy cannot place ("M10_ANYTHING",
// "M0040", "Ｍ30").
func tier(size string) (n int, ok bool) {
	s := strings.ToUpper(strings.TrimSpace(size))
	switch s {
	case "FLEX", "TENANT", "SERVERLESS":
		return 0, true
	case "":
		return 0, false
	}
	kind := s[0]
	if kind != 'M' && kind != 'R' {
		return 0, false
	}
	digits := s[1:]
	if i := strings.IndexByte(digits, '_'); i >= 0 {
		suffix := digits[i+1:]
		digits = digits[:i]
		if kind != 'M' || (suffix != "NVME" && suffix != "LOW_CPU") {
			return 0, false
		}
	}
	if digits == "" || len(digits) > 4 || strings.Trim(digits, "0123456789") != "" ||
		(len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	return n, true
}

// atlasTiers are the base tiers Atlas offers on some provider (the hardware
// spec enums of the Admin API: AWS, Azure, GCP, shared), smallest first. A
// limit in a policy must name one of them (or FLEX): "M31" orders like a tier
// but is a typo, and a limit nobody can hit exactly hides it.
var atlasTiers = []string{"M0", "M2", "M5", "M10", "M20", "M30", "M40", "M50", "M60", "M80", "M90", "M100", "M140",
	"M200", "M250", "M300", "M400", "M600", "R40", "R50", "R60", "R80", "R200", "R300", "R400", "R600", "R700"}

// knownTier reports whether size is an Atlas tier: a base tier, optionally
// with a variant suffix tier reads (M40_NVME, M40_LOW_CPU), or FLEX / TENANT
// / SERVERLESS. It accepts nothing tier refuses, so a limit always compares.
func knownTier(size string) bool {
	if _, ok := tier(size); !ok {
		return false
	}
	s := strings.ToUpper(strings.TrimSpace(size))
	switch s {
	case "FLEX", "TENANT", "SERVERLESS":
		return true
	}
	base, _, _ := strings.Cut(s, "_")
	for _, t := range atlasTiers {
		if base == t {
			return true
		}
	}
	return false
}

// tierList is the valid tiers for an error message.
func tierList() string {
	return strings.Join(atlasTiers, ", ") + ", FLEX (the variants M40_NVME and M40_LOW_CPU count as their base tier)"
}
