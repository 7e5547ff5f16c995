package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// dbUserTools are the tools of this area, in the catalogue's order (reads first).
func dbUserTools() []*Tool {
	return []*Tool{listDBUsers(), createDBUser(), deleteDBUser()}
}

// dbUser is the part of CloudDatabaseUser the summaries use. It has no password
// field on purpose: Atlas never returns one, and nothing we build from this type
// can echo the one the agent sent.
type dbUser struct {
	Username        string              `json:"username"`
	DatabaseName    string              `json:"databaseName"`
	Roles           []DatabaseUserRole  `json:"roles"`
	Scopes          []DatabaseUserScope `json:"scopes"`
	Description     string              `json:"description"`
	DeleteAfterDate string              `json:"deleteAfterDate"`
	X509Type        string              `json:"x509Type"`
	AWSIAMType      string              `json:"awsIAMType"`
	LDAPAuthType    string              `json:"ldapAuthType"`
	OIDCAuthType    string              `json:"oidcAuthType"`
}

// DBUserSummary is the compact view of a database user.
type DBUserSummary struct {
	Username        string   `json:"username"`
	DatabaseName    string   `json:"databaseName" jsonschema_description:"Authentication database: admin for SCRAM users, $external for x.509, AWS IAM and LDAP/OIDC users."`
	AuthType        string   `json:"authType" jsonschema_description:"SCRAM, or the external mechanism (X509 MANAGED, AWS_IAM ROLE, LDAP GROUP, OIDC USER, ...)."`
	Roles           []string `json:"roles" jsonschema_description:"Roles as role@database or role@database.collection."`
	Scopes          []string `json:"scopes,omitempty" jsonschema_description:"Resources the user is limited to, as TYPE:name; empty means every cluster of the project."`
	Description     string   `json:"description,omitempty"`
	DeleteAfterDate string   `json:"deleteAfterDate,omitempty" jsonschema_description:"When Atlas deletes this temporary user."`
}

func (u *dbUser) summary() DBUserSummary {
	s := DBUserSummary{Username: u.Username, DatabaseName: u.DatabaseName, AuthType: "SCRAM", Description: u.Description, DeleteAfterDate: u.DeleteAfterDate, Roles: []string{}}
	for _, a := range []struct{ name, v string }{{"X509", u.X509Type}, {"AWS_IAM", u.AWSIAMType}, {"LDAP", u.LDAPAuthType}, {"OIDC", u.OIDCAuthType}} {
		if a.v != "" && a.v != "NONE" {
			s.AuthType = a.name + " " + a.v
		}
	}
	for _, r := range u.Roles {
		role := r.RoleName + "@" + r.DatabaseName
		if r.CollectionName != "" {
			role += "." + r.CollectionName
		}
		s.Roles = append(s.Roles, role)
	}
	for _, sc := range u.Scopes {
		s.Scopes = append(s.Scopes, sc.Type+":"+sc.Name)
	}
	return s
}

func dbUserRows(us []DBUserSummary) string {
	rows := make([][]string, 0, len(us))
	for _, u := range us {
		scopes := "all clusters"
		if len(u.Scopes) > 0 {
			scopes = strings.Join(u.Scopes, ",")
		}
		rows = append(rows, []string{u.Username, u.DatabaseName, u.AuthType, strings.Join(u.Roles, ","), scopes, orDash(u.DeleteAfterDate)})
	}
	return table([]string{"USERNAME", "AUTH DB", "AUTH", "ROLES", "SCOPES", "EXPIRES"}, rows)
}

// --- atlas-list-db-users ---

// ListDBUsersInput lists the database users of one project.
type ListDBUsersInput = ProjectList

func listDBUsers() *Tool {
	return listSpec[ListDBUsersInput, DBUserSummary]{
		Name:        "atlas-list-db-users",
		Title:       "List database users",
		Description: "List a project's database users: auth database, mechanism, roles, scopes, expiry; never passwords.",
		Area:        AreaDatabaseUsers,
		Op:          atlasclient.ListGroupDatabaseUsers,
		FromDoc:     fromDoc((*dbUser).summary),
		What:        func(in *ListDBUsersInput) string { return "Database users in project " + in.ProjectID },
		Noun:        "database users",
		Rows:        dbUserRows,
	}.tool()
}

