package policy

import (
	"fmt"
	"math/big"
	"net/netip"
	"sort"
	"strings"
)

// An access-list call is judged by what its entries open together, not one
// entry at a time: 0.0.0.0/1 and 128.0.0.0/1 are each "only half", and two
// hundred /32s are each "narrow". IPv6 entries that embed IPv4 addresses are
// judged by the IPv4 space they reach as well as by their IPv6 space.

// embedding is an IPv6 range whose addresses stand for IPv4 ones.
type embedding struct {
	name   string
	label  string // the range as people write it (netip prints ::ffff:0.0.0.0/96)
	base   netip.Prefix
	offset int  // bit at which the 32 IPv4 bits start (a multiple of 8)
	invert bool // Teredo stores the client's address with every bit flipped
}

// embeddings are the IPv6 forms that carry an IPv4 address, chosen to fail
// closed: a dual-stack listener sees IPv4 clients as IPv4-mapped (::ffff:0:0/96);
// IPv4-compatible (::/96) is deprecated but still parsed by stacks; NAT64's
// well-known prefix (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, the IPv4
// address in bits 16-47) put a whole IPv4 host behind each address; Teredo
// (2001::/32) carries the client's IPv4 address, inverted, in the last 32 bits.
// Network-specific NAT64 prefixes (64:ff9b:1::/48, operator prefixes) cannot be
// known here and are judged as IPv6 only.
func embeddings() []embedding {
	return []embedding{
		{"IPv4-mapped", "::ffff:0:0/96", netip.MustParsePrefix("::ffff:0:0/96"), 96, false},
		{"IPv4-compatible", "::/96", netip.MustParsePrefix("::/96"), 96, false},
		{"NAT64", "64:ff9b::/96", netip.MustParsePrefix("64:ff9b::/96"), 96, false},
		{"6to4", "2002::/16", netip.MustParsePrefix("2002::/16"), 16, false},
		{"Teredo", "2001::/32", netip.MustParsePrefix("2001::/32"), 96, true},
	}
}

// v4View is the IPv4 space an IPv6 entry reaches through one embedding.
type v4View struct {
	via    embedding
	prefix netip.Prefix
}

// embeddedV4 is every IPv4 range an IPv6 prefix reaches. A prefix that holds
// a whole embedding range reaches all of IPv4; one inside it reaches the IPv4
// prefix its fixed bits spell.
func embeddedV4(p netip.Prefix) []v4View {
	if !p.Addr().Is6() {
		return nil
	}
	var out []v4View
	for _, e := range embeddings() {
		if !p.Overlaps(e.base) {
			continue
		}
		v := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if p.Bits() > e.base.Bits() {
			k := min(max(p.Bits()-e.offset, 0), 32)
			a16 := p.Masked().Addr().As16()
			var a4 [4]byte
			copy(a4[:], a16[e.offset/8:e.offset/8+4])
			if e.invert {
				for i := range a4 {
					a4[i] = ^a4[i]
				}
			}
			v = netip.PrefixFrom(netip.AddrFrom4(a4), k).Masked()
		}
		out = append(out, v4View{via: e, prefix: v})
	}
	return out
}

// span is a closed range of addresses of one family, as integers.
type span struct{ lo, hi *big.Int }

func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

func prefixSpan(p netip.Prefix) span {
	p = p.Masked()
	lo := addrInt(p.Addr())
	size := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits()))
	hi := new(big.Int).Add(lo, size)
	return span{lo, hi.Sub(hi, big.NewInt(1))}
}

// merge sorts spans and joins overlapping and adjacent ones, so every
// contiguous range of the union is one span.
func merge(in []span) []span {
	s := append([]span(nil), in...)
	sort.Slice(s, func(i, j int) bool { return s[i].lo.Cmp(s[j].lo) < 0 })
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 {
			next := new(big.Int).Add(out[n-1].hi, big.NewInt(1))
			if x.lo.Cmp(next) <= 0 {
				if x.hi.Cmp(out[n-1].hi) > 0 {
					out[n-1].hi = x.hi
				}
				continue
			}
		}
		out = append(out, span{x.lo, x.hi})
	}
	return out
}

func count(merged []span) *big.Int {
	n := new(big.Int)
	for _, x := range merged {
		n.Add(n, new(big.Int).Sub(x.hi, x.lo))
		n.Add(n, big.NewInt(1))
	}
	return n
}

