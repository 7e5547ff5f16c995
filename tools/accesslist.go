package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// accessListTools are the tools of this area, in the catalogue's order (reads first).
func accessListTools() []*Tool {
	return []*Tool{listAccessList(), createAccessList(), deleteAccessList()}
}

var awsSecurityGroup = lazyRegexp(`^sg-[0-9a-f]{8,17}$`)

// AccessListEntry is one entry of a project's IP access list, as Atlas reports it.
type AccessListEntry struct {
	Entry            string `json:"entry" jsonschema_description:"The entry's value: an IP address, a CIDR block or an AWS security group ID. Pass it to atlas-delete-access-list as entryValue."`
	CIDRBlock        string `json:"cidrBlock,omitempty"`
	IPAddress        string `json:"ipAddress,omitempty"`
	AWSSecurityGroup string `json:"awsSecurityGroup,omitempty"`
	Comment          string `json:"comment,omitempty"`
	DeleteAfterDate  string `json:"deleteAfterDate,omitempty" jsonschema_description:"When Atlas removes this temporary entry."`
}

func decodeAccessEntry(raw json.RawMessage) (AccessListEntry, error) {
	var e AccessListEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, err
	}
	// Atlas reports an IP entry with both ipAddress and its /32 cidrBlock; the
	// address is what a person recognises.
	switch {
	case e.AWSSecurityGroup != "":
		e.Entry = e.AWSSecurityGroup
	case e.IPAddress != "":
		e.Entry = e.IPAddress
	default:
		e.Entry = e.CIDRBlock
	}
	return e, nil
}

// cidrOf is the entry in CIDR form, the key entries are compared by.
func (e AccessListEntry) cidrOf() string {
	if e.CIDRBlock != "" {
		if p, err := netip.ParsePrefix(e.CIDRBlock); err == nil {
			return p.Masked().String()
		}
		return e.CIDRBlock
	}
	if a, err := netip.ParseAddr(e.IPAddress); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String()
	}
	return e.Entry
}

func accessRows(es []AccessListEntry) string {
	rows := make([][]string, 0, len(es))
	for _, e := range es {
		rows = append(rows, []string{e.Entry, orDash(e.Comment), orDash(e.DeleteAfterDate)})
	}
	return table([]string{"ENTRY", "COMMENT", "EXPIRES"}, rows)
}

