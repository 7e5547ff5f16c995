package atlassim

import (
	"net/http"
)

func orgRoles() []string {
	return []string{"ORG_OWNER", "ORG_MEMBER", "ORG_GROUP_CREATOR", "ORG_BILLING_ADMIN", "ORG_BILLING_READ_ONLY",
		"ORG_STREAM_PROCESSING_ADMIN", "ORG_READ_ONLY"}
}

// maskPrivateKey hides all but the last 12 characters, as Atlas lists keys.
func maskPrivateKey(k string) string {
	if len(k) <= 12 {
		return "********-****-****-" + k
	}
	return "********-****-****-" + k[len(k)-12:]
}

// apiKeyView is ApiKeyUserDetails; the private key is whole only in the
// answer to the POST that created it.
func (s *Sim) apiKeyView(c *call, k *apiKey, reveal bool) map[string]any {
	roles := make([]any, 0, len(k.roles))
	for _, r := range k.roles {
		roles = append(roles, map[string]any{"orgId": k.orgID, "roleName": r})
	}
	priv := maskPrivateKey(k.privateKey)
	if reveal {
		priv = k.privateKey
	}
	return map[string]any{
		"id":         k.id,
		"desc":       k.desc,
		"publicKey":  k.publicKey,
		"privateKey": priv,
		"roles":      roles,
		"links":      selfLinks(c, prefixV2+"/orgs/"+k.orgID+"/apiKeys/"+k.id),
	}
}

func (s *Sim) listAPIKeys(c *call) reply {
	var items []any
	for _, k := range s.st.apiKeys {
		if k.orgID == c.org.id {
			items = append(items, s.apiKeyView(c, k, false))
		}
	}
	return listReply(c, items)
}

// createAPIKey mints a key that really works: its public and private key
// authenticate by Digest (and App Services login), limited to this org.
func (s *Sim) createAPIKey(c *call) reply {
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkKeys(m, []string{"desc", "roles"}, nil); e != nil {
		return fail(e)
	}
	desc, has, e := getString(m, "desc", "desc")
	if e != nil {
		return fail(e)
	}
	if !has || desc == "" {
		return fail(missing("desc"))
	}
	if len(desc) > 250 {
		return fail(invalidValue("desc", "must be at most 250 characters"))
	}
	rawRoles, has, e := getArray(m, "roles", "roles")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("roles"))
	}
	if len(rawRoles) == 0 {
		return fail(invalidValue("roles", "an API key needs at least one role"))
	}
	var roles []string
	for _, r := range rawRoles {
		rs, isStr := r.(string)
		if !isStr || !contains(orgRoles(), rs) {
			return fail(invalidEnum("roles", r, orgRoles()))
		}
		if !contains(roles, rs) {
			roles = append(roles, rs)
		}
	}
	k := &apiKey{
		id: newID(), orgID: c.org.id, desc: desc, publicKey: randomLower(8), privateKey: newUUID(),
		roles: roles, created: c.now,
	}
	s.st.apiKeys = append(s.st.apiKeys, k)
	return ok(http.StatusOK, s.apiKeyView(c, k, true))
}

func (s *Sim) deleteAPIKey(c *call) reply {
	id := c.params["apiUserId"]
	for i, k := range s.st.apiKeys {
		if k.id == id && k.orgID == c.org.id {
			s.st.apiKeys = append(s.st.apiKeys[:i], s.st.apiKeys[i+1:]...)
			// A deleted key stops working at once, App Services sessions included.
			for t, sess := range s.asAccess {
				if sess.who.id == k.publicKey {
					delete(s.asAccess, t)
				}
			}
			for t, sess := range s.asRefresh {
				if sess.who.id == k.publicKey {
					delete(s.asRefresh, t)
				}
			}
			return reply{status: http.StatusNoContent}
		}
	}
	return fail(newErr(http.StatusNotFound, codeAPIKeyNotFound, "No API key with ID %s exists.", id).with(id))
}
