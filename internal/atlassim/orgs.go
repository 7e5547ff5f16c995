package atlassim

import (
	"net/http"
	"strings"
)

func (s *Sim) orgView(c *call, o *org) map[string]any {
	return map[string]any{
		"id":                        o.id,
		"name":                      o.name,
		"isDeleted":                 false,
		"skipDefaultAlertsSettings": false,
		"links":                     selfLinks(c, prefixV2+"/orgs/"+o.id),
	}
}

// listOrgs lists the organizations the credential can see; name filters by a
// case-insensitive prefix, as the spec describes.
func (s *Sim) listOrgs(c *call) reply {
	prefix := strings.ToLower(c.query.Get("name"))
	var items []any
	for _, o := range s.st.orgs {
		if !c.who.canOrg(o.id) || !strings.HasPrefix(strings.ToLower(o.name), prefix) {
			continue
		}
		items = append(items, s.orgView(c, o))
	}
	return listReply(c, items)
}

func (s *Sim) getOrg(c *call) reply { return ok(http.StatusOK, s.orgView(c, c.org)) }
