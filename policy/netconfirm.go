package policy

import (
	"fmt"
	"math/big"
	"net/netip"
)

// Built-in thresholds for one call's new access-list entries. They keep the old
// per-entry rule (an entry wider than /24 or /64 needs a yes) as the case of
// one entry, and extend it to what the entries open together.
const (
	defaultConfirmAddrs   = 256 // IPv4 addresses: one /24
	defaultConfirmPrefix6 = 64  // IPv6: more than one /64
	defaultConfirmEntries = 20
)

// netThresholds are the thresholds that apply to a call: for each, the
// smallest any constraint set gives, else the built-in one. explicit says the
// policy set it, so confirm.skip (which drops built-in confirmations) does not
// remove it.
type netThresholds struct {
	addrs                           uint64
	prefix6                         int
	entries                         int
	addrsRule, prefix6Rule, entRule rule
	addrsSet, prefix6Set, entSet    bool
}

func thresholds(sets []*constraints) netThresholds {
	th := netThresholds{
		addrs: defaultConfirmAddrs, prefix6: defaultConfirmPrefix6, entries: defaultConfirmEntries,
		addrsRule: rule{id: ruleConfirmWideEntry}, prefix6Rule: rule{id: ruleConfirmWideEntry}, entRule: rule{id: ruleConfirmManyEntries},
	}
	for _, s := range sets {
		n := s.net
		if n.confirmAddrsRule.id != "" && (!th.addrsSet || n.confirmAddrs < th.addrs) {
			th.addrs, th.addrsRule, th.addrsSet = n.confirmAddrs, n.confirmAddrsRule, true
		}
		// A longer prefix is a smaller threshold.
		if n.confirmPrefix6Rule.id != "" && (!th.prefix6Set || n.confirmPrefix6 > th.prefix6) {
			th.prefix6, th.prefix6Rule, th.prefix6Set = n.confirmPrefix6, n.confirmPrefix6Rule, true
		}
		if n.confirmEntriesRule.id != "" && (!th.entSet || n.confirmEntries < th.entries) {
			th.entries, th.entRule, th.entSet = n.confirmEntries, n.confirmEntriesRule, true
		}
	}
	return th
}

// netConfirmations says why a person must look at this call's new entries:
// they open more IPv4 or IPv6 addresses together than the thresholds, or there
// are more of them than a person would read unprompted.
func (p *Policy) netConfirmations(sets []*constraints, c Call, skipped bool, add func(id, reason string)) {
	if len(c.Args.AccessEntries) == 0 {
		return
	}
	th := thresholds(sets)
	var pfxs []netip.Prefix
	for _, e := range c.Args.AccessEntries {
		if pfx, err := parseCIDR(e.CIDR); err == nil {
			pfxs = append(pfxs, pfx)
		}
	}
	u := newNetUnion(pfxs)
	if !skipped || th.addrsSet {
		if u.v4Count.Cmp(new(big.Int).SetUint64(th.addrs)) > 0 {
			extra := ""
			if open, all := u.wholeV4(); open && all {
				extra = " (the whole IPv4 internet)"
			} else if open {
				extra = " (every public IPv4 address)"
			}
			add(th.addrsRule.id, fmt.Sprintf("%s %s IPv4 addresses%s%s, more than the %s a call may open without confirmation (%s)",
				opensPhrase(u.v4From), commas(u.v4Count), extra, u.notesText(), v4Amount(th.addrs), p.ruleName(th.addrsRule)))
		}
	}
	if !skipped || th.prefix6Set {
		limit := new(big.Int).Lsh(big.NewInt(1), uint(128-th.prefix6))
		if u.v6Count.Cmp(limit) > 0 {
			add(th.prefix6Rule.id, fmt.Sprintf("%s %s, more than the one /%d a call may open without confirmation (%s)",
				opensPhrase(u.v6From), v6Amount(u.v6Count), th.prefix6, p.ruleName(th.prefix6Rule)))
		}
	}
	if !skipped || th.entSet {
		if n := len(c.Args.AccessEntries); n > th.entries {
			add(th.entRule.id, fmt.Sprintf("the call creates %d access list entries, more than the %d one call may create without confirmation (%s)", n, th.entries, p.ruleName(th.entRule)))
		}
	}
}

// v4Amount writes an IPv4 threshold, naming the prefix when it is one: "256 (one /24)".
func v4Amount(n uint64) string {
	s := commas(new(big.Int).SetUint64(n))
	for bits := 0; bits <= 32; bits++ {
		if n == 1<<(32-bits) {
			return fmt.Sprintf("%s (one /%d)", s, bits)
		}
	}
	return s
}
