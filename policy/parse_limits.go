package policy

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// clusterLimit reads maxNodes (a whole number of nodes) and maxDiskSizeGB (GB,
// may have a fraction). Zero, negative or non-finite limits are refused: a
// limit that can never be met, or never fail, is a typo.
func (d *decoder) clusterLimit(key, id string, k, v *yaml.Node, c *clusterConstraints) {
	s, ok := d.scalar(v, id)
	if !ok {
		return
	}
	s = strings.TrimSpace(s)
	switch key {
	case "maxNodes":
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			d.fail(v, "%s must be a whole number of nodes from 1 to 10000, not %q", id, s)
			return
		}
		c.maxNodes, c.maxNodesRule = n, rule{id: id, line: k.Line}
	case "maxDiskSizeGB":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
			d.fail(v, "%s must be a positive number of GB, not %q", id, s)
			return
		}
		c.maxDisk, c.maxDiskRule = f, rule{id: id, line: k.Line}
	}
}

// netThreshold reads the confirmation thresholds for one call's new entries:
// confirmAboveAddresses (IPv4 addresses, 0 to 2^32), confirmAboveIPv6Prefix
// (a prefix length 0 to 128: more addresses than one such prefix) and
// confirmAboveEntries (a count of entries, 1 or more).
func (d *decoder) netThreshold(key, id string, k, v *yaml.Node, c *netConstraints) {
	s, ok := d.scalar(v, id)
	if !ok {
		return
	}
	s = strings.TrimPrefix(strings.TrimSpace(s), "/")
	r := rule{id: id, line: k.Line}
	switch key {
	case "confirmAboveAddresses":
		n, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil || n > 1<<32 {
			d.fail(v, "%s must be a number of IPv4 addresses from 0 to 4294967296 (256 is a /24), not %q", id, s)
			return
		}
		c.confirmAddrs, c.confirmAddrsRule = n, r
	case "confirmAboveIPv6Prefix":
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 128 {
			d.fail(v, "%s must be an IPv6 prefix length from 0 to 128 (64: more than one /64 needs confirmation), not %q", id, s)
			return
		}
		c.confirmPrefix6, c.confirmPrefix6Rule = n, r
	case "confirmAboveEntries":
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			d.fail(v, "%s must be a whole number of entries, 1 or more, not %q", id, s)
			return
		}
		c.confirmEntries, c.confirmEntriesRule = n, r
	}
}
