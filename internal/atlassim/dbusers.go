package atlassim

import (
	"fmt"
	"net/http"
	"net/url"
)

func (s *Sim) dbUserView(c *call, u *dbUser) map[string]any {
	v := map[string]any{
		"awsIAMType":   "NONE",
		"ldapAuthType": "NONE",
		"oidcAuthType": "NONE",
		"x509Type":     "NONE",
		"labels":       []any{},
		"scopes":       []any{},
	}
	for k, x := range u.doc {
		v[k] = deepCopy(x)
	}
	v["groupId"] = c.proj.id
	v["links"] = selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/databaseUsers/"+url.PathEscape(u.databaseName)+"/"+url.PathEscape(u.username))
	return v
}

func (s *Sim) listDBUsers(c *call) reply {
	items := make([]any, 0, len(c.proj.users))
	for _, u := range c.proj.users {
		items = append(items, s.dbUserView(c, u))
	}
	return listReply(c, items)
}

func (s *Sim) createDBUser(c *call) reply {
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkKeys(m, []string{"username", "databaseName", "groupId", "roles", "password", "scopes", "awsIAMType",
		"x509Type", "ldapAuthType", "oidcAuthType", "deleteAfterDate", "description", "labels"}, []string{"links"}); e != nil {
		return fail(e)
	}
	username, has, e := getString(m, "username", "username")
	if e != nil {
		return fail(e)
	}
	if !has || username == "" {
		return fail(missing("username"))
	}
	if len(username) > 1024 {
		return fail(invalidValue("username", "must be at most 1024 characters"))
	}
	dbName, has, e := getString(m, "databaseName", "databaseName")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("databaseName"))
	}
	if !contains([]string{"admin", "$external"}, dbName) {
		return fail(invalidEnum("databaseName", dbName, []string{"admin", "$external"}))
	}
	// The spec lists groupId as a required body attribute. Clients that omit it
	// are served (the path names the project); one that contradicts the path is not.
	if gid, has, e := getString(m, "groupId", "groupId"); e != nil {
		return fail(e)
	} else if has && gid != c.proj.id {
		return fail(invalidValue("groupId", fmt.Sprintf("%s does not match the project in the path (%s)", gid, c.proj.id)))
	}
	roles, has, e := getArray(m, "roles", "roles")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("roles"))
	}
	if len(roles) == 0 {
		return fail(invalidValue("roles", "a database user needs at least one role"))
	}
	for i, r := range roles {
		path := fmt.Sprintf("roles[%d]", i)
		rm, isObj := r.(map[string]any)
		if !isObj {
			return fail(invalidValue(path, "must be an object {roleName, databaseName}"))
		}
		if e := checkKeys(rm, []string{"roleName", "databaseName", "collectionName"}, nil); e != nil {
			return fail(e)
		}
		for _, k := range []string{"roleName", "databaseName"} {
			v, has, e := getString(rm, k, path+"."+k)
			if e != nil {
				return fail(e)
			}
			if !has || v == "" {
				return fail(missing(path + "." + k))
			}
		}
	}
	external := false
	for _, k := range []string{"awsIAMType", "x509Type", "ldapAuthType", "oidcAuthType"} {
		allowed := map[string][]string{
			"awsIAMType":   {"NONE", "USER", "ROLE"},
			"x509Type":     {"NONE", "CUSTOMER", "MANAGED"},
			"ldapAuthType": {"NONE", "GROUP", "USER"},
			"oidcAuthType": {"NONE", "IDP_GROUP", "USER"},
		}[k]
		v, has, e := getString(m, k, k)
		if e != nil {
			return fail(e)
		}
		if !has {
			continue
		}
		if !contains(allowed, v) {
			return fail(invalidEnum(k, v, allowed))
		}
		if v != "NONE" {
			external = true
		}
	}
	password, hasPassword, e := getString(m, "password", "password")
	if e != nil {
		return fail(e)
	}
	switch {
	case !external && dbName == "$external":
		return fail(invalidValue("databaseName", "$external requires an x509Type, awsIAMType, ldapAuthType or oidcAuthType"))
	case !external && !hasPassword:
		return fail(missing("password"))
	case !external && len(password) < 8:
		return fail(invalidValue("password", "must be at least 8 characters"))
	case external && hasPassword:
		return fail(invalidValue("password", "only SCRAM users (authentication database admin) have a password"))
	}
	if d, has, e := getString(m, "description", "description"); e != nil {
		return fail(e)
	} else if has && len(d) > 100 {
		return fail(invalidValue("description", "must be at most 100 characters"))
	}
	if d, has, e := getString(m, "deleteAfterDate", "deleteAfterDate"); e != nil {
		return fail(e)
	} else if has {
		t, e := parseTime(d, "deleteAfterDate")
		if e != nil {
			return fail(e)
		}
		if !t.After(c.now) {
			return fail(invalidValue("deleteAfterDate", "must be in the future"))
		}
	}
	scopes, _, e := getArray(m, "scopes", "scopes")
	if e != nil {
		return fail(e)
	}
	for i, sc := range scopes {
		path := fmt.Sprintf("scopes[%d]", i)
		sm, isObj := sc.(map[string]any)
		if !isObj {
			return fail(invalidValue(path, "must be an object {name, type}"))
		}
		name, _, _ := getString(sm, "name", "")
		typ, _, _ := getString(sm, "type", "")
		if name == "" {
			return fail(missing(path + ".name"))
		}
		if !contains([]string{"CLUSTER", "DATA_LAKE", "STREAM"}, typ) {
			return fail(invalidEnum(path+".type", typ, []string{"CLUSTER", "DATA_LAKE", "STREAM"}))
		}
	}
	for _, u := range c.proj.users {
		if u.username == username && u.databaseName == dbName {
			return fail(newErr(http.StatusConflict, codeUserExists, "The specified database user %s already exists.", username).with(username))
		}
	}
	doc := copyObject(m)
	delete(doc, "password")
	delete(doc, "groupId")
	u := &dbUser{username: username, databaseName: dbName, password: password, doc: doc}
	c.proj.users = append(c.proj.users, u)
	return ok(http.StatusCreated, s.dbUserView(c, u))
}

func (s *Sim) deleteDBUser(c *call) reply {
	dbName, username := c.params["databaseName"], c.params["username"]
	for i, u := range c.proj.users {
		if u.username == username && u.databaseName == dbName {
			c.proj.users = append(c.proj.users[:i], c.proj.users[i+1:]...)
			return reply{status: http.StatusNoContent}
		}
	}
	return fail(newErr(http.StatusNotFound, codeUsernameNotFound,
		"No user with username %s exists in authentication database %s.", username, dbName).with(username, dbName))
}