// --- atlas-create-db-user ---

// DatabaseUserRole grants one role on one database (or collection).
type DatabaseUserRole struct {
	RoleName       string `json:"roleName" jsonschema:"required,minLength=1,maxLength=64" jsonschema_description:"Built-in or custom role, e.g. readWrite."`
	DatabaseName   string `json:"databaseName,omitempty" jsonschema_description:"Default admin; required for read, readWrite, dbAdmin."`
	CollectionName string `json:"collectionName,omitempty" jsonschema:"maxLength=255"`
}

// DatabaseUserScope limits a user to some clusters, federated database
// instances or stream processing instances of the project.
type DatabaseUserScope struct {
	Name string `json:"name" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$"`
	Type string `json:"type" jsonschema:"required,enum=CLUSTER,enum=DATA_LAKE,enum=STREAM"`
}

// CreateDBUserInput creates a database user from flat arguments.
type CreateDBUserInput struct {
	ProjectScope
	Username        string              `json:"username" jsonschema:"required,minLength=1,maxLength=1024" jsonschema_description:"Login name, or a DN or ARN."`
	Password        Secret              `json:"password,omitempty" jsonschema:"minLength=8" jsonschema_description:"SCRAM users only (required). Never shown."`
	DatabaseName    string              `json:"databaseName,omitempty" jsonschema:"enum=admin,enum=$external" jsonschema_description:"admin (default), or $external for x.509, AWS IAM, LDAP/OIDC USER."`
	Roles           []DatabaseUserRole  `json:"roles" jsonschema:"required,minItems=1" jsonschema_description:"At least one."`
	Scopes          []DatabaseUserScope `json:"scopes,omitempty" jsonschema_description:"Only these; omit for all."`
	Description     string              `json:"description,omitempty" jsonschema:"maxLength=100" jsonschema_description:"What the user is for."`
	DeleteAfterDate string              `json:"deleteAfterDate,omitempty" jsonschema:"format=date-time" jsonschema_description:"Atlas deletes it then (within a week)."`
	Mechanism       string              `json:"mechanism,omitempty" jsonschema:"enum=SCRAM-SHA-256,enum=SCRAM-SHA-1" jsonschema_description:"Only SCRAM-SHA-256; not sent."`
	X509Type        string              `json:"x509Type,omitempty" jsonschema:"enum=NONE,enum=MANAGED,enum=CUSTOMER" jsonschema_description:"x.509 user ($external, no password)."`
	AWSIAMType      string              `json:"awsIAMType,omitempty" jsonschema:"enum=NONE,enum=USER,enum=ROLE" jsonschema_description:"AWS IAM user (username an ARN)."`
	LDAPAuthType    string              `json:"ldapAuthType,omitempty" jsonschema:"enum=NONE,enum=USER,enum=GROUP" jsonschema_description:"LDAP user or group (no password)."`
	OIDCAuthType    string              `json:"oidcAuthType,omitempty" jsonschema:"enum=NONE,enum=USER,enum=IDP_GROUP" jsonschema_description:"OIDC user or group (no password)."`
	WriteOptions

	external string // the external mechanism chosen, for messages
}

// adminOnlyRole reports the built-in roles Atlas grants on the admin database only.
func adminOnlyRole(name string) bool {
	switch name {
	case "atlasAdmin", "readWriteAnyDatabase", "readAnyDatabase", "dbAdminAnyDatabase", "clusterMonitor", "backup", "enableSharding":
		return true
	}
	return false
}

// builtInRoles are the built-in roles Atlas grants, spelt as Atlas spells
// them: role names are case-sensitive, so AtlasAdmin is not atlasAdmin.
var builtInRoles = []string{"atlasAdmin", "readWriteAnyDatabase", "readAnyDatabase", "dbAdminAnyDatabase", "clusterMonitor", "backup", "enableSharding", "readWrite", "read", "dbAdmin"}

