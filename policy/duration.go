package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// parseDuration reads Go durations ("90m", "24h") and, because access-list
// lifetimes are naturally said in days, a whole number of days ("7d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return 0, fmt.Errorf("%q is not a duration (use e.g. 24h, 90m or 7d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 24h, 90m or 7d)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be longer than zero", s)
	}
	return d, nil
}

// durationAt reads a duration value, failing with its id when it is not one.
// It returns the text as written too, for range errors that quote it.
func (d *decoder) durationAt(v *yaml.Node, id string) (time.Duration, string, bool) {
	s, ok := d.scalar(v, id)
	if !ok {
		return 0, "", false
	}
	dur, err := parseDuration(s)
	if err != nil {
		d.fail(v, "%s: %v", id, err)
		return 0, "", false
	}
	return dur, s, true
}
