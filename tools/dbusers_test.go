package tools

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

func TestListDBUsersPrepare(t *testing.T) {
	runPrepCases(t, listDBUsers(), []prepCase{
		{name: "default project", args: `{}`, check: func(t *testing.T, c *Call) {
			if c.Facts.ProjectID != testProjectID {
				t.Errorf("Facts.ProjectID = %q, want the default", c.Facts.ProjectID)
			}
		}},
		{name: "bad project", args: `{"projectId":"abc"}`, field: "projectId"},
	})
}

func TestCreateDBUserPrepare(t *testing.T) {
	soon := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	late := time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)
	const rw = `"roles":[{"roleName":"readWrite","databaseName":"sales"}]`
	runPrepCases(t, createDBUser(), []prepCase{
		{name: "SCRAM user with defaults", args: `{"username":"app","password":"s3cretpassw0rd",` + rw + `}`, check: func(t *testing.T, c *Call) {
			in := c.Input.(*CreateDBUserInput)
			if in.DatabaseName != "admin" || in.Mechanism != "SCRAM-SHA-256" || in.ProjectID != testProjectID {
				t.Errorf("defaults not filled: databaseName %q mechanism %q projectId %q", in.DatabaseName, in.Mechanism, in.ProjectID)
			}
			if f := planOf(t, c).Facts; len(f.DBRoles) != 1 || f.DBRoles[0] != (Role{Name: "readWrite", Database: "sales"}) {
				t.Errorf("Facts.DBRoles = %v", f.DBRoles)
			}
			plan := planJSON(t, c)
			mustContain(t, "plan", plan, `"groupId":"`+testProjectID+`"`, `"databaseName":"admin"`, `"password":"[REDACTED]"`, "role readWrite on database sales", "/api/atlas/v2/groups/"+testProjectID+"/databaseUsers")
			mustNotContain(t, "plan", plan, "s3cretpassw0rd", "mechanism")
		}},
		{name: "admin role database defaults to admin", args: `{"username":"ops","password":"longenough","roles":[{"roleName":"readWriteAnyDatabase"},{"roleName":"myCustomRole"}]}`, check: func(t *testing.T, c *Call) {
			in := c.Input.(*CreateDBUserInput)
			if in.Roles[0].DatabaseName != "admin" || in.Roles[1].DatabaseName != "admin" {
				t.Errorf("role databases = %+v, want admin", in.Roles)
			}
		}},
		{name: "scoped temporary user", args: `{"username":"tmp","password":"longenough",` + rw + `,"scopes":[{"name":"Cluster0","type":"CLUSTER"}],"deleteAfterDate":"` + soon + `","description":"load test"}`},
		{name: "collection role", args: `{"username":"c","password":"longenough","roles":[{"roleName":"read","databaseName":"sales","collectionName":"orders"}]}`},
		{name: "x509 user defaults to $external", args: `{"username":"CN=app,O=Example","x509Type":"MANAGED",` + rw + `}`, check: func(t *testing.T, c *Call) {
			if db := c.Input.(*CreateDBUserInput).DatabaseName; db != "$external" {
				t.Errorf("databaseName = %q, want $external", db)
			}
		}},
		{name: "LDAP group user uses admin", args: `{"username":"CN=dbas,DC=example","ldapAuthType":"GROUP",` + rw + `}`, check: func(t *testing.T, c *Call) {
			if db := c.Input.(*CreateDBUserInput).DatabaseName; db != "admin" {
				t.Errorf("databaseName = %q, want admin", db)
			}
		}},
		{name: "missing username", args: `{"password":"longenough",` + rw + `}`, field: "username"},
		{name: "control character in username", args: `{"username":"a\u0000b","password":"longenough",` + rw + `}`, field: "username"},
		{name: "username too long", args: `{"username":"` + strings.Repeat("u", 1025) + `","password":"longenough",` + rw + `}`, field: "username"},
		{name: "missing password", args: `{"username":"app",` + rw + `}`, field: "password"},
		{name: "short password", args: `{"username":"app","password":"short",` + rw + `}`, field: "password"},
		{name: "no roles", args: `{"username":"app","password":"longenough"}`, field: "roles"},
		{name: "empty roles", args: `{"username":"app","password":"longenough","roles":[]}`, field: "roles"},
		{name: "role without name", args: `{"username":"app","password":"longenough","roles":[{"databaseName":"x"}]}`, field: "roles[0].roleName"},
		{name: "readWrite without database", args: `{"username":"app","password":"longenough","roles":[{"roleName":"readWrite"}]}`, field: "roles[0].databaseName"},
		{name: "atlasAdmin on another database", args: `{"username":"app","password":"longenough","roles":[{"roleName":"atlasAdmin","databaseName":"sales"}]}`, field: "roles[0].databaseName"},
		{name: "bad database name", args: `{"username":"app","password":"longenough","roles":[{"roleName":"read","databaseName":"a/b"}]}`, field: "roles[0].databaseName"},
		{name: "collection on dbAdmin", args: `{"username":"app","password":"longenough","roles":[{"roleName":"dbAdmin","databaseName":"a","collectionName":"c"}]}`, field: "roles[0].collectionName"},
		{name: "repeated role", args: `{"username":"app","password":"longenough","roles":[{"roleName":"read","databaseName":"a"},{"roleName":"read","databaseName":"a"}]}`, field: "roles[1]"},
		{name: "databaseName other", args: `{"username":"app","password":"longenough","databaseName":"sales",` + rw + `}`, field: "databaseName"},
		{name: "SCRAM on $external", args: `{"username":"app","password":"longenough","databaseName":"$external",` + rw + `}`, field: "databaseName"},
		{name: "x509 with password", args: `{"username":"CN=a","x509Type":"CUSTOMER","password":"longenough",` + rw + `}`, field: "password"},
		{name: "x509 on admin", args: `{"username":"CN=a","x509Type":"CUSTOMER","databaseName":"admin",` + rw + `}`, field: "databaseName"},
		{name: "two external mechanisms", args: `{"username":"a","x509Type":"MANAGED","awsIAMType":"ROLE",` + rw + `}`, field: "awsIAMType"},
		{name: "bad x509Type", args: `{"username":"a","x509Type":"SELF",` + rw + `}`, field: "x509Type"},
		{name: "scope bad type", args: `{"username":"a","password":"longenough",` + rw + `,"scopes":[{"name":"c","type":"PROJECT"}]}`, field: "scopes[0].type"},
		{name: "scope bad cluster name", args: `{"username":"a","password":"longenough",` + rw + `,"scopes":[{"name":"../../orgs","type":"CLUSTER"}]}`, field: "scopes[0].name"},
		{name: "description too long", args: `{"username":"a","password":"longenough",` + rw + `,"description":"` + strings.Repeat("d", 101) + `"}`, field: "description"},
		{name: "deleteAfterDate in the past", args: `{"username":"a","password":"longenough",` + rw + `,"deleteAfterDate":"2020-01-01T00:00:00Z"}`, field: "deleteAfterDate"},
		{name: "deleteAfterDate beyond a week", args: `{"username":"a","password":"longenough",` + rw + `,"deleteAfterDate":"` + late + `"}`, field: "deleteAfterDate"},
		{name: "deleteAfterDate not a date", args: `{"username":"a","password":"longenough",` + rw + `,"deleteAfterDate":"tomorrow"}`, field: "deleteAfterDate"},
		{name: "SCRAM-SHA-1 commercial", args: `{"username":"a","password":"longenough","mechanism":"SCRAM-SHA-1",` + rw + `}`, field: "mechanism"},
		{name: "SCRAM-SHA-1 gov", args: `{"username":"a","password":"longenough","mechanism":"SCRAM-SHA-1",` + rw + `}`, gov: true, govRule: true, field: "mechanism"},
		{name: "SCRAM-SHA-256 gov", args: `{"username":"a","password":"longenough","mechanism":"SCRAM-SHA-256",` + rw + `}`, gov: true},
		{name: "unknown mechanism", args: `{"username":"a","password":"longenough","mechanism":"MD5",` + rw + `}`, field: "mechanism"},
		{name: "mechanism on x509", args: `{"username":"CN=a","x509Type":"MANAGED","mechanism":"SCRAM-SHA-256",` + rw + `}`, field: "mechanism"},
	})
}