// checkRoleSpelling refuses a role name that is a built-in role in another
// spelling (AtlasAdmin, READWRITE) and one with surrounding spaces: Atlas
// would refuse it, or take it as a custom role of that name, while a person
// and a policy reading "atlasAdmin " would see atlasAdmin. Custom roles
// (any other name) stay allowed.
func checkRoleSpelling(field, name string) error {
	if t := strings.TrimSpace(name); t != name {
		fix := "remove the spaces"
		if b := builtInRole(t); b != "" {
			fix = fmt.Sprintf("write %q", b)
		}
		return invalid(field, fmt.Sprintf("%q has spaces around the role name", truncate(name, 70)), fix)
	}
	if b := builtInRole(name); b != "" && b != name {
		return invalid(field, fmt.Sprintf("%q is not a role; role names are case-sensitive", truncate(name, 70)), fmt.Sprintf("write the built-in role as %q", b))
	}
	return nil
}

// builtInRole is the built-in role name matches without regard to case, or "".
func builtInRole(name string) string {
	for _, b := range builtInRoles {
		if strings.EqualFold(b, name) {
			return b
		}
	}
	return ""
}

// perDatabaseRole reports the built-in roles that need the database they apply to.
func perDatabaseRole(name string) bool {
	return name == "read" || name == "readWrite" || name == "dbAdmin"
}

// checkDatabaseName applies MongoDB's database naming rules.
func checkDatabaseName(field, v string) error {
	if v == "" {
		return invalid(field, "is required", "name the database the role applies to")
	}
	if len(v) > 63 || strings.ContainsAny(v, "/\\. \"$*<>:|?") || strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return invalid(field, fmt.Sprintf("%q is not a valid MongoDB database name", truncate(v, 70)), "use at most 63 bytes without spaces or any of / \\ . \" $ * < > : | ?")
	}
	return nil
}

func (in *CreateDBUserInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	if err := checkText("username", in.Username); err != nil {
		return err
	}
	if err := in.prepareAuth(env); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range in.Roles {
		r := &in.Roles[i]
		f := fmt.Sprintf("roles[%d]", i)
		if err := checkText(f+".roleName", r.RoleName); err != nil {
			return err
		}
		if err := checkRoleSpelling(f+".roleName", r.RoleName); err != nil {
			return err
		}
		switch {
		case perDatabaseRole(r.RoleName):
			if r.DatabaseName == "" {
				return invalid(f+".databaseName", fmt.Sprintf("is required for role %s", r.RoleName), "name the database it applies to, e.g. sales")
			}
		case r.DatabaseName == "":
			// Atlas grants the *AnyDatabase roles, atlasAdmin and custom
			// roles on admin; filling it saves the agent a round trip.
			r.DatabaseName = "admin"
		case adminOnlyRole(r.RoleName) && r.DatabaseName != "admin":
			return invalid(f+".databaseName", fmt.Sprintf("must be admin for role %s, got %q", r.RoleName, truncate(r.DatabaseName, 40)), "omit databaseName (it defaults to admin), or use read/readWrite/dbAdmin for one database")
		}
		if err := checkDatabaseName(f+".databaseName", r.DatabaseName); err != nil {
			return err
		}
		if r.CollectionName != "" {
			if r.RoleName != "read" && r.RoleName != "readWrite" {
				return invalid(f+".collectionName", fmt.Sprintf("cannot be used with role %s", r.RoleName), "only read and readWrite can be limited to a collection; remove collectionName")
			}
			if err := checkText(f+".collectionName", r.CollectionName); err != nil {
				return err
			}
			if strings.HasPrefix(r.CollectionName, "system.") || strings.Contains(r.CollectionName, "$") {
				return invalid(f+".collectionName", fmt.Sprintf("%q is not a collection a role can name", truncate(r.CollectionName, 40)), "give a user collection name without $ that does not start with system.")
			}
		}
		key := r.RoleName + "@" + r.DatabaseName + "." + r.CollectionName
		if seen[key] {
			return invalid(f, fmt.Sprintf("repeats role %s on %s", r.RoleName, r.DatabaseName), "list each role once")
		}
		seen[key] = true
	}
	if err := checkText("description", in.Description); err != nil {
		return err
	}
	return checkTemporaryDate("deleteAfterDate", in.DeleteAfterDate)
}

