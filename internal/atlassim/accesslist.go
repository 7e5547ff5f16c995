package atlassim

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

var securityGroupRE = lazyRegexp(`^([0-9]*/)?sg-[0-9a-f]+$`)

// key is the entry's identity: an IP address and its /32 (or /128) CIDR are
// the same entry, as in Atlas.
func (e *accessEntry) key() string {
	if e.awsSecurityGroup != "" {
		return e.awsSecurityGroup
	}
	return e.cidrBlock
}

func (s *Sim) accessView(c *call, e *accessEntry) map[string]any {
	v := map[string]any{"groupId": c.proj.id}
	if e.awsSecurityGroup != "" {
		v["awsSecurityGroup"] = e.awsSecurityGroup
	} else {
		v["cidrBlock"] = e.cidrBlock
	}
	if e.ipAddress != "" {
		v["ipAddress"] = e.ipAddress
	}
	if e.comment != "" {
		v["comment"] = e.comment
	}
	if e.deleteAfter != nil {
		v["deleteAfterDate"] = ts(*e.deleteAfter)
	}
	entryValue := e.key()
	if e.ipAddress != "" {
		entryValue = e.ipAddress
	}
	v["links"] = selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/accessList/"+url.PathEscape(entryValue))
	return v
}

func (s *Sim) accessItems(c *call) []any {
	items := make([]any, 0, len(c.proj.access))
	for _, e := range c.proj.access {
		items = append(items, s.accessView(c, e))
	}
	return items
}

func (s *Sim) listAccess(c *call) reply { return listReply(c, s.accessItems(c)) }

func badAddress(v string) *apiError {
	return newErr(http.StatusBadRequest, codeInvalidIPOrCIDR,
		"The address %s must be in valid IP address or CIDR notation.", v).with(v)
}

// createAccess adds (or, for an entry already present, updates) every entry of
// the JSON array body, all or nothing, and answers with the whole list.
func (s *Sim) createAccess(c *call) reply {
	var raw any
	if e := decodeJSON(c.body, &raw); e != nil {
		return fail(e)
	}
	arr, isArr := raw.([]any)
	if !isArr {
		return fail(newErr(http.StatusBadRequest, codeInvalidJSON, "Received JSON is malformed: the body must be a JSON array of access list entries."))
	}
	if len(arr) == 0 {
		return fail(invalidValue("accessList", "the array must hold at least one entry"))
	}
	entries := make([]*accessEntry, 0, len(arr))
	for i, item := range arr {
		e, err := parseAccessEntry(item, fmt.Sprintf("[%d]", i), c.now)
		if err != nil {
			return fail(err)
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		replaced := false
		for i, old := range c.proj.access {
			if old.key() == e.key() {
				c.proj.access[i] = e
				replaced = true
				break
			}
		}
		if !replaced {
			c.proj.access = append(c.proj.access, e)
		}
	}
	return listReply(c, s.accessItems(c))
}

func parseAccessEntry(item any, path string, now time.Time) (*accessEntry, *apiError) {
	m, isObj := item.(map[string]any)
	if !isObj {
		return nil, invalidValue(path, "each entry is an object")
	}
	if e := checkKeys(m, []string{"ipAddress", "cidrBlock", "awsSecurityGroup", "comment", "deleteAfterDate"},
		[]string{"groupId", "links"}); e != nil {
		return nil, e
	}
	ip, hasIP, e := getString(m, "ipAddress", path+".ipAddress")
	if e != nil {
		return nil, e
	}
	cidr, hasCIDR, e := getString(m, "cidrBlock", path+".cidrBlock")
	if e != nil {
		return nil, e
	}
	sg, hasSG, e := getString(m, "awsSecurityGroup", path+".awsSecurityGroup")
	if e != nil {
		return nil, e
	}
	n := 0
	for _, b := range []bool{hasIP, hasCIDR, hasSG} {
		if b {
			n++
		}
	}
	if n != 1 {
		return nil, invalidValue(path, "give exactly one of ipAddress, cidrBlock or awsSecurityGroup")
	}
	entry := &accessEntry{}
	switch {
	case hasIP:
		addr, err := netip.ParseAddr(ip)
		if err != nil || addr.Zone() != "" {
			return nil, badAddress(ip)
		}
		entry.ipAddress = addr.String()
		entry.cidrBlock = netip.PrefixFrom(addr, addr.BitLen()).String()
	case hasCIDR:
		// The spec's pattern also admits %2F for the slash; accept either.
		norm := strings.NewReplacer("%2F", "/", "%2f", "/").Replace(cidr)
		pfx, err := netip.ParsePrefix(norm)
		if err != nil || pfx.Masked() != pfx {
			return nil, badAddress(cidr)
		}
		entry.cidrBlock = pfx.String()
	case hasSG:
		if !securityGroupRE().MatchString(sg) {
			return nil, invalidValue(path+".awsSecurityGroup", fmt.Sprintf("%q is not an AWS security group ID (sg-…)", sg))
		}
		entry.awsSecurityGroup = sg
	}
	if cm, has, e := getString(m, "comment", path+".comment"); e != nil {
		return nil, e
	} else if has {
		if len(cm) > 80 {
			return nil, invalidValue(path+".comment", "must be at most 80 characters")
		}
		entry.comment = cm
	}
	if d, has, e := getString(m, "deleteAfterDate", path+".deleteAfterDate"); e != nil {
		return nil, e
	} else if has {
		t, e := parseTime(d, path+".deleteAfterDate")
		if e != nil {
			return nil, e
		}
		if !t.After(now) || t.After(now.Add(7*24*time.Hour)) {
			return nil, invalidValue(path+".deleteAfterDate", "must be in the future and at most one week ahead")
		}
		entry.deleteAfter = &t
	}
	return entry, nil
}

func (s *Sim) deleteAccess(c *call) reply {
	value := c.params["entryValue"]
	key := value
	if addr, err := netip.ParseAddr(value); err == nil {
		key = netip.PrefixFrom(addr, addr.BitLen()).String()
	} else if pfx, err := netip.ParsePrefix(value); err == nil {
		key = pfx.String()
	}
	for i, e := range c.proj.access {
		if e.key() == key {
			c.proj.access = append(c.proj.access[:i], c.proj.access[i+1:]...)
			return reply{status: http.StatusNoContent}
		}
	}
	return fail(newErr(http.StatusNotFound, codeAccessNotFound,
		"IP address %s not on Atlas access list for group %s.", value, c.proj.id).with(value, c.proj.id))
}
