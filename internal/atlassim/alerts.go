package atlassim

import (
	"fmt"
	"net/http"
)

var eventTypeRE = lazyRegexp(`^[A-Z][A-Z0-9_]*$`)

func (s *Sim) listAlerts(c *call) reply {
	status := c.query.Get("status")
	statuses := []string{"OPEN", "TRACKING", "CLOSED"}
	if status != "" && !contains(statuses, status) {
		return fail(newErr(http.StatusBadRequest, codeInvalidQueryParameter,
			"Invalid value %q for query parameter status; expected one of OPEN, TRACKING, CLOSED.", status).with("status", status))
	}
	var items []any
	for _, a := range c.proj.alerts {
		if status != "" && a["status"] != status {
			continue
		}
		v := copyObject(a)
		v["links"] = selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/alerts/"+a["id"].(string))
		items = append(items, v)
	}
	return listReply(c, items)
}

func (s *Sim) alertConfigView(c *call, a map[string]any) map[string]any {
	v := copyObject(a)
	v["links"] = selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/alertConfigs/"+a["id"].(string))
	return v
}

func (s *Sim) listAlertConfigs(c *call) reply {
	items := make([]any, 0, len(c.proj.alertConfigs))
	for _, a := range c.proj.alertConfigs {
		items = append(items, s.alertConfigView(c, a))
	}
	return listReply(c, items)
}

// createAlertConfig checks what every GroupAlertsConfig variant requires
// (eventTypeName, notifications each with a typeName) and stores the rest as
// sent: the 18 variants are a oneOf without discriminator, so the simulator
// does not guess which one a body meant.
func (s *Sim) createAlertConfig(c *call) reply {
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	for _, k := range []string{"id", "groupId", "created", "updated", "links"} {
		delete(m, k)
	}
	et, has, e := getString(m, "eventTypeName", "eventTypeName")
	if e != nil {
		return fail(e)
	}
	if !has || et == "" {
		return fail(missing("eventTypeName"))
	}
	if !eventTypeRE().MatchString(et) {
		return fail(invalidValue("eventTypeName", fmt.Sprintf("%q is not an event type name", et)))
	}
	notes, has, e := getArray(m, "notifications", "notifications")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("notifications"))
	}
	if len(notes) == 0 {
		return fail(invalidValue("notifications", "an alert configuration needs at least one notification"))
	}
	for i, n := range notes {
		path := fmt.Sprintf("notifications[%d]", i)
		nm, isObj := n.(map[string]any)
		if !isObj {
			return fail(invalidValue(path, "must be an object"))
		}
		tn, has, e := getString(nm, "typeName", path+".typeName")
		if e != nil {
			return fail(e)
		}
		if !has || tn == "" {
			return fail(missing(path + ".typeName"))
		}
		if tn == "EMAIL" {
			if addr, _, _ := getString(nm, "emailAddress", ""); addr == "" {
				return fail(missing(path + ".emailAddress"))
			}
		}
	}
	if _, _, e := getBool(m, "enabled", "enabled"); e != nil {
		return fail(e)
	}
	if _, has := m["enabled"]; !has {
		m["enabled"] = false
	}
	a := copyObject(m)
	a["id"] = newID()
	a["groupId"] = c.proj.id
	a["created"] = ts(c.now)
	a["updated"] = ts(c.now)
	c.proj.alertConfigs = append(c.proj.alertConfigs, a)
	return ok(http.StatusOK, s.alertConfigView(c, a))
}
