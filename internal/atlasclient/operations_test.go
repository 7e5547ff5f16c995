package atlasclient

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The operations table against the OpenAPI subset vendored into testdata
// (extracted from Atlas's specification; tests never read ../shared): every
// Admin API row is the operation its ID names there — same method and path —
// sent with a version the specification offers and does not sunset yet, and
// scoped by a placeholder of its path. IDs are unique, so a tool that names
// one gets exactly one row.
func TestOperationsMatchTheVendoredOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/atlas/operations.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec []struct {
		Method, Path, OperationID string
		Versions                  map[string]struct{ Sunset string }
		RolesRequired             []string
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, o := range spec {
		byID[o.OperationID] = i
	}
	placeholder := regexp.MustCompile(`\{(\w+)\}`)
	seen := map[OpID]bool{}
	for _, op := range Operations {
		if seen[op.ID] {
			t.Errorf("%s: two rows", op.ID)
		}
		seen[op.ID] = true
		if got, ok := LookupOp(op.ID); !ok || got.Template != op.Template {
			t.Errorf("%s: LookupOp finds %+v", op.ID, got)
		}
		if op.ScopeParam != "" && !strings.Contains(op.Template, "{"+op.ScopeParam+"}") {
			t.Errorf("%s: scope %s is not a placeholder of %s", op.ID, op.ScopeParam, op.Template)
		}
		if op.RateSet == "" || op.Permission == "" {
			t.Errorf("%s: no rate set or permission", op.ID)
		}
		if op.API != AdminV2 {
			if op.Version != "" {
				t.Errorf("%s: App Services is unversioned, got %s", op.ID, op.Version)
			}
			continue
		}
		i, ok := byID[string(op.ID)]
		if !ok {
			t.Errorf("%s: no such operationId in the OpenAPI subset", op.ID)
			continue
		}
		o := spec[i]
		if o.Method != op.Method || o.Path != adminPrefix+op.Template {
			t.Errorf("%s: table says %s %s, OpenAPI %s %s", op.ID, op.Method, op.Template, o.Method, o.Path)
		}
		if len(placeholder.FindAllString(o.Path, -1)) != len(placeholder.FindAllString(op.Template, -1)) {
			t.Errorf("%s: placeholders differ from %s", op.ID, o.Path)
		}
		if strings.Join(o.RolesRequired, ", ") != strings.Join(op.Roles, ", ") {
			t.Errorf("%s: Roles %q, the OpenAPI's rolesRequired %q", op.ID, op.Roles, o.RolesRequired)
		}
		v, ok := o.Versions[op.Version]
		if !ok {
			t.Errorf("%s: version %s is not offered (OpenAPI has %v)", op.ID, op.Version, o.Versions)
			continue
		}
		if v.Sunset != "" {
			if d, err := time.Parse(time.DateOnly, v.Sunset); err == nil && !time.Now().Before(d) {
				t.Errorf("%s: version %s was sunset on %s", op.ID, op.Version, v.Sunset)
			}
		}
	}
}

// The seed's Permission column and Atlas's API reference disagree for some
// operations (e.g. the reference lists Project Owner for deleting a cluster,
// the seed GROUP_CLUSTER_MANAGER). The table keeps the seed's role, quotes
// the reference's beside it in 403 hints, and this list holds every
// disagreement known, so a new one is a reviewed change, not a drift.
func TestPermissionDisagreementsAreKnown(t *testing.T) {
	roleOf := map[string]string{
		"GROUP_READ_ONLY": "Project Read Only", "GROUP_CLUSTER_MANAGER": "Project Cluster Manager",
		"GROUP_OWNER": "Project Owner", "GROUP_DATABASE_ACCESS_ADMIN": "Project Database Access Admin",
		"GROUP_NETWORK_ACCESS_MANAGER": "Project Network Access Manager", "GROUP_BACKUP_MANAGER": "Project Backup Manager",
		"GROUP_ALERTS_MANAGER": "Project Alerts Manager", "ORG_READ_ONLY": "Organization Read Only",
		"ORG_OWNER": "Organization Owner", "ORG_GROUP_CREATOR": "Organization Project Creator",
	}
	known := map[OpID]bool{
		CreateGroupCluster: true, DeleteGroupCluster: true,
		TakeGroupClusterBackupSnapshots: true, CreateGroupClusterBackupRestoreJob: true,
		ListGroupClusterBackupRestoreJobs: true, GetGroupClusterBackupRestoreJob: true,
		GetOrg: true, ListOrgApiKeys: true,
	}
	for _, op := range Operations {
		if len(op.Roles) == 0 {
			continue
		}
		name, ok := roleOf[op.Permission]
		if !ok {
			t.Errorf("%s: permission %s has no role name here; add it", op.ID, op.Permission)
			continue
		}
		agrees := false
		for _, r := range op.Roles {
			agrees = agrees || r == name
		}
		if agrees == known[op.ID] {
			t.Errorf("%s: seed %s (%s), reference %q: agreement %v, but the known list says %v", op.ID, op.Permission, name, op.Roles, agrees, !known[op.ID])
		}
	}
}