// isOpenToWorld reports the CIDRs that admit every address.
func isOpenToWorld(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

// --- atlas-list-access-list ---

// ListAccessListInput lists a project's IP access list.
type ListAccessListInput = ProjectList

func listAccessList() *Tool {
	return listSpec[ListAccessListInput, AccessListEntry]{
		Name:        "atlas-list-access-list",
		Title:       "List IP access list",
		Description: "List a project's IP access list: addresses, CIDR blocks, security groups, comments, expiry.",
		Area:        AreaNetworkAccess,
		Op:          atlasclient.ListGroupAccessListEntries,
		Decode:      decodeAccessEntry,
		What:        func(in *ListAccessListInput) string { return "IP access list of project " + in.ProjectID },
		Noun:        "entries",
		Rows:        accessRows,
		Warn: func(es []AccessListEntry) string {
			var w string
			for _, e := range es {
				if isOpenToWorld(e.cidrOf()) {
					w += fmt.Sprintf(" Warning: %s admits connections from any address.", e.Entry)
				}
			}
			return w
		},
	}.tool()
}

// --- atlas-create-access-list ---

// AccessListEntryInput is one entry to add: exactly one of cidrBlock and ipAddress.
type AccessListEntryInput struct {
	CIDRBlock       string `json:"cidrBlock,omitempty"`
	IPAddress       string `json:"ipAddress,omitempty"`
	Comment         string `json:"comment,omitempty" jsonschema:"maxLength=80"`
	DeleteAfterDate string `json:"deleteAfterDate,omitempty" jsonschema:"format=date-time" jsonschema_description:"Atlas removes it then (within a week)."`
}

// CreateAccessListInput adds one entry (flat form) or several (entries).
type CreateAccessListInput struct {
	ProjectScope
	CIDRBlock       string                 `json:"cidrBlock,omitempty" jsonschema_description:"e.g. 203.0.113.0/24; or ipAddress, or entries."`
	IPAddress       string                 `json:"ipAddress,omitempty" jsonschema_description:"One IP address, e.g. 203.0.113.7."`
	Comment         string                 `json:"comment,omitempty" jsonschema:"maxLength=80" jsonschema_description:"Why the entry exists."`
	DeleteAfterDate string                 `json:"deleteAfterDate,omitempty" jsonschema:"format=date-time" jsonschema_description:"Atlas removes it then (within a week)."`
	Entries         []AccessListEntryInput `json:"entries,omitempty" jsonschema:"maxItems=200" jsonschema_description:"Several entries at once."`
	WriteOptions

	prepared []preparedEntry
}

type preparedEntry struct {
	body map[string]any
	fact AccessEntry
}

// prepareEntry validates one entry and builds its body, reporting problems under
// the field names the agent used (prefix is "" for the flat form).
func prepareEntry(prefix string, e AccessListEntryInput) (preparedEntry, error) {
	var p preparedEntry
	if (e.CIDRBlock == "") == (e.IPAddress == "") {
		field := prefix + "cidrBlock"
		if e.CIDRBlock != "" {
			return p, invalid(field, "cannot be combined with ipAddress", "give exactly one of cidrBlock and ipAddress per entry")
		}
		return p, invalid(field, "or ipAddress is required", "give an IP address such as 203.0.113.7 or a CIDR block such as 203.0.113.0/24")
	}
	p.body = map[string]any{}
	if e.CIDRBlock != "" {
		cidr, err := parseAccessTarget(prefix+"cidrBlock", e.CIDRBlock, true)
		if err != nil {
			return p, err
		}
		pfx := netip.MustParsePrefix(cidr)
		if err := refuseMapped(prefix+"cidrBlock", pfx); err != nil {
			return p, err
		}
		p.body["cidrBlock"] = wireCIDR(pfx)
		p.fact.CIDR = cidr
	} else {
		cidr, err := parseAccessTarget(prefix+"ipAddress", e.IPAddress, false)
		if err != nil {
			return p, err
		}
		pfx := netip.MustParsePrefix(cidr)
		if err := refuseMapped(prefix+"ipAddress", pfx); err != nil {
			return p, err
		}
		p.body["ipAddress"] = wireAddr(pfx.Addr())
		p.fact.CIDR = cidr
	}
	if err := checkText(prefix+"comment", e.Comment); err != nil {
		return p, err
	}
	if e.Comment != "" {
		p.body["comment"] = e.Comment
		p.fact.Comment = e.Comment
	}
	if err := checkTemporaryDate(prefix+"deleteAfterDate", e.DeleteAfterDate); err != nil {
		return p, err
	}
	if e.DeleteAfterDate != "" {
		p.body["deleteAfterDate"] = e.DeleteAfterDate
		p.fact.DeleteAfter, _ = parseTime(prefix+"deleteAfterDate", e.DeleteAfterDate)
	}
	return p, nil
}

func (in *CreateAccessListInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	flat := in.CIDRBlock != "" || in.IPAddress != ""
	switch {
	case len(in.Entries) > 0 && flat:
		return invalid("entries", "cannot be combined with cidrBlock or ipAddress", "give exactly one of cidrBlock, ipAddress and entries")
	case len(in.Entries) > 0:
		if in.Comment != "" || in.DeleteAfterDate != "" {
			field := "comment"
			if in.Comment == "" {
				field = "deleteAfterDate"
			}
			return invalid(field, "applies only to the flat form (cidrBlock or ipAddress)", "with entries, set comment and deleteAfterDate inside each entry")
		}
		seen := map[string]int{}
		for i, e := range in.Entries {
			p, err := prepareEntry(fmt.Sprintf("entries[%d].", i), e)
			if err != nil {
				return err
			}
			if j, dup := seen[p.fact.CIDR]; dup {
				return invalid(fmt.Sprintf("entries[%d]", i), fmt.Sprintf("repeats %s (entries[%d])", p.fact.CIDR, j), "list each address once")
			}
			seen[p.fact.CIDR] = i
			in.prepared = append(in.prepared, p)
		}
	case flat:
		p, err := prepareEntry("", AccessListEntryInput{CIDRBlock: in.CIDRBlock, IPAddress: in.IPAddress, Comment: in.Comment, DeleteAfterDate: in.DeleteAfterDate})
		if err != nil {
			return err
		}
		in.prepared = []preparedEntry{p}
	default:
		return invalid("cidrBlock", "or ipAddress or entries is required", "give the address to allow, e.g. ipAddress 203.0.113.7 or cidrBlock 203.0.113.0/24")
	}
	return nil
}

func (in *CreateAccessListInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

// wireAddr is an address in the form the spec's ipAddress pattern accepts:
// IPv4 dotted, IPv6 with all eight groups ("2001:db8::7" is refused by
// ^…|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$, so it is sent expanded).
func wireAddr(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return a.StringExpanded()
}

// wireCIDR is a block in the form the spec's cidrBlock pattern accepts (the
// address part as wireAddr).
func wireCIDR(p netip.Prefix) string {
	return wireAddr(p.Addr()) + "/" + strconv.Itoa(p.Bits())
}

// refuseMapped refuses IPv4-mapped IPv6 forms (::ffff:203.0.113.7,
// ::ffff:10.0.0.0/104). Atlas sees IPv4 clients by their IPv4 address, so the
// entry would either admit those IPv4 addresses or nothing, and a check of
// IPv4 ranges (deniedCidrs, the wide-entry rule) would not see it. Written as
// IPv4 it means one thing to everyone; the fix says how.
func refuseMapped(field string, p netip.Prefix) error {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return nil
	}
	v4 := netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	want := v4.String()
	if v4.Bits() == 32 {
		want = v4.Addr().String()
	}
	return invalid(field, fmt.Sprintf("%s is an IPv4-mapped IPv6 form", p), fmt.Sprintf("write it as IPv4: %s", want))
}

// ipv4Mapped is ::ffff:0:0/96, the IPv6 range that stands for every IPv4 address.
var ipv4Mapped = netip.MustParsePrefix("::ffff:0:0/96")

// entryLine renders one planned entry and what it opens.
func entryLine(e AccessEntry) string {
	p, err := netip.ParsePrefix(e.CIDR)
	if err != nil {
		return e.CIDR
	}
	l := e.CIDR + " — " + addressCount(p)
	switch {
	case p.Bits() == 0 && p.Addr().Is4():
		l += " (the whole IPv4 internet)"
	case p.Bits() == 0:
		l += " (the whole IPv6 internet, and IPv4 through its mapped range)"
	case p.Addr().Is6() && p.Bits() < 96 && p.Contains(ipv4Mapped.Addr()):
		l += " (contains ::ffff:0:0/96, the IPv4-mapped range: every IPv4 address, where clients reach Atlas through it)"
	}
	if e.Comment != "" {
		l += ", comment " + strconv.Quote(e.Comment)
	}
	if e.DeleteAfter != nil {
		l += ", expires " + e.DeleteAfter.UTC().Format(time.RFC3339)
	} else {
		l += ", permanent"
	}
	return l
}

// addressCount says how many addresses a block holds: exactly for IPv4 and
// small IPv6 blocks, as a power of two beyond.
func addressCount(p netip.Prefix) string {
	host := p.Addr().BitLen() - p.Bits()
	if host == 0 {
		return "1 address"
	}
	if host <= 40 {
		return groupDigits(uint64(1)<<host) + " addresses"
	}
	return fmt.Sprintf("2^%d addresses", host)
}

func groupDigits(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ipv4Union counts the IPv4 addresses a set of entries opens together, each
// address once: 0.0.0.0/1 and 128.0.0.0/1 are the whole internet.
func ipv4Union(es []AccessEntry) uint64 {
	type span struct{ lo, hi uint64 }
	var spans []span
	for _, e := range es {
		p, err := netip.ParsePrefix(e.CIDR)
		if err != nil {
			continue
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if !p.Addr().Is4() {
			continue
		}
		b := p.Masked().Addr().As4()
		lo := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		spans = append(spans, span{lo, lo + uint64(1)<<(32-p.Bits()) - 1})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	var total uint64
	var cur *span
	for i := range spans {
		s := spans[i]
		if cur != nil && s.lo <= cur.hi+1 {
			cur.hi = max(cur.hi, s.hi)
			continue
		}
		if cur != nil {
			total += cur.hi - cur.lo + 1
		}
		cur = &s
	}
	if cur != nil {
		total += cur.hi - cur.lo + 1
	}
	return total
}

// accessLines renders every entry a plan adds, and in all what they open.
func accessLines(es []AccessEntry) []string {
	out := make([]string, 0, len(es)+1)
	for _, e := range es {
		out = append(out, entryLine(e))
	}
	if n := ipv4Union(es); len(es) > 1 && n > 0 {
		l := fmt.Sprintf("in all: %s IPv4 addresses", groupDigits(n))
		if n == 1<<32 {
			l += " — the whole IPv4 internet"
		}
		out = append(out, l)
	}
	return out
}

func (in *CreateAccessListInput) request() *atlasclient.Request {
	// Atlas takes a JSON array even for one entry, and answers with the
	// project's whole list; asking for the largest page lets us find every
	// entry we added in it (a project holds at most 200).
	body := make([]map[string]any, 0, len(in.prepared))
	for _, p := range in.prepared {
		body = append(body, p.body)
	}
	return &atlasclient.Request{Op: atlasclient.CreateGroupAccessListEntry, Params: map[string]string{"groupId": in.ProjectID}, Query: url.Values{"itemsPerPage": {"500"}}, Body: body}
}

// CreateAccessListOutput reports what was added and the list's new size.
type CreateAccessListOutput struct {
	Added      []AccessListEntry `json:"added" jsonschema_description:"The entries this call added, as Atlas now reports them."`
	TotalCount int               `json:"totalCount" jsonschema_description:"Entries in the project's access list after the change."`
}

func createAccessList() *Tool {
	return spec[CreateAccessListInput, CreateAccessListOutput]{
		Name:        "atlas-create-access-list",
		Title:       "Add IP access list entries",
		Description: "Let an ipAddress or cidrBlock (or entries) reach a project's clusters. Prefer narrow blocks that expire.",
		Area:        AreaNetworkAccess,
		// Adding an entry that exists only updates its comment and expiry.
		Idempotent: true,
		Op:         atlasclient.CreateGroupAccessListEntry,
		Build: func(_ context.Context, _ *Env, in *CreateAccessListInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			// The entries are rendered from the body that is sent, read
			// back as the policy reads it.
			var f Facts
			if err := walkFacts(&f, &b.plan.Requests[len(b.plan.Requests)-1], b.lastBody()); err != nil {
				return err
			}
			b.Render(Rendering{
				Title: fmt.Sprintf("Add %d entr%s to the IP access list of project %s: every cluster of the project accepts connections from them.", len(f.AccessEntries), map[bool]string{true: "y", false: "ies"}[len(f.AccessEntries) == 1], in.ProjectID),
				Lines: accessLines(f.AccessEntries),
			})
			return nil
		},
		// The policy judges the new entries with those the list holds, so
		// two calls cannot each open half of the internet.
		Standing: func(ctx context.Context, env *Env, in *CreateAccessListInput, f *Facts) error {
			held, err := accessListOf(ctx, env, in.ProjectID)
			f.ExistingAccessEntries = held
			return err
		},
		Answer: func(_ context.Context, _ *Env, in *CreateAccessListInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			var page struct {
				Results    []json.RawMessage `json:"results"`
				TotalCount int               `json:"totalCount"`
			}
			if err := json.Unmarshal(answers[0], &page); err != nil {
				return nil, fmt.Errorf("decoding the access list: %w", err)
			}
			now := map[string]AccessListEntry{}
			for _, raw := range page.Results {
				e, err := decodeAccessEntry(raw)
				if err != nil {
					return nil, fmt.Errorf("decoding an access list entry: %w", err)
				}
				now[e.cidrOf()] = e
			}
			out := &CreateAccessListOutput{TotalCount: page.TotalCount, Added: make([]AccessListEntry, 0, len(in.prepared))}
			var names, missing, open []string
			for _, p := range in.prepared {
				e, ok := now[p.fact.CIDR]
				if !ok {
					missing = append(missing, p.fact.CIDR)
					e = AccessListEntry{CIDRBlock: p.fact.CIDR, Entry: p.fact.CIDR, Comment: p.fact.Comment}
				}
				out.Added = append(out.Added, e)
				names = append(names, e.Entry)
				if isOpenToWorld(p.fact.CIDR) {
					open = append(open, p.fact.CIDR)
				}
			}
			summary := fmt.Sprintf("Added %d entr%s to the IP access list of project %s: %s. The list now holds %d entries.", len(names), map[bool]string{true: "y", false: "ies"}[len(names) == 1], in.ProjectID, strings.Join(names, ", "), page.TotalCount)
			if len(missing) > 0 {
				summary += fmt.Sprintf(" Atlas's answer did not show %s; check with atlas-list-access-list.", strings.Join(missing, ", "))
			}
			if len(open) > 0 {
				summary += fmt.Sprintf(" Warning: %s admits connections from any address on the internet; only database credentials now protect the clusters.", strings.Join(open, ", "))
			}
			return &Result{Summary: summary, Data: accessRows(out.Added), Structured: out}, nil
		},
	}.tool()
}

// accessListOf reads the entries a project's access list holds now, every
// page, in CIDR form (security groups hold no addresses and are left out).
// A list that cannot be read stops the call: the refusal it feeds is not
// skipped.
func accessListOf(ctx context.Context, env *Env, projectID string) ([]AccessEntry, error) {
	b := &Builder{ctx: ctx, env: env} // for its paged read only: no plan is built here
	var held []AccessEntry
	var bad error
	_, err := b.findListed(&atlasclient.Request{Op: atlasclient.ListGroupAccessListEntries, Params: map[string]string{"groupId": projectID}}, func(raw json.RawMessage) bool {
		e, err := decodeAccessEntry(raw)
		if err != nil {
			bad = err
			return true
		}
		if e.CIDRBlock != "" || e.IPAddress != "" {
			held = append(held, AccessEntry{CIDR: e.cidrOf(), Comment: e.Comment})
		}
		return false // read every page
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("reading the IP access list of project %s, which new entries are judged with: %w", projectID, err)
	}
	return held, nil
}

// --- atlas-delete-access-list ---

// DeleteAccessListInput names the entry to remove.
type DeleteAccessListInput struct {
	ProjectScope
	EntryValue string `json:"entryValue" jsonschema:"required" jsonschema_description:"IP, CIDR block or security group."`
	WriteOptions

	cidr string
}

func (in *DeleteAccessListInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	v := in.EntryValue
	switch {
	case v == "":
		return invalid("entryValue", "is required", "give the IP address, CIDR block or security group to remove; find it with atlas-list-access-list")
	case strings.HasPrefix(v, "sg-"):
		if !awsSecurityGroup().MatchString(v) {
			return invalid("entryValue", fmt.Sprintf("%q is not an AWS security group ID", truncate(v, 40)), "security group IDs look like sg-0123456789abcdef0")
		}
	case strings.Contains(v, "/"):
		cidr, err := parseAccessTarget("entryValue", v, true)
		if err != nil {
			return err
		}
		in.EntryValue, in.cidr = wireCIDR(netip.MustParsePrefix(cidr)), cidr
	default:
		cidr, err := parseAccessTarget("entryValue", v, false)
		if err != nil {
			return err
		}
		in.EntryValue, in.cidr = wireAddr(netip.MustParsePrefix(cidr).Addr()), cidr
	}
	return nil
}

func (in *DeleteAccessListInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

func (in *DeleteAccessListInput) request() *atlasclient.Request {
	// The client path-escapes the value, so a CIDR's "/" travels as %2F as
	// Atlas requires.
	return &atlasclient.Request{Op: atlasclient.DeleteGroupAccessListEntry, Params: map[string]string{"groupId": in.ProjectID, "entryValue": in.EntryValue}}
}

func deleteAccessList() *Tool {
	return spec[DeleteAccessListInput, DeleteOutput]{
		Name:        "atlas-delete-access-list",
		Title:       "Remove IP access list entry",
		Description: "Remove an IP access list entry; clients from there lose access to the project's clusters.",
		Area:        AreaNetworkAccess,
		Destructive: true, Idempotent: true,
		Op: atlasclient.DeleteGroupAccessListEntry,
		Build: func(_ context.Context, _ *Env, in *DeleteAccessListInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			what := in.EntryValue
			if in.cidr != "" {
				if p, err := netip.ParsePrefix(in.cidr); err == nil {
					what = in.cidr + " (" + addressCount(p) + ")"
				}
			}
			b.Render(Rendering{
				Title: fmt.Sprintf("Remove %s from the IP access list of project %s.", what, in.ProjectID),
				Lines: []string{"New connections from those addresses to the project's clusters are refused (open connections may last a while).", "Undone only by adding the entry again."},
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *DeleteAccessListInput, _ *Plan, _ []json.RawMessage) (*Result, error) {
			return &Result{
				Summary:    fmt.Sprintf("Removed %s from the IP access list of project %s. Existing connections from it may stay open for a while.", in.EntryValue, in.ProjectID),
				Structured: &DeleteOutput{Deleted: "access list entry " + in.EntryValue, Accepted: true},
			}, nil
		},
	}.tool()
}
