package atlassim

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// groupNameChars is Atlas's project-name class; the 1..64 length is checked
// in runes apart (validGroupName), because `{1,64}` on a Unicode class compiles
// 64 copies of it (~2.5 MB at start-up).
var groupNameChars = lazyRegexp(`^[\p{L}\p{N}\-_.(),:&@+']+$`)

func validGroupName(s string) bool {
	return utf8.RuneCountInString(s) <= 64 && groupNameChars().MatchString(s)
}

func (s *Sim) groupView(c *call, p *project) map[string]any {
	tags := p.tags
	if tags == nil {
		tags = []any{}
	}
	return map[string]any{
		"id":                        p.id,
		"name":                      p.name,
		"orgId":                     p.orgID,
		"created":                   ts(p.created),
		"clusterCount":              len(p.clusters),
		"regionUsageRestrictions":   restrictionOf(p),
		"tags":                      deepCopy(tags),
		"withDefaultAlertsSettings": p.withAlerts,
		"links":                     selfLinks(c, prefixV2+"/groups/"+p.id),
	}
}

func (s *Sim) listGroups(c *call) reply {
	var items []any
	for _, p := range s.st.projects {
		if !c.who.canOrg(p.orgID) {
			continue
		}
		p.settle(c.now)
		items = append(items, s.groupView(c, p))
	}
	return listReply(c, items)
}

func (s *Sim) getGroup(c *call) reply { return ok(http.StatusOK, s.groupView(c, c.proj)) }

func (s *Sim) createGroup(c *call) reply {
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkKeys(m, []string{"name", "orgId", "regionUsageRestrictions", "tags", "withDefaultAlertsSettings"},
		[]string{"id", "created", "clusterCount", "links"}); e != nil {
		return fail(e)
	}
	name, has, e := getString(m, "name", "name")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("name"))
	}
	if !validGroupName(name) {
		return fail(invalidValue("name", "a project name is 1 to 64 letters, digits, spaces excluded, or - _ . ( ) , : & @ + '"))
	}
	orgID, has, e := getString(m, "orgId", "orgId")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("orgId"))
	}
	if !isObjectID(orgID) {
		return fail(newErr(http.StatusBadRequest, codeInvalidOrgID, "The specified organization ID %s is invalid.", orgID).with(orgID))
	}
	o := s.st.org(orgID)
	if o == nil {
		return fail(newErr(http.StatusNotFound, codeOrgNotFound, "No organization with ID %s exists.", orgID).with(orgID))
	}
	if !c.who.canOrg(orgID) {
		return fail(forbidden())
	}
	for _, p := range s.st.projects {
		if p.orgID == orgID && strings.EqualFold(p.name, name) {
			return fail(newErr(http.StatusConflict, codeGroupExists, "A group with name %q already exists.", name).with(name))
		}
	}
	restriction := regionsCommercial
	if r, has, e := getString(m, "regionUsageRestrictions", "regionUsageRestrictions"); e != nil {
		return fail(e)
	} else if has {
		allowed := []string{regionsCommercial, regionsGovOnly}
		if !contains(allowed, r) {
			return fail(invalidEnum("regionUsageRestrictions", r, allowed))
		}
		if r == regionsGovOnly && !s.opts.Gov {
			return fail(invalidValue("regionUsageRestrictions", "GOV_REGIONS_ONLY is only available in Atlas for Government"))
		}
		restriction = r
	}
	tags, _, e := getArray(m, "tags", "tags")
	if e != nil {
		return fail(e)
	}
	for i, t := range tags {
		tm, isObj := t.(map[string]any)
		if !isObj {
			return fail(invalidValue("tags", "each tag is an object {key, value}"))
		}
		k, _, _ := getString(tm, "key", "")
		v, _, _ := getString(tm, "value", "")
		if k == "" || v == "" {
			return fail(invalidValue("tags", "tag "+strconv.Itoa(i)+" needs a key and a value"))
		}
	}
	withAlerts := true
	if b, has, e := getBool(m, "withDefaultAlertsSettings", "withDefaultAlertsSettings"); e != nil {
		return fail(e)
	} else if has {
		withAlerts = b
	}
	p := &project{
		id: newID(), name: name, orgID: orgID, created: c.now, restriction: restriction,
		withAlerts: withAlerts,
	}
	if tags != nil {
		p.tags = deepCopy(tags).([]any)
	}
	s.st.projects = append(s.st.projects, p)
	return ok(http.StatusOK, s.groupView(c, p))
}

func (s *Sim) deleteGroup(c *call) reply {
	if len(c.proj.clusters) > 0 {
		return fail(newErr(http.StatusConflict, codeGroupHasClusters,
			"We could not delete this project because it has active Atlas clusters. Please terminate all clusters first (%d remaining).",
			len(c.proj.clusters)).with(c.proj.id))
	}
	s.st.removeProject(c.proj.id)
	return reply{status: http.StatusNoContent}
}
