package tools

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestListAccessListPrepare(t *testing.T) {
	runPrepCases(t, listAccessList(), []prepCase{
		{name: "defaults", args: `{}`},
		{name: "bad project", args: `{"projectId":"5F1B2C3D4E5F6A7B8C9D0E1F"}`, field: "projectId"},
	})
}

func TestCreateAccessListPrepare(t *testing.T) {
	soon := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	runPrepCases(t, createAccessList(), []prepCase{
		{name: "one CIDR", args: `{"cidrBlock":"203.0.113.0/24","comment":"office"}`, check: func(t *testing.T, c *Call) {
			if f := planOf(t, c).Facts; len(f.AccessEntries) != 1 || f.AccessEntries[0].CIDR != "203.0.113.0/24" || f.AccessEntries[0].Comment != "office" {
				t.Errorf("Facts.AccessEntries = %+v", f.AccessEntries)
			}
			plan := planJSON(t, c)
			// The body is a JSON array even for one entry.
			mustContain(t, "plan", plan, `"body":[{"cidrBlock":"203.0.113.0/24","comment":"office"}]`)
		}},
		{name: "one IP becomes /32 in facts", args: `{"ipAddress":"203.0.113.7","deleteAfterDate":"` + soon + `"}`, check: func(t *testing.T, c *Call) {
			e := planOf(t, c).Facts.AccessEntries[0]
			if e.CIDR != "203.0.113.7/32" || e.DeleteAfter == nil {
				t.Errorf("Facts.AccessEntries[0] = %+v", e)
			}
			mustContain(t, "plan", planJSON(t, c), `"ipAddress":"203.0.113.7"`)
		}},
		{name: "IPv6 address", args: `{"ipAddress":"2001:db8::1"}`, check: func(t *testing.T, c *Call) {
			p := planOf(t, c)
			if got := p.Facts.AccessEntries[0].CIDR; got != "2001:db8::1/128" {
				t.Errorf("CIDR = %q", got)
			}
			// The spec's ipAddress pattern wants all eight groups.
			mustContain(t, "body", string(p.Requests[0].Body), `"ipAddress":"2001:0db8:0000:0000:0000:0000:0000:0001"`)
		}},
		{name: "several entries", args: `{"entries":[{"cidrBlock":"10.0.0.0/8","comment":"vpc"},{"ipAddress":"198.51.100.1"}]}`, check: func(t *testing.T, c *Call) {
			p := planOf(t, c)
			if len(p.Facts.AccessEntries) != 2 || p.Facts.AccessEntries[1].CIDR != "198.51.100.1/32" {
				t.Errorf("Facts.AccessEntries = %+v", p.Facts.AccessEntries)
			}
			mustContain(t, "rendering", p.Render.Text(), "10.0.0.0/8 — 16,777,216 addresses, comment \"vpc\", permanent", "198.51.100.1/32 — 1 address", "in all: 16,777,217 IPv4 addresses")
		}},
		{name: "open to the world is valid input", args: `{"cidrBlock":"0.0.0.0/0"}`},
		{name: "prefix out of range", args: `{"cidrBlock":"10.0.0.0/33"}`, field: "cidrBlock"},
		{name: "host bits set", args: `{"cidrBlock":"10.0.0.1/8"}`, field: "cidrBlock"},
		{name: "not an address", args: `{"ipAddress":"example.com"}`, field: "ipAddress"},
		{name: "CIDR in ipAddress", args: `{"ipAddress":"10.0.0.0/8"}`, field: "ipAddress"},
		{name: "both flat forms", args: `{"cidrBlock":"10.0.0.0/8","ipAddress":"10.0.0.1"}`, field: "cidrBlock"},
		{name: "nothing", args: `{}`, field: "cidrBlock"},
		{name: "flat and entries", args: `{"ipAddress":"10.0.0.1","entries":[{"ipAddress":"10.0.0.2"}]}`, field: "entries"},
		{name: "top-level comment with entries", args: `{"comment":"x","entries":[{"ipAddress":"10.0.0.2"}]}`, field: "comment"},
		{name: "entry with both", args: `{"entries":[{"ipAddress":"10.0.0.2","cidrBlock":"10.0.0.0/8"}]}`, field: "entries[0].cidrBlock"},
		{name: "entry with neither", args: `{"entries":[{"comment":"x"}]}`, field: "entries[0].cidrBlock"},
		{name: "bad CIDR in second entry", args: `{"entries":[{"ipAddress":"10.0.0.2"},{"cidrBlock":"10.0.0.0/33"}]}`, field: "entries[1].cidrBlock"},
		{name: "duplicate entries", args: `{"entries":[{"ipAddress":"10.0.0.2"},{"cidrBlock":"10.0.0.2/32"}]}`, field: "entries[1]"},
		{name: "comment too long", args: `{"ipAddress":"10.0.0.2","comment":"` + strings.Repeat("c", 81) + `"}`, field: "comment"},
		{name: "comment with newline", args: `{"ipAddress":"10.0.0.2","comment":"a\nb"}`, field: "comment"},
		{name: "past expiry", args: `{"ipAddress":"10.0.0.2","deleteAfterDate":"2001-01-01T00:00:00Z"}`, field: "deleteAfterDate"},
		{name: "entry past expiry", args: `{"entries":[{"ipAddress":"10.0.0.2","deleteAfterDate":"2001-01-01T00:00:00Z"}]}`, field: "entries[0].deleteAfterDate"},
		{name: "awsSecurityGroup is not an argument", args: `{"awsSecurityGroup":"sg-12345678"}`, field: "awsSecurityGroup"},
	})
}