// checkTemporaryDate applies Atlas's rule for temporary users and access list
// entries: a future date at most one week away.
func checkTemporaryDate(field, v string) error {
	t, err := parseTime(field, v)
	if err != nil || t == nil {
		return err
	}
	now := time.Now()
	if !t.After(now) {
		return invalid(field, fmt.Sprintf("%s is not in the future", v), "give a date-time after now, at most one week away")
	}
	if t.After(now.Add(7 * 24 * time.Hour)) {
		return invalid(field, fmt.Sprintf("%s is more than one week away", v), "Atlas accepts at most one week; give an earlier date-time")
	}
	return nil
}

// prepareAuth chooses SCRAM or one external mechanism and the authentication
// database that goes with it.
func (in *CreateDBUserInput) prepareAuth(env *Env) error {
	type ext struct{ field, value, db string }
	var chosen []ext
	// Each value is one of its schema enum; which one decides the database.
	for _, e := range []struct {
		field, value string
		dbFor        func(string) string
	}{
		{"x509Type", in.X509Type, func(string) string { return "$external" }},
		{"awsIAMType", in.AWSIAMType, func(string) string { return "$external" }},
		{"ldapAuthType", in.LDAPAuthType, func(v string) string { return map[bool]string{true: "admin", false: "$external"}[v == "GROUP"] }},
		{"oidcAuthType", in.OIDCAuthType, func(v string) string { return map[bool]string{true: "admin", false: "$external"}[v == "IDP_GROUP"] }},
	} {
		if e.value != "" && e.value != "NONE" {
			chosen = append(chosen, ext{e.field, e.value, e.dbFor(e.value)})
		}
	}
	if len(chosen) > 1 {
		return invalid(chosen[1].field, fmt.Sprintf("cannot be combined with %s", chosen[0].field), "a user authenticates one way: set only one of x509Type, awsIAMType, ldapAuthType, oidcAuthType")
	}
	if len(chosen) == 1 {
		c := chosen[0]
		in.external = c.field + " " + c.value
		if in.DatabaseName == "" {
			in.DatabaseName = c.db
		} else if in.DatabaseName != c.db {
			return invalid("databaseName", fmt.Sprintf("must be %s for %s %s, got %s", c.db, c.field, c.value, in.DatabaseName), "omit databaseName; it is filled from the mechanism")
		}
		if in.Password != "" {
			return invalid("password", fmt.Sprintf("must be omitted for a %s %s user", c.field, c.value), "remove password; the user authenticates outside Atlas")
		}
		if in.Mechanism != "" {
			return invalid("mechanism", fmt.Sprintf("applies to SCRAM users only, not to a %s %s user", c.field, c.value), "remove mechanism")
		}
		return nil
	}
	// SCRAM.
	if in.DatabaseName == "" {
		in.DatabaseName = "admin"
	} else if in.DatabaseName != "admin" {
		return invalid("databaseName", "must be admin for a password (SCRAM) user; $external is for x.509, AWS IAM, LDAP and OIDC users", "omit databaseName, or set x509Type/awsIAMType/ldapAuthType/oidcAuthType")
	}
	switch in.Mechanism {
	case "", "SCRAM-SHA-256":
		in.Mechanism = "SCRAM-SHA-256"
	case "SCRAM-SHA-1":
		if env.gov() {
			return &GovRuleError{Field: "mechanism", Rule: "Database users who authenticate with SCRAM must use SCRAM-SHA-256.", Fix: "omit mechanism or set SCRAM-SHA-256"}
		}
		return invalid("mechanism", "SCRAM-SHA-1 cannot be chosen: Atlas creates every new SCRAM user with SCRAM-SHA-256", "omit mechanism (SCRAM-SHA-256 is used); drivers of the last decade support it")
	}
	// Its length is the input schema's (minLength), whose errors never
	// quote the value.
	if in.Password == "" {
		return invalid("password", "is required for a SCRAM user (authentication database admin)", "give a password of at least 8 characters, or choose an external mechanism such as x509Type")
	}
	return nil
}

