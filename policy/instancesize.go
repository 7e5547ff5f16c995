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
