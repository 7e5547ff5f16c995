package policy

import (
	"strconv"
	"strings"
)

// tier orders Atlas instance sizes by the number in their name: M0 < M2 < M5 <
// M10 < … and R40 (low-CPU/high-memory) sits with M40, as does M40_NVME. Flex and
// shared (TENANT) sizes count as the smallest. Names it cannot read return
// ok=false so a limit is never passed by an unknown size.
func tier(size string) (n int, ok bool) {
	s := strings.ToUpper(strings.TrimSpace(size))
	switch s {
	case "FLEX", "TENANT", "SERVERLESS":
		return 0, true
	case "":
		return 0, false
	}
	if s[0] != 'M' && s[0] != 'R' {
		return 0, false
	}
	digits := s[1:]
	if i := strings.IndexByte(digits, '_'); i >= 0 {
		suffix := digits[i+1:]
		digits = digits[:i]
		if suffix == "" || strings.Trim(suffix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return 0, false
		}
	}
	if digits == "" || len(digits) > 4 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	return n, true
}