func (in *CreateDBUserInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

// body is the CloudDatabaseUser to send. The password travels in it, the one
// place it is revealed; the plan marks it secret, so renderings and records
// mask it and the plan's hash commits to it as an HMAC.
func (in *CreateDBUserInput) body() map[string]any {
	// Atlas requires groupId in the body as well as in the path.
	b := map[string]any{"groupId": in.ProjectID, "username": in.Username, "databaseName": in.DatabaseName, "roles": in.Roles}
	if in.Password != "" {
		b["password"] = in.Password.Reveal()
	}
	if len(in.Scopes) > 0 {
		b["scopes"] = in.Scopes
	}
	if in.Description != "" {
		b["description"] = in.Description
	}
	if in.DeleteAfterDate != "" {
		b["deleteAfterDate"] = in.DeleteAfterDate
	}
	for k, v := range map[string]string{"x509Type": in.X509Type, "awsIAMType": in.AWSIAMType, "ldapAuthType": in.LDAPAuthType, "oidcAuthType": in.OIDCAuthType} {
		if v != "" {
			b[k] = v
		}
	}
	return b
}

func (in *CreateDBUserInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.CreateGroupDatabaseUser, Params: map[string]string{"groupId": in.ProjectID}, Body: in.body()}
}

// roleLines renders every role of a planned user body with the database (and
// collection) it applies to, from the body that is sent.
func roleLines(body any) []string {
	m, _ := body.(map[string]any)
	var out []string
	for _, x := range member[[]any](m, "roles") {
		r, _ := x.(map[string]any)
		l := fmt.Sprintf("role %s on database %s", orDash(member[string](r, "roleName")), orDash(member[string](r, "databaseName")))
		if c := member[string](r, "collectionName"); c != "" {
			l += ", collection " + c
		}
		if adminOnlyRole(member[string](r, "roleName")) {
			l += " (every database of the project)"
		}
		out = append(out, l)
	}
	return out
}

// DBUserOutput is the structured answer about one database user. It never
// carries a password.
type DBUserOutput struct {
	User DBUserSummary `json:"user"`
}

func createDBUser() *Tool {
	return spec[CreateDBUserInput, DBUserOutput]{
		Name:        "atlas-create-db-user",
		Title:       "Create database user",
		Description: "Create a database user (SCRAM password or external identity) with roles. Grant the least privilege.",
		Area:        AreaDatabaseUsers,
		Op:          atlasclient.CreateGroupDatabaseUser,
		Build: func(_ context.Context, _ *Env, in *CreateDBUserInput, b *Builder) error {
			if err := b.Send(in.request(), "password"); err != nil {
				return err
			}
			how := "password (SCRAM-SHA-256)"
			if in.external != "" {
				how = in.external
			}
			lines := []string{fmt.Sprintf("authentication database %s, %s", in.DatabaseName, how)}
			lines = append(lines, roleLines(b.lastBody())...)
			if len(in.Scopes) > 0 {
				var sc []string
				for _, x := range in.Scopes {
					sc = append(sc, x.Type+" "+x.Name)
				}
				lines = append(lines, "limited to "+strings.Join(sc, ", "))
			} else {
				lines = append(lines, "scopes: every cluster and instance of the project")
			}
			if in.DeleteAfterDate != "" {
				lines = append(lines, "expires: Atlas deletes the user at "+in.DeleteAfterDate)
			} else {
				lines = append(lines, "expires: never")
			}
			if in.Description != "" {
				lines = append(lines, "description: "+in.Description)
			}
			b.Render(Rendering{Title: fmt.Sprintf("Create database user %s in project %s.", in.Username, in.ProjectID), Lines: lines})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *CreateDBUserInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			var u dbUser
			if err := json.Unmarshal(answers[0], &u); err != nil {
				return nil, fmt.Errorf("decoding created database user: %w", err)
			}
			s := u.summary()
			how := "password (SCRAM-SHA-256)"
			if in.external != "" {
				how = in.external
			}
			// The summary is built from the validated input, not from Atlas's
			// answer: free text stored in Atlas belongs in Data only.
			mine := (&dbUser{Username: in.Username, DatabaseName: in.DatabaseName, Roles: in.Roles, Scopes: in.Scopes}).summary()
			summary := fmt.Sprintf("Created database user %s (authentication database %s, %s) in project %s with roles %s.", in.Username, in.DatabaseName, how, in.ProjectID, strings.Join(mine.Roles, ", "))
			if len(mine.Scopes) > 0 {
				summary += " Limited to " + strings.Join(mine.Scopes, ", ") + "."
			}
			if in.DeleteAfterDate != "" {
				summary += " Atlas deletes it at " + in.DeleteAfterDate + "."
			}
			summary += " It can take a minute before the user can log in to every cluster."
			return &Result{Summary: summary, Data: dbUserRows([]DBUserSummary{s}), Structured: &DBUserOutput{User: s}}, nil
		},
	}.tool()
}