func TestCreateDBUserErrorsNeverQuotePassword(t *testing.T) {
	env := offlineEnv(t, false)
	_, err := createDBUser().Decode([]byte(`{"username":"a","password":"pw7777","roles":[{"roleName":"read","databaseName":"x"}]}`), env)
	if err == nil {
		t.Fatal("short password accepted")
	}
	mustNotContain(t, "error", err.Error(), "pw7777")
}

func TestDeleteDBUserPrepare(t *testing.T) {
	runPrepCases(t, deleteDBUser(), []prepCase{
		{name: "defaults to admin", args: `{"username":"app"}`, check: func(t *testing.T, c *Call) {
			if db := c.Input.(*DeleteDBUserInput).DatabaseName; db != "admin" {
				t.Errorf("databaseName = %q", db)
			}
			mustContain(t, "path", resolvedPath(t, c.Input.(*DeleteDBUserInput).request()), "/databaseUsers/admin/app")
		}},
		{name: "external user path", args: `{"username":"CN=a/b","databaseName":"$external"}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "path", resolvedPath(t, c.Input.(*DeleteDBUserInput).request()), "/databaseUsers/$external/CN=a%2Fb")
		}},
		{name: "missing username", args: `{}`, field: "username"},
		{name: "bad database", args: `{"username":"a","databaseName":"sales"}`, field: "databaseName"},
		{name: "bad project", args: `{"username":"a","projectId":"../x"}`, field: "projectId"},
	})
}

func TestDBUserToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listDBUsers(), `{}`)
	users := structured[*ListOutput[DBUserSummary]](t, r)
	if users.TotalCount != 3 {
		t.Fatalf("users = %+v", users)
	}
	mustContain(t, "data", r.Data, "app-user", "readWrite@sales", "ops-admin", "SCRAM")
	mustNotContain(t, "list", resultJSON(t, r), "demo-password")

	const password = "Tr0ub4dor&3-horse"
	r = mustRun(t, env, createDBUser(), `{"username":"reporting","password":"`+password+`","roles":[{"roleName":"read","databaseName":"sales","collectionName":"orders"}],"scopes":[{"name":"prod-analytics","type":"CLUSTER"}],"description":"BI tool"}`)
	mustNotContain(t, "create result", resultJSON(t, r)+r.Summary+r.Data, password)
	mustContain(t, "summary", r.Summary, "Created database user reporting", "read@sales.orders", "CLUSTER:prod-analytics")
	u := structured[*DBUserOutput](t, r).User
	if u.Username != "reporting" || u.DatabaseName != "admin" || len(u.Roles) != 1 {
		t.Errorf("created = %+v", u)
	}
	if !sent(sim, "POST", "/groups/"+atlassim.DemoProjectID+"/databaseUsers") {
		t.Error("no POST reached the simulator")
	}
	if n := structured[*ListOutput[DBUserSummary]](t, mustRun(t, env, listDBUsers(), `{}`)).TotalCount; n != 4 {
		t.Errorf("after create: %d users, want 4", n)
	}

	dc, conf := confirm(t, env, deleteDBUser(), `{"username":"reporting"}`)
	mustContain(t, "confirmation", conf.Render.Text(), "reporting", atlassim.DemoProjectID, "role read on database sales, collection orders", "cannot be undone")
	r, err := dc.Execute(t.Context(), conf)
	if err != nil {
		t.Fatal(err)
	}
	if d := structured[*DeleteOutput](t, r); !d.Accepted {
		t.Errorf("delete output = %+v", d)
	}
	if n := structured[*ListOutput[DBUserSummary]](t, mustRun(t, env, listDBUsers(), `{}`)).TotalCount; n != 3 {
		t.Errorf("after delete: %d users, want 3", n)
	}
	// A user that is not there is refused while planning; nothing is sent.
	sim.ResetRequests()
	_, err = call(t, env, deleteDBUser(), `{"username":"reporting"}`)
	var se *StateError
	if !errors.As(err, &se) {
		t.Errorf("deleting a deleted user: %v (%T), want *StateError", err, err)
	}
	if sent(sim, "DELETE", "/databaseUsers/admin/reporting") {
		t.Error("a DELETE of a missing user was sent")
	}
}
