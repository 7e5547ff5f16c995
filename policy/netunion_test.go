package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const netPolicy = `
agents:
  denied:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      networkAccess:
        deniedCidrs: ["10.66.0.0/16"]
  v4-inside:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      networkAccess:
        allowedCidrs: ["10.0.0.0/8", "::/0"]
  anywhere:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      networkAccess:
        allowAnywhere: true
`

func hosts(prefix string, n int) Args {
	var cidrs []string
	for i := 0; i < n; i++ {
		cidrs = append(cidrs, fmt.Sprintf("%s.%d.%d", prefix, i/250, i%250+1))
	}
	return entries(cidrs...)
}

// TestSplitAndIPv6NetworkEntries: entries are judged by what they open
// together, and IPv6 forms that embed IPv4 by the IPv4 space they reach.
func TestSplitAndIPv6NetworkEntries(t *testing.T) {
	p := mustParse(t, netPolicy, testOpts())
	tests := []struct {
		name   string
		agent  string
		args   Args
		allow  bool
		rule   string
		reason string
	}{
		// The whole address space, split.
		{"two halves of IPv4", "denied", entries("0.0.0.0/1", "128.0.0.0/1"), false, ruleDefaultNetDeny,
			"access list entries 0.0.0.0/1, 128.0.0.0/1 together would open the project to every address on the internet (the whole IPv4 internet: 4,294,967,296 IPv4 addresses)"},
		{"four quarters and a host", "denied", entries("0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2", "198.51.100.7"), false, ruleDefaultNetDeny, "whole IPv4 internet"},
		{"every public address, leaving out private and multicast", "denied", entries("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"), false, ruleDefaultNetDeny, "every public IPv4 address"},
		{"public space around 10/8", "denied", entries("0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"), false, ruleDefaultNetDeny, "every public IPv4 address"},
		{"one half is not everything", "anywhere", entries("0.0.0.0/1"), true, "", ""},
		{"two halves of IPv6", "denied", entries("::/1", "8000::/1"), false, ruleDefaultNetDeny, "(the whole IPv4 internet: 4,294,967,296 IPv4 addresses; the whole IPv6 internet: 2^128 IPv6 addresses (as many as one /0))"},
		{"all of global unicast", "denied", entries("2000::/4", "3000::/4"), false, ruleDefaultNetDeny, "every global IPv6 address (2000::/3)"},
		// IPv6 prefixes that reach IPv4.
		{"a /95 around the IPv4-mapped range", "denied", entries("::fffe:0:0/95"), false, ruleDefaultNetDeny,
			"::fffe:0:0/95 reaches 0.0.0.0/0 through the IPv4-mapped range ::ffff:0:0/96"},
		{"the IPv4-mapped range written as such", "denied", entries("::ffff:0:0/96"), false, ruleDefaultNetDeny, ""},
		{"a /64 holding the mapped and compatible ranges", "denied", entries("::/64"), false, ruleDefaultNetDeny, "IPv4-compatible"},
		{"NAT64 well-known prefix", "denied", entries("64:ff9b::/96"), false, ruleDefaultNetDeny, "through the NAT64 range 64:ff9b::/96"},
		{"all of 6to4", "denied", entries("2002::/16"), false, ruleDefaultNetDeny, "through the 6to4 range 2002::/16"},
		{"Teredo", "denied", entries("2001::/32"), false, ruleDefaultNetDeny, "through the Teredo range 2001::/32"},
		{"half of IPv4 natively, half through 6to4", "denied", entries("0.0.0.0/1", "2002:8000::/17"), false, ruleDefaultNetDeny, "entries 0.0.0.0/1, 2002:8000::/17 together would open"},
		{"denied range through NAT64", "denied", entries("64:ff9b::a42:0/112"), false, "agents.denied.constraints.networkAccess.deniedCidrs[0]",
			"access list entry 64:ff9b::a42:0/112 overlaps 10.66.0.0/16, a range this policy denies (it reaches 10.66.0.0/16 through the NAT64 range 64:ff9b::/96)"},
		{"denied range through 6to4", "denied", entries("2002:a42:100::/48"), false, "agents.denied.constraints.networkAccess.deniedCidrs[0]", "6to4"},
		{"denied range through IPv4-compatible", "denied", entries("::a42:1"), false, "agents.denied.constraints.networkAccess.deniedCidrs[0]", "IPv4-compatible"},
		{"denied range through Teredo (inverted)", "denied", entries("2001:0:1:2:3:4:f5bd:fffe"), false, "agents.denied.constraints.networkAccess.deniedCidrs[0]", "Teredo"},
		{"denied range as mapped", "denied", entries("::ffff:10.66.1.0/120"), false, "agents.denied.constraints.networkAccess.deniedCidrs[0]", ""},
		{"plain IPv6 is not IPv4", "denied", entries("2001:db8::/64"), true, "", ""},
		{"allowed IPv6 that reaches IPv4 outside the allowed ranges", "v4-inside", entries("2002:c000::/24"), false, "agents.v4-inside.constraints.networkAccess.allowedCidrs",
			"(it reaches 192.0.0.0/8 through the 6to4 range 2002::/16)"},
		{"allowed IPv6 that reaches allowed IPv4", "v4-inside", entries("64:ff9b::a01:0/112"), true, "", ""},
		{"allowAnywhere lifts the union refusal", "anywhere", entries("0.0.0.0/1", "128.0.0.0/1"), true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(mustAgent(t, p, tt.agent), Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: tt.args})
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if !tt.allow && (d.Rule != tt.rule || !strings.Contains(d.Reason, tt.reason)) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Reason, tt.rule, tt.reason)
			}
			if tt.allow && !d.Confirm && len(tt.args.AccessEntries) > 0 && strings.Contains(tt.name, "half") {
				t.Errorf("half the internet allowed without confirmation: %+v", d)
			}
		})
	}
}

