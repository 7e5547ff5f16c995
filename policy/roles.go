package policy

import (
	"fmt"
	"path"
	"strings"
)

// rolePattern is one entry of allowedRoles or deniedRoles. Database users'
// entries may name the database: "readWrite@app" (role readWrite on database
// app); "readWrite" alone means on any database. Both halves may be path.Match
// patterns ("read*@app", "readWrite@app_*"). Role names never hold '@', so the
// first '@' splits. Names compare case-insensitively after trimming: a policy
// that denies atlasAdmin must deny "AtlasAdmin" and "atlasAdmin " too.
type rolePattern struct {
	rule
	raw  string // as written, for messages and summaries
	name string // folded: lower case for database roles, upper for API key roles
	db   string // lower case; "" means any database
}

func (r rolePattern) String() string { return r.raw }

// anyDatabaseRoles are the built-in roles Atlas grants on admin whose reach is
// every database (or the whole cluster). A constraint that names a database
// cannot contain them, and a denied role on some database is reached by them.
var anyDatabaseRoles = map[string]bool{
	"atlasadmin": true, "readwriteanydatabase": true, "readanydatabase": true,
	"dbadminanydatabase": true, "useradminanydatabase": true, "clustermonitor": true,
	"clustermanager": true, "clusteradmin": true, "backup": true, "restore": true,
	"enablesharding": true, "hostmanager": true, "root": true, "directshardaccess": true,
}

// dbRoleImplies lists, for the built-in roles that include others, what they
// include. atlasAdmin includes every role, custom ones too.
var dbRoleImplies = map[string][]string{
	"readwriteanydatabase": {"readwrite", "read", "readanydatabase"},
	"readanydatabase":      {"read"},
	"dbadminanydatabase":   {"dbadmin"},
	"useradminanydatabase": {"useradmin"},
	"readwrite":            {"read"},
	"root":                 {"readwriteanydatabase", "readwrite", "read", "readanydatabase", "dbadminanydatabase", "dbadmin", "useradminanydatabase", "useradmin"},
}

func foldDBRole(s string) string  { return strings.ToLower(strings.TrimSpace(s)) }
func foldKeyRole(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// parseRolePattern reads one constraint entry; msg is "" when it is valid.
func parseRolePattern(it item, apiKey bool) (rolePattern, string) {
	rp := rolePattern{rule: it.rule, raw: it.value}
	name, db, hasDB := strings.Cut(it.value, "@")
	if apiKey {
		if hasDB {
			return rp, fmt.Sprintf("%q: API key roles have no database; write the role name alone", it.value)
		}
		rp.name = foldKeyRole(name)
		if !strings.HasPrefix(rp.name, "ORG_") && !strings.HasPrefix(rp.name, "GROUP_") {
			return rp, fmt.Sprintf("%q is not an API key role; they are ORG_* or GROUP_* names such as ORG_READ_ONLY", it.value)
		}
	} else {
		rp.name = foldDBRole(name)
		if hasDB {
			rp.db = strings.ToLower(strings.TrimSpace(db))
			if rp.db == "" {
				return rp, fmt.Sprintf("%q names no database after '@'; write role@database, or the role alone for any database", it.value)
			}
			if rp.db == "*" {
				rp.db = ""
			}
			if rp.db != "" && anyDatabaseRoles[rp.name] {
				return rp, fmt.Sprintf("%q: %s applies to every database, so it cannot be limited to one; write %s alone", it.value, strings.TrimSpace(name), strings.TrimSpace(name))
			}
		}
	}
	if rp.name == "" {
		return rp, fmt.Sprintf("%q names no role", it.value)
	}
	for _, p := range []string{rp.name, rp.db} {
		if _, err := path.Match(p, ""); err != nil {
			return rp, fmt.Sprintf("%q is not a valid pattern: %v", it.value, err)
		}
	}
	return rp, ""
}

// String renders a role as role@database(.collection) for messages.
func (r Role) String() string {
	s := r.Name
	if r.Database != "" {
		s += "@" + r.Database
		if r.Collection != "" {
			s += "." + r.Collection
		}
	}
	return s
}

// deniedBy reports whether a deny entry reaches the role. It errs towards
// denying: a role reaches the entry if it matches it or includes it (readWrite
// includes read, readWriteAnyDatabase includes readWrite on every database,
// atlasAdmin includes everything), and an unknown database is assumed to be
// the denied one.
func (d rolePattern) deniesDB(r Role) bool {
	name := foldDBRole(r.Name)
	nameHit := matchFold(d.name, name) || name == "atlasadmin"
	if !nameHit {
		for _, inc := range dbRoleImplies[name] {
			if matchFold(d.name, inc) {
				nameHit = true
				break
			}
		}
	}
	if !nameHit {
		return false
	}
	db := strings.ToLower(strings.TrimSpace(r.Database))
	switch {
	case d.db == "", anyDatabaseRoles[name], db == "":
		return true
	}
	return matchFold(d.db, db)
}

// allowsDB reports whether an allowed entry covers the role. It errs towards
// refusing: an entry that names a database never covers a role whose database
// is unknown or that reaches every database.
func (a rolePattern) allowsDB(r Role) bool {
	name := foldDBRole(r.Name)
	if !matchFold(a.name, name) {
		return false
	}
	if a.db == "" {
		return true
	}
	db := strings.ToLower(strings.TrimSpace(r.Database))
	if db == "" || anyDatabaseRoles[name] {
		return false
	}
	return matchFold(a.db, db)
}

// deniesKey: an owner role includes every role of its family, so denying
// ORG_BILLING_ADMIN also denies ORG_OWNER, and denying any GROUP_ role also
// denies GROUP_OWNER and ORG_OWNER.
func (d rolePattern) deniesKey(role string) bool {
	r := foldKeyRole(role)
	if matchFold(d.name, r) {
		return true
	}
	if r == "ORG_OWNER" {
		return true
	}
	return r == "GROUP_OWNER" && strings.HasPrefix(d.name, "GROUP_")
}

func (a rolePattern) allowsKey(role string) bool { return matchFold(a.name, foldKeyRole(role)) }

// matchFold matches a folded pattern against a folded value; a malformed
// pattern (refused at load) matches nothing.
func matchFold(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

func rolePatterns(ps []rolePattern) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.raw
	}
	return strings.Join(s, ", ")
}