func TestCIDRErrorsExplain(t *testing.T) {
	env := offlineEnv(t, false)
	_, err := createAccessList().Decode([]byte(`{"cidrBlock":"10.0.0.0/33"}`), env)
	if err == nil {
		t.Fatal("10.0.0.0/33 accepted")
	}
	mustContain(t, "error", err.Error(), "/33", "out of range", "0-32")
	_, err = createAccessList().Decode([]byte(`{"cidrBlock":"192.168.1.77/24"}`), env)
	if err == nil {
		t.Fatal("host bits accepted")
	}
	mustContain(t, "error", err.Error(), "host bits", "192.168.1.0/24")
}

func TestDeleteAccessListPrepare(t *testing.T) {
	runPrepCases(t, deleteAccessList(), []prepCase{
		{name: "CIDR is path-escaped", args: `{"entryValue":"10.0.0.0/8"}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), "/accessList/10.0.0.0%2F8", "Remove 10.0.0.0/8 (16,777,216 addresses)")
		}},
		{name: "IP", args: `{"entryValue":"203.0.113.7"}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), "/accessList/203.0.113.7\"")
		}},
		{name: "security group", args: `{"entryValue":"sg-0123456789abcdef0"}`},
		{name: "bad security group", args: `{"entryValue":"sg-xyz"}`, field: "entryValue"},
		{name: "bad CIDR", args: `{"entryValue":"10.0.0.0/33"}`, field: "entryValue"},
		{name: "path traversal", args: `{"entryValue":"../../orgs"}`, field: "entryValue"},
		{name: "missing", args: `{}`, field: "entryValue"},
	})
}

func TestAccessListToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listAccessList(), `{}`)
	list := structured[*ListOutput[AccessListEntry]](t, r)
	if list.TotalCount != 2 {
		t.Fatalf("access list = %+v", list)
	}
	mustContain(t, "data", r.Data, "203.0.113.10", "office VPN", "198.51.100.0/24", "CI runners")
	mustNotContain(t, "data", r.Data, "203.0.113.10/32")

	soon := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	r = mustRun(t, env, createAccessList(), `{"entries":[{"cidrBlock":"10.8.0.0/16","comment":"peered VPC"},{"ipAddress":"192.0.2.44","comment":"laptop","deleteAfterDate":"`+soon+`"}]}`)
	out := structured[*CreateAccessListOutput](t, r)
	if out.TotalCount != 4 || len(out.Added) != 2 || out.Added[0].Entry != "10.8.0.0/16" || out.Added[1].Entry != "192.0.2.44" {
		t.Errorf("create output = %+v", out)
	}
	mustContain(t, "summary", r.Summary, "Added 2 entries", "10.8.0.0/16", "192.0.2.44", "now holds 4")
	mustNotContain(t, "summary", r.Summary, "did not show", "Warning")

	r = mustRun(t, env, createAccessList(), `{"cidrBlock":"0.0.0.0/0","comment":"temporary"}`)
	mustContain(t, "summary", r.Summary, "Added 1 entry", "0.0.0.0/0", "Warning", "any address")
	r = mustRun(t, env, listAccessList(), `{}`)
	mustContain(t, "summary", r.Summary, "Warning: 0.0.0.0/0")

	// The CIDR's "/" must travel as %2F, or the simulator would not find it.
	dc, conf := confirm(t, env, deleteAccessList(), `{"entryValue":"198.51.100.0/24"}`)
	mustContain(t, "confirmation", conf.Render.Text(), "198.51.100.0/24 (256 addresses)", atlassim.DemoProjectID, "refused")
	if _, err := dc.Execute(t.Context(), conf); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, deleteAccessList(), `{"entryValue":"203.0.113.10"}`)
	r = mustRun(t, env, listAccessList(), `{}`)
	mustNotContain(t, "data after delete", r.Data, "198.51.100.0/24", "203.0.113.10")
	if n := structured[*ListOutput[AccessListEntry]](t, r).TotalCount; n != 3 {
		t.Errorf("after deletes: %d entries, want 3", n)
	}
	if !sent(sim, "DELETE", "/accessList/198.51.100.0/24") {
		t.Error("the simulator did not see the DELETE of the CIDR entry")
	}
}

// The standing entries the policy judges new ones with are the whole list:
// every page of it, in CIDR form, security groups left out.
func TestStandingAccessListIsEveryPage(t *testing.T) {
	env, _ := simEnv(t, false)
	before, err := accessListOf(t.Context(), env, atlassim.DemoProjectID)
	if err != nil {
		t.Fatal(err)
	}
	// A security group, as Atlas lists it beside addresses.
	sg := &atlasclient.Request{Op: atlasclient.CreateGroupAccessListEntry, Params: map[string]string{"groupId": atlassim.DemoProjectID}, Body: []map[string]string{{"awsSecurityGroup": "sg-0123456789abcdef0", "comment": "peered vpc"}}}
	if _, err := env.Client.Do(t.Context(), sg, nil); err != nil {
		t.Fatal(err)
	}
	for batch := 0; batch < 3; batch++ {
		var entries []string
		for i := 0; i < 200; i++ {
			entries = append(entries, fmt.Sprintf(`{"ipAddress":"198.18.%d.%d","comment":"load"}`, batch, i+1))
		}
		mustRun(t, env, createAccessList(), `{"entries":[`+strings.Join(entries, ",")+`]}`)
	}
	after, err := accessListOf(t.Context(), env, atlassim.DemoProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+600 {
		t.Fatalf("%d entries read, want %d (every page, and no security group)", len(after), len(before)+600)
	}
	seen := map[string]bool{}
	for _, e := range after {
		if !strings.Contains(e.CIDR, "/") || seen[e.CIDR] {
			t.Fatalf("entry %q: not a CIDR, or read twice", e.CIDR)
		}
		seen[e.CIDR] = true
	}
	if !seen["198.18.2.200/32"] || !seen["198.18.0.1/32"] {
		t.Fatal("the first or the last entry is missing")
	}
}