// coversSpan reports whether the merged union holds every address of t.
func coversSpan(merged []span, t span) bool {
	for _, x := range merged {
		if x.lo.Cmp(t.lo) <= 0 && x.hi.Cmp(t.hi) >= 0 {
			return true
		}
	}
	return false
}

// notPublicV4 are the IPv4 ranges no internet host connects from (RFC 6890
// special-purpose ranges that are not globally reachable). A union that covers
// everything else opens the project to the whole internet as surely as
// 0.0.0.0/0 does, so leaving out 10.0.0.0/8 or multicast does not get around
// the refusal.
func notPublicV4() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// globalV6 holds every global unicast IPv6 address assigned; an entry set
// covering it opens the project to the IPv6 internet.
var globalV6 = netip.MustParsePrefix("2000::/3")

// netUnion is what one call's new entries open together.
type netUnion struct {
	entries []netip.Prefix // as parsed, in call order
	v4, v6  []span         // merged; v4 includes what IPv6 entries reach through embeddings
	v4Count *big.Int
	v6Count *big.Int
	// v4From are the entries that add IPv4 space (IPv4 ones and IPv6 ones
	// that embed IPv4), v6From those that add IPv6 space, as written for
	// messages; notes explain embedded reaches.
	v4From, v6From []string
	notes          []string
}

func newNetUnion(entries []netip.Prefix) netUnion {
	u := netUnion{entries: entries}
	var v4, v6 []span
	for _, p := range entries {
		if p.Addr().Is4() {
			v4 = append(v4, prefixSpan(p))
			u.v4From = appendOnce(u.v4From, p.String())
			continue
		}
		v6 = append(v6, prefixSpan(p))
		u.v6From = appendOnce(u.v6From, p.String())
		for _, v := range embeddedV4(p) {
			v4 = append(v4, prefixSpan(v.prefix))
			u.v4From = appendOnce(u.v4From, p.String())
			u.notes = appendOnce(u.notes, fmt.Sprintf("%s reaches %s through the %s range %s", p, v.prefix, v.via.name, v.via.label))
		}
	}
	u.v4, u.v6 = merge(v4), merge(v6)
	u.v4Count, u.v6Count = count(u.v4), count(u.v6)
	return u
}

func appendOnce(list []string, s string) []string {
	if containsString(list, s) {
		return list
	}
	return append(list, s)
}

// wholeV4 says whether the union opens every IPv4 address (all=true) or every
// public one.
func (u netUnion) wholeV4() (open, all bool) {
	full := prefixSpan(netip.MustParsePrefix("0.0.0.0/0"))
	if coversSpan(u.v4, full) {
		return true, true
	}
	s := append([]span(nil), u.v4...)
	for _, p := range notPublicV4() {
		s = append(s, prefixSpan(p))
	}
	return coversSpan(merge(s), full), false
}

func (u netUnion) wholeV6() (open, all bool) {
	if coversSpan(u.v6, prefixSpan(netip.MustParsePrefix("::/0"))) {
		return true, true
	}
	return coversSpan(u.v6, prefixSpan(globalV6)), false
}

// listEntries names entries for a message, at most a handful.
func listEntries(list []string) string {
	const most = 6
	if len(list) <= most {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:most], ", "), len(list)-most)
}

// opensPhrase is "entry X opens" or "entries X, Y together open".
func opensPhrase(from []string) string {
	if len(from) == 1 {
		return "access list entry " + from[0] + " opens"
	}
	return "access list entries " + listEntries(from) + " together open"
}

// commas writes a count as 4,294,967,296.
func commas(n *big.Int) string {
	s := n.String()
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// v6Amount writes an IPv6 count: as a prefix when it is one ("2^80 IPv6
// addresses, a /48"), else in full.
func v6Amount(n *big.Int) string {
	if n.Sign() > 0 && n.BitLen()-1 == int(n.TrailingZeroBits()) {
		k := n.BitLen() - 1
		return fmt.Sprintf("2^%d IPv6 addresses (as many as one /%d)", k, 128-k)
	}
	return commas(n) + " IPv6 addresses"
}

func (u netUnion) notesText() string {
	if len(u.notes) == 0 {
		return ""
	}
	return " (" + strings.Join(u.notes, "; ") + ")"
}