func (p *Policy) checkDBRoles(rc roleConstraints, id string, roles []Role, t *trace) (Decision, bool) {
	for _, r := range roles {
		for _, d := range rc.denied {
			if d.deniesDB(r) {
				t.step(false, "%s: database user role %s is denied", p.ruleName(d.rule), r)
				return p.deny(d.rule, fmt.Sprintf("database user role %s is denied by this policy (%s); choose a narrower role", r, d.raw)), true
			}
		}
		if len(rc.allowed) > 0 {
			ok := false
			for _, a := range rc.allowed {
				if a.allowsDB(r) {
					ok = true
					break
				}
			}
			if !ok {
				t.step(false, "%s: database user role %s is not allowed", p.ruleName(rc.allowedRule), r)
				return p.deny(rc.allowedRule, fmt.Sprintf("database user role %s is not allowed by this policy; allowed: %s (role@database names the database; a role alone means any database)", r, rolePatterns(rc.allowed))), true
			}
		}
	}
	if len(roles) > 0 && rc.set() {
		t.step(true, "database user roles pass %s", id)
	}
	return Decision{}, false
}

func (p *Policy) checkKeyRoles(rc roleConstraints, id string, roles []string, t *trace) (Decision, bool) {
	for _, r := range roles {
		for _, d := range rc.denied {
			if d.deniesKey(r) {
				t.step(false, "%s: API key role %s is denied", p.ruleName(d.rule), r)
				return p.deny(d.rule, fmt.Sprintf("API key role %s is denied by this policy (%s); choose a narrower role", r, d.raw)), true
			}
		}
		if len(rc.allowed) > 0 {
			ok := false
			for _, a := range rc.allowed {
				if a.allowsKey(r) {
					ok = true
					break
				}
			}
			if !ok {
				t.step(false, "%s: API key role %s is not allowed", p.ruleName(rc.allowedRule), r)
				return p.deny(rc.allowedRule, fmt.Sprintf("API key role %s is not allowed by this policy; allowed: %s", r, rolePatterns(rc.allowed))), true
			}
		}
	}
	if len(roles) > 0 && rc.set() {
		t.step(true, "API key roles pass %s", id)
	}
	return Decision{}, false
}