// --- atlas-delete-db-user ---

// DeleteDBUserInput names the database user to delete.
type DeleteDBUserInput struct {
	ProjectScope
	Username     string `json:"username" jsonschema:"required,minLength=1,maxLength=1024" jsonschema_description:"User to delete."`
	DatabaseName string `json:"databaseName,omitempty" jsonschema:"enum=admin,enum=$external" jsonschema_description:"admin (default) or $external."`
	WriteOptions
}

func (in *DeleteDBUserInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	if in.DatabaseName == "" {
		in.DatabaseName = "admin"
	}
	return checkText("username", in.Username)
}
func (in *DeleteDBUserInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

func (in *DeleteDBUserInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.DeleteGroupDatabaseUser, Params: map[string]string{"groupId": in.ProjectID, "databaseName": in.DatabaseName, "username": in.Username}}
}

func deleteDBUser() *Tool {
	return spec[DeleteDBUserInput, DeleteOutput]{
		Name:        "atlas-delete-db-user",
		Title:       "Delete database user",
		Description: "Delete a database user; applications logging in as it lose access to the project's clusters.",
		Area:        AreaDatabaseUsers,
		Destructive: true, Idempotent: true,
		Op: atlasclient.DeleteGroupDatabaseUser,
		Build: func(_ context.Context, _ *Env, in *DeleteDBUserInput, b *Builder) error {
			// The operations table has no read of one user (GET
			// …/databaseUsers/{databaseName}/{username} is not in the
			// vendored spec), so the user is found in the project's list:
			// the person sees the roles that are taken away, and a user
			// re-created under the same name with other roles is another plan.
			raw, err := b.findListed(&atlasclient.Request{Op: atlasclient.ListGroupDatabaseUsers, Params: map[string]string{"groupId": in.ProjectID}}, func(raw json.RawMessage) bool {
				var u dbUser
				return json.Unmarshal(raw, &u) == nil && u.Username == in.Username && u.DatabaseName == in.DatabaseName
			})
			if err != nil {
				return err
			}
			if raw == nil {
				return &StateError{Resource: fmt.Sprintf("database user %s (authentication database %s)", in.Username, in.DatabaseName), State: "not in project " + in.ProjectID, Want: "an existing user; find it with atlas-list-db-users"}
			}
			var u dbUser
			_ = json.Unmarshal(raw, &u)
			s := u.summary()
			b.Observe("dbUser", fmt.Sprintf("%s/%s auth %s roles %s scopes %s", u.DatabaseName, u.Username, s.AuthType, strings.Join(s.Roles, ","), strings.Join(s.Scopes, ",")))
			if err := b.Send(in.request()); err != nil {
				return err
			}
			lines := []string{fmt.Sprintf("authentication database %s, %s", in.DatabaseName, s.AuthType)}
			for _, r := range u.Roles {
				l := fmt.Sprintf("role %s on database %s", r.RoleName, r.DatabaseName)
				if r.CollectionName != "" {
					l += ", collection " + r.CollectionName
				}
				lines = append(lines, l)
			}
			lines = append(lines, "Every application that logs in as this user loses access to the project's clusters.")
			b.Render(Rendering{
				Title:        fmt.Sprintf("Delete database user %s from project %s.", in.Username, in.ProjectID),
				Lines:        lines,
				Irreversible: "the user is deleted; re-creating it needs a new password",
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *DeleteDBUserInput, _ *Plan, _ []json.RawMessage) (*Result, error) {
			return &Result{
				Summary:    fmt.Sprintf("Deleted database user %s (authentication database %s) from project %s.", in.Username, in.DatabaseName, in.ProjectID),
				Structured: &DeleteOutput{Deleted: "database user " + in.DatabaseName + "/" + in.Username, Accepted: true},
			}, nil
		},
	}.tool()
}