// TestNetworkConfirmation: what one call opens in all, and how many entries it
// creates, decide whether a person must look.
func TestNetworkConfirmation(t *testing.T) {
	all := "agents:\n  a:\n    grants: [{area: '*', access: [read, write]}]\n"
	anywhere := all + "    constraints:\n      networkAccess:\n        allowAnywhere: true\n"
	tight := all + "constraints:\n  networkAccess:\n    confirmAboveAddresses: 16\n    confirmAboveIPv6Prefix: /96\n    confirmAboveEntries: 3\n"
	skip := "confirm:\n  skip: [atlas-create-access-list]\n"
	tests := []struct {
		name    string
		src     string
		args    Args
		confirm bool
		rule    string
		why     string
	}{
		{"a /24 in two halves", all, entries("10.0.0.0/25", "10.0.0.128/25"), false, "", ""},
		{"three /25s", all, entries("10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/25"), true, ruleConfirmWideEntry,
			"access list entries 10.0.0.0/25, 10.0.0.128/25, 10.0.1.0/25 together open 384 IPv4 addresses, more than the 256 (one /24) a call may open without confirmation (default.confirm.wideAccessList)"},
		{"duplicates count once", all, entries("10.0.0.0/24", "10.0.0.0/24", "10.0.0.7"), false, "", ""},
		{"twenty hosts", all, hosts("192.0", 20), false, "", ""},
		{"twenty-one hosts", all, hosts("192.0", 21), true, ruleConfirmManyEntries,
			"the call creates 21 access list entries, more than the 20 one call may create without confirmation (default.confirm.accessListEntries)"},
		{"two hundred narrow hosts", all, hosts("198.51", 200), true, ruleConfirmManyEntries, "creates 200 access list entries"},
		{"two /64s", all, entries("2001:db8::/64", "2001:db8:0:1::/64"), true, ruleConfirmWideEntry,
			"access list entries 2001:db8::/64, 2001:db8:0:1::/64 together open 2^65 IPv6 addresses (as many as one /63), more than the one /64 a call may open without confirmation"},
		{"one /64", all, entries("2001:db8::/64"), false, "", ""},
		{"a mapped /104 counts as IPv4", all, entries("::ffff:10.0.0.0/104"), true, ruleConfirmWideEntry, "10.0.0.0/8 opens 16,777,216 IPv4 addresses"},
		{"a NAT64 /120 counts as IPv4", all, entries("64:ff9b::a00:0/120", "10.0.1.0/24"), true, ruleConfirmWideEntry,
			"together open 512 IPv4 addresses (64:ff9b::a00:0/120 reaches 10.0.0.0/24 through the NAT64 range 64:ff9b::/96)"},
		{"the whole internet with allowAnywhere", anywhere, entries("0.0.0.0/1", "128.0.0.0/1"), true, ruleConfirmWideEntry,
			"access list entries 0.0.0.0/1, 128.0.0.0/1 together open 4,294,967,296 IPv4 addresses (the whole IPv4 internet)"},
		{"policy thresholds: addresses", tight, entries("10.0.0.0/27"), true, "constraints.networkAccess.confirmAboveAddresses", "more than the 16 (one /28) a call may open without confirmation (constraints.networkAccess.confirmAboveAddresses (test.yaml:6))"},
		{"policy thresholds: IPv6", tight, entries("2001:db8::/95"), true, "constraints.networkAccess.confirmAboveIPv6Prefix", "more than the one /96"},
		{"policy thresholds: entries", tight, entries("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), true, "constraints.networkAccess.confirmAboveEntries", "creates 4 access list entries, more than the 3"},
		{"within policy thresholds", tight, entries("10.0.0.0/29", "10.0.0.16"), false, "", ""},
		{"skip drops the built-in thresholds", all + skip, hosts("198.51", 200), false, "", ""},
		{"skip leaves the policy's own thresholds", tight + skip, entries("10.0.0.0/27"), true, "constraints.networkAccess.confirmAboveAddresses", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.src, testOpts())
			d := p.Decide(p.Agents()[0], Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: tt.args})
			if !d.Allow {
				t.Fatalf("denied: %s: %s", d.Rule, d.Reason)
			}
			if d.Confirm != tt.confirm || d.ConfirmRule != tt.rule {
				t.Errorf("Confirm=%v rule=%q, want %v %q (%s)", d.Confirm, d.ConfirmRule, tt.confirm, tt.rule, d.ConfirmWhy)
			}
			if !strings.Contains(d.ConfirmWhy, tt.why) {
				t.Errorf("ConfirmWhy %q lacks %q", d.ConfirmWhy, tt.why)
			}
			if want := map[bool]int{true: 1, false: 0}[d.Confirm]; d.Approvals != want {
				t.Errorf("Approvals = %d with Confirm %v", d.Approvals, d.Confirm)
			}
		})
	}
}

func TestNetworkThresholdParseErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"confirmAboveAddresses: -1", "confirmAboveAddresses must be a number of IPv4 addresses from 0 to 4294967296"},
		{"confirmAboveAddresses: 4294967297", "from 0 to 4294967296"},
		{"confirmAboveAddresses: lots", "from 0 to 4294967296"},
		{"confirmAboveIPv6Prefix: 129", "confirmAboveIPv6Prefix must be an IPv6 prefix length from 0 to 128"},
		{"confirmAboveEntries: 0", "confirmAboveEntries must be a whole number of entries, 1 or more"},
		{"confirmAboveEntry: 3", `unknown key "confirmAboveEntry"`},
	} {
		src := "agents:\n  a:\n    constraints:\n      networkAccess:\n        " + tt.src + "\n"
		_, err := Parse([]byte(src), "test.yaml", testOpts())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestEmbeddedV4(t *testing.T) {
	tests := []struct{ in, want string }{
		{"::fffe:0:0/95", "IPv4-mapped 0.0.0.0/0"},
		{"::/0", "IPv4-mapped 0.0.0.0/0; IPv4-compatible 0.0.0.0/0; NAT64 0.0.0.0/0; 6to4 0.0.0.0/0; Teredo 0.0.0.0/0"},
		{"2002:c000:200::/40", "6to4 192.0.2.0/24"},
		{"2002:c000:201:1::/64", "6to4 192.0.2.1/32"},
		{"64:ff9b::c000:200/120", "NAT64 192.0.2.0/24"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2/128", "Teredo 192.0.2.45/32"},
		{"2001::/64", "Teredo 0.0.0.0/0"},
		{"2001:db8::/32", ""},
	}
	for _, tt := range tests {
		pfx, err := parseCIDR(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range embeddedV4(pfx) {
			got = append(got, v.via.name+" "+v.prefix.String())
		}
		if s := strings.Join(got, "; "); s != tt.want {
			t.Errorf("embeddedV4(%s) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestSummaryShowsNewLimits(t *testing.T) {
	p := mustParse(t, `
agents:
  a:
    grants: [{area: "*", access: [read, write]}]
    constraints:
      networkAccess: {confirmAboveAddresses: 0, confirmAboveIPv6Prefix: 56, confirmAboveEntries: 5}
      clusters: {maxNodes: 9, maxDiskSizeGB: 512.5}
      databaseUsers: {allowedRoles: ["readWrite@app"]}
`, testOpts())
	b, err := json.Marshal(p.Agents()[0].Summary())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"confirmAboveAddresses":0`, `"confirmAboveIPv6Prefix":56`, `"confirmAboveEntries":5`, `"maxNodes":9`, `"maxDiskSizeGB":512.5`, `"allowedRoles":["readWrite@app"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("summary lacks %s: %s", want, b)
		}
	}
}

// TestWholeInternetAcrossCalls: the entries the project's list already holds
// count with the new ones, so the internet cannot be opened half per call;
// only what the new entries complete is refused.
func TestWholeInternetAcrossCalls(t *testing.T) {
	p := mustParse(t, netPolicy, testOpts())
	held := func(cidrs ...string) []AccessEntry {
		var out []AccessEntry
		for _, c := range cidrs {
			out = append(out, AccessEntry{CIDR: c})
		}
		return out
	}
	tests := []struct {
		name   string
		agent  string
		held   []AccessEntry
		add    Args
		allow  bool
		reason string
	}{
		{"the second half of IPv4", "denied", held("0.0.0.0/1"), entries("128.0.0.0/1"), false,
			"access list entry 128.0.0.0/1, together with the 1 entry the project's list already holds, would open the project to every address on the internet (the whole IPv4 internet: 4,294,967,296 IPv4 addresses)"},
		{"the last public quarter", "denied", held("0.0.0.0/1", "128.0.0.0/2", "10.0.0.0/8"), entries("192.0.0.0/3"), false, "every public IPv4 address"},
		{"the IPv4 half reached through 6to4", "denied", held("0.0.0.0/1"), entries("2002:8000::/17"), false, "2002:8000::/17 reaches 128.0.0.0/1 through the 6to4 range"},
		{"the other half of global IPv6", "denied", held("2000::/4"), entries("3000::/4"), false, "every global IPv6 address (2000::/3)"},
		{"a narrow entry beside half", "denied", held("0.0.0.0/1"), entries("198.51.100.7"), true, ""},
		{"a list already open opens nothing more", "denied", held("0.0.0.0/0"), entries("10.1.0.0/16"), true, ""},
		{"security groups hold no addresses", "denied", held("sg-0123456789abcdef0", "0.0.0.0/1"), entries("128.0.0.0/2"), true, ""},
		{"allowAnywhere", "anywhere", held("0.0.0.0/1"), entries("128.0.0.0/1"), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.add
			args.ExistingAccessEntries = tt.held
			d := p.Decide(mustAgent(t, p, tt.agent), Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: args})
			if d.Allow != tt.allow {
				t.Fatalf("Allow = %v, want %v (%s: %s)", d.Allow, tt.allow, d.Rule, d.Reason)
			}
			if !tt.allow && (d.Rule != ruleDefaultNetDeny || !strings.Contains(d.Reason, tt.reason)) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Reason, ruleDefaultNetDeny, tt.reason)
			}
		})
	}
}
