package atlassim

import (
	"time"
)

// seed loads the starting state. Always: the organization "demo-org". With
// Options.Seed:
//
//   - "demo-project" (DemoProjectID): clusters prod-analytics (M30, AWS
//     US_EAST_1, backups on), staging (M10 GCP CENTRAL_US) and dev-sandbox (M0
//     tenant on AWS US_EAST_1), all IDLE (in gov mode staging and dev-sandbox
//     are M20 on AWS, since smaller tiers do not exist there); database users
//     app-user, analytics-ro and ops-admin; access list entries 203.0.113.10
//     and 198.51.100.0/24; an OPEN and a CLOSED NO_PRIMARY alert with their alert
//     config; three completed daily snapshots of prod-analytics; and the App
//     Services app DemoAppID with a DATABASE and a SCHEDULED trigger.
//   - "empty-project" (DemoProject2ID): nothing, so it can be deleted.
//   - in gov mode only, "gov-project" (DemoGovProjectID, GOV_REGIONS_ONLY)
//     with cluster gov-cluster (M30, AWS US_GOV_WEST_1).
//   - the org API key DemoReadOnlyPublicKey (ORG_READ_ONLY).
func (s *Sim) seed() {
	now := s.now()
	day := 24 * time.Hour
	orgCreated := time.Date(2024, 5, 24, 9, 0, 0, 0, time.UTC)
	s.st.orgs = []*org{{id: DemoOrgID, name: "demo-org", created: orgCreated}}
	if !s.opts.Seed {
		return
	}

	demo := &project{id: DemoProjectID, name: "demo-project", orgID: DemoOrgID, created: orgCreated.Add(time.Hour),
		restriction: regionsCommercial, withAlerts: true,
		tags: []any{map[string]any{"key": "environment", "value": "demo"}}}
	empty := &project{id: DemoProject2ID, name: "empty-project", orgID: DemoOrgID, created: orgCreated.Add(2 * time.Hour),
		restriction: regionsCommercial, withAlerts: true}
	s.st.projects = []*project{demo, empty}

	created := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	prod := &cluster{id: seedID(1), name: "prod-analytics", groupID: DemoProjectID, created: created, state: stateIdle,
		fields: map[string]any{"backupEnabled": true, "pitEnabled": true, "mongoDBMajorVersion": "8.0",
			"labels": []any{}, "tags": []any{map[string]any{"key": "tier", "value": "production"}}},
		repl: dedicatedRepl("AWS", "US_EAST_1", "M30")}
	staging := &cluster{id: seedID(2), name: "staging", groupID: DemoProjectID, created: created.Add(day), state: stateIdle,
		fields: map[string]any{"mongoDBMajorVersion": "7.0"}, repl: dedicatedRepl("GCP", "CENTRAL_US", "M10")}
	sandbox := &cluster{id: seedID(3), name: "dev-sandbox", groupID: DemoProjectID, created: created.Add(2 * day), state: stateIdle,
		fields: map[string]any{"mongoDBMajorVersion": "8.0"}, repl: tenantRepl("AWS", "US_EAST_1", "M0")}
	if s.opts.Gov {
		staging.repl = dedicatedRepl("AWS", "US_WEST_2", "M20")
		sandbox.repl = dedicatedRepl("AWS", "US_EAST_2", "M20")
	}
	demo.clusters = []*cluster{prod, staging, sandbox}

	demo.users = []*dbUser{
		seedUser("app-user", "readWrite", "sales", "application read/write on sales"),
		seedUser("analytics-ro", "read", "analytics", "read-only reporting"),
		seedUser("ops-admin", "atlasAdmin", "admin", "operations break-glass"),
	}
	demo.access = []*accessEntry{
		{ipAddress: "203.0.113.10", cidrBlock: "203.0.113.10/32", comment: "office VPN"},
		{cidrBlock: "198.51.100.0/24", comment: "CI runners"},
	}

	// NO_PRIMARY: its config and alert variants are the unambiguous branches of
	// the spec's discriminator-less oneOfs (the threshold variants contradict
	// their own discriminator mappings, see openapi_test.go).
	cfg := seedID(10)
	demo.alertConfigs = []map[string]any{{
		"id": cfg, "groupId": DemoProjectID, "eventTypeName": "NO_PRIMARY",
		"enabled": true, "created": ts(created), "updated": ts(created),
		"notifications": []any{
			map[string]any{"typeName": "GROUP", "roles": []any{"GROUP_OWNER"}, "emailEnabled": true, "smsEnabled": false,
				"intervalMin": 60, "delayMin": 0},
			map[string]any{"typeName": "EMAIL", "emailAddress": "oncall@example.com", "intervalMin": 15, "delayMin": 0},
		},
		"matchers": []any{},
	}}
	demo.alerts = []map[string]any{
		{
			"id": seedID(20), "alertConfigId": cfg, "eventTypeName": "NO_PRIMARY",
			"status": "OPEN", "groupId": DemoProjectID, "orgId": DemoOrgID, "clusterName": "prod-analytics",
			"replicaSetName": "atlas-prod-analytics-shard-0",
			"created":        ts(now.Add(-2 * time.Hour)), "updated": ts(now.Add(-10 * time.Minute)),
			"lastNotified": ts(now.Add(-10 * time.Minute)),
		},
		{
			"id": seedID(21), "alertConfigId": cfg, "eventTypeName": "NO_PRIMARY",
			"status": "CLOSED", "groupId": DemoProjectID, "orgId": DemoOrgID, "clusterName": "staging",
			"replicaSetName": "atlas-staging-shard-0",
			"created":        ts(now.Add(-3 * day)), "updated": ts(now.Add(-3*day + 20*time.Minute)),
			"resolved": ts(now.Add(-3*day + 20*time.Minute)),
		},
	}
	for i := 1; i <= 3; i++ {
		at := now.Add(-time.Duration(i) * day).Truncate(day).Add(3 * time.Hour)
		demo.snapshots = append(demo.snapshots, &snapshot{
			id: seedID(30 + i), clusterName: "prod-analytics", created: at, expires: at.Add(7 * day),
			snapshotType: "scheduled", frequency: "daily", provider: "AWS", mongodVer: mongoDBVersionFor("8.0"),
			sizeBytes: int64(5<<30) + int64(i)<<20, seededDone: true,
		})
	}
	modified := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC).Unix()
	demo.apps = []*app{{
		id: DemoAppID, groupID: DemoProjectID, domainID: seedID(40), clientAppID: "demo-app-abcde", name: "demo-app",
		location: "US-VA", deployment: "GLOBAL", lastUsed: now.Add(-time.Hour).Unix(), lastModified: modified,
		product: "standard", environment: "",
		triggers: []*trigger{
			{
				id: DemoTriggerDatabaseID, name: "orders-audit", typ: "DATABASE", functionID: seedID(41),
				functionName: "auditOrder", lastModified: modified,
				config: map[string]any{
					"service_id": seedID(42), "database": "sales", "collection": "orders",
					"operation_types": []any{"INSERT", "UPDATE"}, "full_document": true,
					"full_document_before_change": false, "unordered": false, "match": map[string]any{},
					"project": map[string]any{}, "skip_catchup_events": false, "tolerate_resume_errors": false,
				},
			},
			{
				id: DemoTriggerScheduledID, name: "nightly-cleanup", typ: "SCHEDULED", functionID: seedID(43),
				functionName: "purgeExpiredSessions", lastModified: modified,
				config: map[string]any{"schedule": "0 3 * * *", "skip_catchup_events": true},
			},
		},
	}}

	if s.opts.Gov {
		govProj := &project{id: DemoGovProjectID, name: "gov-project", orgID: DemoOrgID, created: orgCreated.Add(3 * time.Hour),
			restriction: regionsGovOnly, withAlerts: true}
		govProj.clusters = []*cluster{{id: seedID(4), name: "gov-cluster", groupID: DemoGovProjectID, created: created,
			state: stateIdle, fields: map[string]any{"backupEnabled": true}, repl: dedicatedRepl("AWS", "US_GOV_WEST_1", "M30")}}
		s.st.projects = append(s.st.projects, govProj)
	}

	s.st.apiKeys = []*apiKey{{
		id: DemoReadOnlyAPIKeyID, orgID: DemoOrgID, desc: "reporting (read only)", publicKey: DemoReadOnlyPublicKey,
		privateKey: DemoReadOnlyPrivateKey, roles: []string{"ORG_READ_ONLY"}, created: orgCreated,
	}}
}

func seedUser(name, role, db, desc string) *dbUser {
	return &dbUser{
		username: name, databaseName: "admin", password: "demo-password-" + name,
		doc: map[string]any{
			"username": name, "databaseName": "admin", "description": desc,
			"roles": []any{map[string]any{"roleName": role, "databaseName": db}},
		},
	}
}
