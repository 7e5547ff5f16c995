package atlasspec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasspec"
)

const (
	clusters     = "/groups/{groupId}/clusters"
	cluster      = "/groups/{groupId}/clusters/{clusterName}"
	accessList   = "/groups/{groupId}/accessList"
	dbUsers      = "/groups/{groupId}/databaseUsers"
	restoreJobs  = "/groups/{groupId}/clusters/{clusterName}/backup/restoreJobs"
	snapshots    = "/groups/{groupId}/clusters/{clusterName}/backup/snapshots"
	apiKeys      = "/orgs/{orgId}/apiKeys"
	groups       = "/groups"
	alertConfigs = "/groups/{groupId}/alertConfigs"

	v20241023 = "2024-10-23"
	v20240805 = "2024-08-05"
	v20230201 = "2023-02-01"
	v20230101 = "2023-01-01"
)

// awsCluster is a dedicated cluster body as atlas-create-cluster's escape
// hatch would carry it, with the parts issue 11 says were dropped.
const awsCluster = `{
  "name": "orders",
  "clusterType": "REPLICASET",
  "backupEnabled": true,
  "replicationSpecs": [{
    "zoneName": "Zone 1",
    "regionConfigs": [{
      "providerName": "AWS",
      "regionName": "US_EAST_1",
      "priority": 7,
      "electableSpecs": {"instanceSize": "M30", "nodeCount": 3, "diskSizeGB": 40, "diskIOPS": 3000, "ebsVolumeType": "STANDARD"},
      "readOnlySpecs": {"instanceSize": "M30", "nodeCount": 1},
      "analyticsSpecs": {"instanceSize": "M30", "nodeCount": 1},
      "autoScaling": {
        "compute": {"enabled": true, "scaleDownEnabled": true, "minInstanceSize": "M30", "maxInstanceSize": "M60"},
        "diskGB": {"enabled": true}
      },
      "analyticsAutoScaling": {"compute": {"enabled": false}}
    }, {
      "providerName": "AWS",
      "regionName": "US_WEST_2",
      "priority": 6,
      "electableSpecs": {"instanceSize": "M30", "nodeCount": 2}
    }]
  }],
  "tags": [{"key": "team", "value": "payments"}]
}`

const tenantCluster = `{
  "name": "free",
  "clusterType": "REPLICASET",
  "replicationSpecs": [{"regionConfigs": [{
    "providerName": "TENANT", "backingProviderName": "AWS", "regionName": "US_EAST_1", "priority": 7,
    "electableSpecs": {"instanceSize": "M0"}
  }]}]
}`

// region wraps one region config in a cluster body.
func region(rc string) string {
	return `{"replicationSpecs":[{"regionConfigs":[` + rc + `]}]}`
}

// alert wraps notifications in a host-metric alert config.
func alert(notifications string) string {
	return `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD","enabled":true,
	  "matchers":[{"fieldName":"TYPE_NAME","operator":"EQUALS","value":"PRIMARY"}],
	  "metricThreshold":{"metricName":"CONNECTIONS","operator":"GREATER_THAN","threshold":500,"units":"RAW","mode":"AVERAGE"},
	  "notifications":[` + notifications + `]}`
}

func TestValidate(t *testing.T) {
	type tc struct {
		name     string
		method   string
		template string
		version  string
		body     string
		path     string // "" with problem "" means valid
		problem  string // substring of Problem
		fix      string // substring of Fix
	}
	tests := []tc{
		// Clusters, newest version and 2024-08-05 (same schema, both checked).
		{name: "aws cluster", method: "POST", template: clusters, version: v20241023, body: awsCluster},
		{name: "aws cluster 2024-08-05", method: "POST", template: clusters, version: v20240805, body: awsCluster},
		{name: "aws cluster update", method: "PATCH", template: cluster, version: v20241023, body: awsCluster},
		{name: "aws cluster update 2024-08-05", method: "PATCH", template: cluster, version: v20240805, body: awsCluster},
		{name: "tenant cluster", method: "POST", template: clusters, version: v20241023, body: tenantCluster},
		{name: "tenant cluster 2024-08-05", method: "POST", template: clusters, version: v20240805, body: tenantCluster},
		{name: "resize", method: "PATCH", template: cluster, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M40","nodeCount":3}}`)},
		{name: "azure and gcp regions", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AZURE","regionName":"EUROPE_WEST","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3}},
			              {"providerName":"GCP","regionName":"WESTERN_EUROPE","priority":6,"electableSpecs":{"instanceSize":"M30","nodeCount":2}}`)},

		// TENANT: the tenant variant's enum allows M0/M2/M5 only; the spec's
		// electableSpecs oneOf alone would let M10 through the AWS variant.
		{name: "tenant M10", method: "PATCH", template: cluster, version: v20241023,
			body:    region(`{"providerName":"TENANT","backingProviderName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10"}}`),
			path:    "replicationSpecs[0].regionConfigs[0].electableSpecs.instanceSize",
			problem: `"M10" is not a value TenantHardwareSpec20240805 allows`, fix: "M0, M2, M5"},
		{name: "tenant M10 2024-08-05", method: "PATCH", template: cluster, version: v20240805,
			body:    region(`{"providerName":"TENANT","backingProviderName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10"}}`),
			path:    "replicationSpecs[0].regionConfigs[0].electableSpecs.instanceSize",
			problem: "TenantHardwareSpec20240805"},
		{name: "tenant bad backing provider", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"TENANT","backingProviderName":"OCI","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M0"}}`),
			path: "replicationSpecs[0].regionConfigs[0].backingProviderName", fix: "AWS, GCP, AZURE"},
		{name: "tenant has no readOnlySpecs", method: "POST", template: clusters, version: v20241023,
			body:    region(`{"providerName":"TENANT","backingProviderName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M0"},"readOnlySpecs":{"nodeCount":1}}`),
			path:    "replicationSpecs[0].regionConfigs[0].readOnlySpecs",
			problem: "is not a field of TenantRegionConfig20240805 for version 2024-10-23"},
		{name: "AWS tier on AZURE", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AZURE","regionName":"EUROPE_WEST","electableSpecs":{"instanceSize":"M140_GEN_2"}}`),
			path: "replicationSpecs[0].regionConfigs[0].electableSpecs.instanceSize", problem: "AzureHardwareSpec20240805"},

		// readOnly fields, as the spec marks them.
		{name: "readOnly id", method: "PATCH", template: cluster, version: v20241023, body: `{"id":"5f1a2b3c4d5e6f7a8b9c0d1e"}`,
			path: "id", problem: "is readOnly (set by Atlas)", fix: "remove it"},
		{name: "readOnly stateName", method: "PATCH", template: cluster, version: v20241023, body: `{"stateName":"IDLE"}`, path: "stateName", problem: "readOnly"},
		{name: "readOnly createDate", method: "PATCH", template: cluster, version: v20240805, body: `{"createDate":"2026-01-01T00:00:00Z"}`, path: "createDate", problem: "readOnly"},
		{name: "readOnly connectionStrings", method: "PATCH", template: cluster, version: v20241023,
			body: `{"connectionStrings":{"standardSrv":"mongodb+srv://x.mongodb.net"}}`, path: "connectionStrings", problem: "readOnly"},
		{name: "readOnly groupId", method: "POST", template: clusters, version: v20241023, body: `{"groupId":"5f1a2b3c4d5e6f7a8b9c0d1e"}`, path: "groupId", problem: "readOnly"},
		{name: "readOnly mongoDBVersion", method: "PATCH", template: cluster, version: v20241023, body: `{"mongoDBVersion":"8.0.4"}`, path: "mongoDBVersion", problem: "readOnly"},
		{name: "readOnly effectiveReplicationSpecs", method: "PATCH", template: cluster, version: v20241023, body: `{"effectiveReplicationSpecs":[]}`, path: "effectiveReplicationSpecs", problem: "readOnly"},
		{name: "readOnly replicationSpecs id", method: "PATCH", template: cluster, version: v20241023,
			body: `{"replicationSpecs":[{"id":"5f1a2b3c4d5e6f7a8b9c0d1e","regionConfigs":[]}]}`, path: "replicationSpecs[0].id", problem: "readOnly"},
		{name: "readOnly zoneId", method: "PATCH", template: cluster, version: v20241023,
			body: `{"replicationSpecs":[{"zoneId":"5f1a2b3c4d5e6f7a8b9c0d1e"}]}`, path: "replicationSpecs[0].zoneId", problem: "readOnly"},
		{name: "readOnly effectiveInstanceSize of an M0", method: "PATCH", template: cluster, version: v20241023,
			body: region(`{"providerName":"TENANT","backingProviderName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M0","effectiveInstanceSize":"M0"}}`),
			path: "replicationSpecs[0].regionConfigs[0].electableSpecs.effectiveInstanceSize", problem: "readOnly"},
		{name: "readOnly diskThroughput", method: "PATCH", template: cluster, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M30","nodeCount":0,"diskThroughput":125}}`),
			path: "replicationSpecs[0].regionConfigs[0].electableSpecs.diskThroughput", problem: "readOnly"},
		{name: "readOnly effectiveElectableSpecs", method: "PATCH", template: cluster, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","effectiveElectableSpecs":{"instanceSize":"M30","nodeCount":3}}`),
			path: "replicationSpecs[0].regionConfigs[0].effectiveElectableSpecs", problem: "is readOnly (set by Atlas) in AWSRegionConfig20240805"},

		// Unknown fields, types, enums, bounds, discriminator.
		{name: "unknown nodeCnt", method: "POST", template: clusters, version: v20241023,
			body:    region(`{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10","nodeCnt":3}}`),
			path:    "replicationSpecs[0].regionConfigs[0].electableSpecs.nodeCnt",
			problem: "is not a field of AWSHardwareSpec20240805 for version 2024-10-23", fix: `did you mean "nodeCount"?`},
		{name: "unknown top-level field", method: "PATCH", template: cluster, version: v20240805, body: `{"diskSizeGb":10}`,
			path: "diskSizeGb", problem: "is not a field of ClusterDescription20240805 for version 2024-08-05"},
		{name: "legacy field in new version", method: "PATCH", template: cluster, version: v20241023, body: `{"providerSettings":{"providerName":"AWS"}}`,
			path: "providerSettings", problem: "is not a field of ClusterDescription20240805"},
		{name: "nodeCount as string", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10","nodeCount":"3"}}`),
			path: "replicationSpecs[0].regionConfigs[0].electableSpecs.nodeCount", problem: `is "3"`, fix: "an integer"},
		{name: "nodeCount fraction", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10","nodeCount":3.5}}`),
			path: "replicationSpecs[0].regionConfigs[0].electableSpecs.nodeCount", problem: "is 3.5"},
		{name: "diskSizeGB fraction is a number", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","electableSpecs":{"instanceSize":"M10","diskSizeGB":10.5}}`)},
		{name: "priority above 7", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","priority":8}`),
			path: "replicationSpecs[0].regionConfigs[0].priority", problem: "the maximum is 7"},
		{name: "unknown provider", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"OCI","regionName":"US_EAST_1"}`),
			path: "replicationSpecs[0].regionConfigs[0].providerName", problem: `"OCI" is not a kind of CloudRegionConfig20240805`, fix: "AWS, AZURE, GCP, TENANT"},
		{name: "missing provider", method: "POST", template: clusters, version: v20241023,
			body: region(`{"regionName":"US_EAST_1"}`),
			path: "replicationSpecs[0].regionConfigs[0].providerName", problem: "is missing", fix: "AWS, AZURE, GCP, TENANT"},
		{name: "unknown region", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"MARS_NORTH_1"}`),
			path: "replicationSpecs[0].regionConfigs[0].regionName", problem: `"MARS_NORTH_1" is not a value`},
		{name: "bad auto-scaling bound", method: "POST", template: clusters, version: v20241023,
			body: region(`{"providerName":"AWS","regionName":"US_EAST_1","autoScaling":{"compute":{"enabled":true,"maxInstanceSize":"M9000"}}}`),
			path: "replicationSpecs[0].regionConfigs[0].autoScaling.compute.maxInstanceSize", problem: `"M9000"`},
		{name: "bad enum clusterType", method: "POST", template: clusters, version: v20241023, body: `{"clusterType":"replicaset"}`,
			path: "clusterType", fix: "REPLICASET, SHARDED, GEOSHARDED"},
		{name: "bad cluster name", method: "POST", template: clusters, version: v20241023, body: `{"name":"-bad name"}`,
			path: "name", problem: "does not match the pattern"},
		{name: "null not allowed", method: "PATCH", template: cluster, version: v20241023, body: `{"paused":null}`, path: "paused", problem: "is null"},
		{name: "nullable allows null", method: "PATCH", template: cluster, version: v20241023, body: `{"adaptiveCapacity":null}`},
		{name: "duplicate key", method: "PATCH", template: cluster, version: v20241023, body: `{"paused":true,"paused":false}`,
			path: "paused", problem: "appears twice"},
		{name: "trailing data", method: "PATCH", template: cluster, version: v20241023, body: `{"paused":true} {}`, problem: "data after"},
		{name: "not JSON", method: "PATCH", template: cluster, version: v20241023, body: `{"paused":`, path: "paused", problem: "not valid JSON"},
		{name: "body is an array", method: "PATCH", template: cluster, version: v20241023, body: `[]`, problem: "is an array"},
		{name: "old version shape: 2023-02-01", method: "POST", template: clusters, version: v20230201,
			body: `{"name":"c","clusterType":"SHARDED","replicationSpecs":[{"numShards":2,"regionConfigs":[{"providerName":"AWS","regionName":"US_EAST_1","priority":7,"electableSpecs":{"instanceSize":"M30","nodeCount":3}}]}]}`},
		{name: "numShards unknown in 2024-10-23", method: "POST", template: clusters, version: v20241023,
			body: `{"replicationSpecs":[{"numShards":2}]}`, path: "replicationSpecs[0].numShards", problem: "ReplicationSpec20240805 for version 2024-10-23"},
		{name: "legacy 2023-01-01 with replicationSpec map", method: "POST", template: clusters, version: v20230101,
			body: `{"name":"c","providerSettings":{"providerName":"AWS","instanceSizeName":"M10","regionName":"US_EAST_1"},"replicationSpec":{"US_EAST_1":{"electableNodes":3,"priority":7,"readOnlyNodes":0}}}`},
		{name: "legacy map value checked", method: "POST", template: clusters, version: v20230101,
			body: `{"replicationSpec":{"US_EAST_1":{"electableNodes":"three"}}}`, path: `replicationSpec.US_EAST_1.electableNodes`, problem: `is "three"`},

		// Access list: a JSON array of NetworkPermissionEntry.
		{name: "access list", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"192.0.2.7","comment":"office"},{"cidrBlock":"10.1.0.0/16"},{"awsSecurityGroup":"sg-0123456"},{"ipAddress":"203.0.113.9","deleteAfterDate":"2026-12-08T00:00:00Z"}]`},
		{name: "full-form IPv6", method: "POST", template: accessList, version: v20230101, body: `[{"ipAddress":"2001:0db8:0000:0000:0000:0000:0000:0007"}]`},
		{name: "compressed IPv6 refused by the spec's pattern", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"2001:db8::7"}]`, path: "[0].ipAddress", problem: "does not match the pattern"},
		{name: "upper-case IPv6 refused by the spec's pattern", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"2001:0DB8:0000:0000:0000:0000:0000:0007"}]`, path: "[0].ipAddress", problem: "does not match the pattern"},
		// The RE2 translation of the spec's lookahead keeps the spec's
		// behaviour exactly, quirks included (checked against an ECMA-style
		// engine on 300k strings): a trailing dot is refused, a fifth
		// octet is not, because the IPv4 alternative has no end anchor.
		{name: "IPv4 trailing dot", method: "POST", template: accessList, version: v20230101, body: `[{"ipAddress":"10.1.2.3."}]`, path: "[0].ipAddress"},
		{name: "IPv4 fifth octet passes the spec's pattern", method: "POST", template: accessList, version: v20230101, body: `[{"ipAddress":"10.1.2.3.4"}]`},
		{name: "IPv4 octet 300", method: "POST", template: accessList, version: v20230101, body: `[{"ipAddress":"10.1.2.300"}]`, path: "[0].ipAddress"},
		{name: "IPv6 CIDR with slash", method: "POST", template: accessList, version: v20230101, body: `[{"cidrBlock":"2001:db8::/32"}]`},
		{name: "IPv6 CIDR escaped slash", method: "POST", template: accessList, version: v20230101, body: `[{"cidrBlock":"2001:db8::%2F32"}]`},
		{name: "access list comment too long", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"192.0.2.7"},{"ipAddress":"192.0.2.8","comment":"` + strings.Repeat("x", 81) + `"}]`, path: "[1].comment", problem: "the maximum is 80"},
		{name: "access list bad date", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"192.0.2.7","deleteAfterDate":"next tuesday"}]`, path: "[0].deleteAfterDate", problem: "RFC 3339"},
		{name: "access list readOnly groupId", method: "POST", template: accessList, version: v20230101,
			body: `[{"ipAddress":"192.0.2.7","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e"}]`, path: "[0].groupId", problem: "readOnly"},
		{name: "access list object, not array", method: "POST", template: accessList, version: v20230101,
			body: `{"ipAddress":"192.0.2.7"}`, problem: "wants an array"},
		{name: "access list unknown field", method: "POST", template: accessList, version: v20230101,
			body: `[{"ip":"192.0.2.7"}]`, path: "[0].ip", problem: "is not a field of NetworkPermissionEntry"},

		// Database users.
		{name: "db user", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","password":"s3cret-pass","databaseName":"admin","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e",
			        "roles":[{"roleName":"readWrite","databaseName":"orders"},{"roleName":"read","databaseName":"orders","collectionName":"c"}],
			        "scopes":[{"name":"orders","type":"CLUSTER"}],"description":"app user"}`},
		{name: "db user missing groupId", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","databaseName":"admin","roles":[]}`, path: "groupId", problem: "is required by CloudDatabaseUser"},
		{name: "db user bad role", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","databaseName":"admin","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e","roles":[{"roleName":"root","databaseName":"admin"}]}`,
			path: "roles[0].roleName", problem: `"root" is not a value DatabaseUserRole allows`},
		{name: "db user role missing database", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","databaseName":"admin","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e","roles":[{"roleName":"read"}]}`,
			path: "roles[0].databaseName", problem: "required"},
		{name: "db user short password", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","password":"short","databaseName":"admin","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e","roles":[]}`,
			path: "password", problem: "the minimum is 8"},
		{name: "db user bad auth db", method: "POST", template: dbUsers, version: v20230101,
			body: `{"username":"app","databaseName":"orders","groupId":"5f1a2b3c4d5e6f7a8b9c0d1e","roles":[]}`,
			path: "databaseName", fix: "admin, $external"},

		// Restore jobs and snapshots.
		{name: "restore job automated", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"deliveryType":"automated","snapshotId":"5f1a2b3c4d5e6f7a8b9c0d1e","targetClusterName":"restore-target","targetGroupId":"6a1a2b3c4d5e6f7a8b9c0d1e"}`},
		{name: "restore job point in time", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"deliveryType":"pointInTime","pointInTimeUTCSeconds":1767225600,"targetClusterName":"t","targetGroupId":"6a1a2b3c4d5e6f7a8b9c0d1e"}`},
		{name: "restore job pit too early", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"deliveryType":"pointInTime","pointInTimeUTCSeconds":100}`, path: "pointInTimeUTCSeconds", problem: "the minimum is 1199145600"},
		{name: "restore job missing deliveryType", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"snapshotId":"5f1a2b3c4d5e6f7a8b9c0d1e"}`, path: "deliveryType", problem: "required"},
		{name: "restore job bad target project", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"deliveryType":"automated","targetGroupId":"not-an-id"}`, path: "targetGroupId", problem: "pattern"},
		{name: "restore job readOnly failed", method: "POST", template: restoreJobs, version: v20230101,
			body: `{"deliveryType":"download","failed":false}`, path: "failed", problem: "readOnly"},
		{name: "snapshot", method: "POST", template: snapshots, version: v20230101, body: `{"description":"before migration","retentionInDays":7}`},
		{name: "snapshot empty object", method: "POST", template: snapshots, version: v20230101, body: `{}`},
		{name: "snapshot retention 0", method: "POST", template: snapshots, version: v20230101, body: `{"retentionInDays":0}`, path: "retentionInDays", problem: "the minimum is 1"},
		{name: "snapshot unknown field", method: "POST", template: snapshots, version: v20230101, body: `{"retentionDays":7}`,
			path: "retentionDays", fix: `did you mean "retentionInDays"?`},

		// API keys and projects.
		{name: "api key", method: "POST", template: apiKeys, version: v20230101, body: `{"desc":"ci","roles":["ORG_READ_ONLY"]}`},
		{name: "api key no roles", method: "POST", template: apiKeys, version: v20230101, body: `{"desc":"ci","roles":[]}`, path: "roles", problem: "the minimum is 1"},
		{name: "api key bad role", method: "POST", template: apiKeys, version: v20230101, body: `{"desc":"ci","roles":["GROUP_OWNER"]}`, path: "roles[0]", fix: "ORG_OWNER"},
		{name: "api key desc too long", method: "POST", template: apiKeys, version: v20230101, body: `{"desc":"` + strings.Repeat("d", 251) + `","roles":["ORG_MEMBER"]}`, path: "desc"},
		{name: "project", method: "POST", template: groups, version: v20230101,
			body: `{"name":"Payments-(prod)","orgId":"5f1a2b3c4d5e6f7a8b9c0d1e","regionUsageRestrictions":"COMMERCIAL_FEDRAMP_REGIONS_ONLY","withDefaultAlertsSettings":true,"tags":[{"key":"env","value":"prod"}]}`},
		{name: "project readOnly clusterCount", method: "POST", template: groups, version: v20230101,
			body: `{"name":"p","orgId":"5f1a2b3c4d5e6f7a8b9c0d1e","clusterCount":0}`, path: "clusterCount", problem: "readOnly"},
		{name: "project missing orgId", method: "POST", template: groups, version: v20230101, body: `{"name":"p"}`, path: "orgId", problem: "required"},
		{name: "project bad name", method: "POST", template: groups, version: v20230101, body: `{"name":"a/b","orgId":"5f1a2b3c4d5e6f7a8b9c0d1e"}`, path: "name", problem: "pattern"},

		// Alert configs: oneOf of 18 without a discriminator, notifications of 14.
		{name: "alert pagerduty", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"PAGER_DUTY","serviceKey":"0123456789abcdef0123456789abcdef","region":"US","delayMin":0,"intervalMin":5}`)},
		{name: "alert webhook", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/atlas?token=abc","webhookSecret":"s3cret","delayMin":0,"intervalMin":60}`)},
		{name: "alert replica set threshold via mapping", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"TOO_MANY_ELECTIONS","threshold":{"operator":"GREATER_THAN","threshold":3,"units":"RAW"},"notifications":[{"typeName":"GROUP","roles":["GROUP_OWNER"],"emailEnabled":true,"intervalMin":5}]}`},
		{name: "alert default view", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"CPS_SNAPSHOT_FAILED","notifications":[{"typeName":"EMAIL","emailAddress":"ops@example.com","intervalMin":5}]}`},
		{name: "alert unknown eventTypeName", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"CLUSTER_ON_FIRE","notifications":[{"typeName":"EMAIL","emailAddress":"ops@example.com"}]}`,
			path: "eventTypeName", problem: "any of the 18 kinds of GroupAlertsConfig", fix: "CPS_SNAPSHOT_FAILED"},
		{name: "alert unknown notification type", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"CARRIER_PIGEON"}`), path: "notifications[0].typeName", problem: "14 kinds", fix: "PAGER_DUTY"},
		{name: "alert pagerduty interval too short", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"PAGER_DUTY","serviceKey":"k","intervalMin":1}`), path: "notifications[0].intervalMin", problem: "the minimum is 5"},
		{name: "alert pagerduty bad region", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"PAGER_DUTY","serviceKey":"k","region":"APAC"}`), path: "notifications[0].region", fix: "US, EU"},
		{name: "alert webhook unknown field", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(`{"typeName":"WEBHOOK","webhookURL":"https://x"}`), path: "notifications[0].webhookURL", problem: "WebhookNotification", fix: `"webhookUrl"`},
		{name: "alert missing notifications", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD"}`, path: "notifications", problem: "required by HostMetricAlertConfigViewForNdsGroup"},
		{name: "alert readOnly id", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"id":"5f1a2b3c4d5e6f7a8b9c0d1e","eventTypeName":"OUTSIDE_METRIC_THRESHOLD","notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c"}]}`,
			path: "id", problem: "readOnly"},
		{name: "alert unknown metric", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD","metricThreshold":{"metricName":"VIBES","operator":"GREATER_THAN","threshold":1},"notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c"}]}`,
			path: "metricThreshold.metricName", problem: `"VIBES" is not a kind of HostMetricThreshold`},
		// The spec types every HostMatcher value as MatcherHostType, so a
		// matcher on HOSTNAME_AND_PORT is refused although Atlas documents it.
		{name: "alert matcher value is a host type only", method: "POST", template: alertConfigs, version: v20230101,
			body: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD","matchers":[{"fieldName":"HOSTNAME_AND_PORT","operator":"EQUALS","value":"host:27017"}],"notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c"}]}`,
			path: "matchers[0].value", problem: "MatcherHostType", fix: "PRIMARY"},
		{name: "alert too many notifications", method: "POST", template: alertConfigs, version: v20230101,
			body: alert(strings.TrimSuffix(strings.Repeat(`{"typeName":"EMAIL","emailAddress":"a@b.c"},`, 26), ",")), path: "notifications", problem: "the maximum is 25"},

		// Operations and versions without a schema are refused, not waved through.
		{name: "unknown version", method: "POST", template: clusters, version: "2025-03-12", body: awsCluster, problem: `version "2025-03-12" is not a version`, fix: "2024-10-23"},
		{name: "unknown operation", method: "DELETE", template: cluster, version: v20230201, body: `{}`, problem: "has no request schema"},
		{name: "empty body", method: "POST", template: snapshots, version: v20230101, body: ``, problem: "is empty"},
	}
	s := atlasspec.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate(tt.method, tt.template, tt.version, []byte(tt.body))
			if tt.path == "" && tt.problem == "" {
				if err != nil {
					t.Fatalf("refused a valid body: %v", err)
				}
				return
			}
			var e *atlasspec.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *atlasspec.Error at %q", err, err, tt.path)
			}
			if e.Path != tt.path {
				t.Errorf("path %q, want %q (%v)", e.Path, tt.path, e)
			}
			if !strings.Contains(e.Problem, tt.problem) {
				t.Errorf("problem %q, want it to contain %q", e.Problem, tt.problem)
			}
			if !strings.Contains(e.Fix, tt.fix) {
				t.Errorf("fix %q, want it to contain %q", e.Fix, tt.fix)
			}
			if e.Fix == "" {
				t.Errorf("no fix in %v", e)
			}
		})
	}
}

func TestHasSchema(t *testing.T) {
	s := atlasspec.New()
	for _, tt := range []struct {
		method, template, version string
		want                      bool
	}{
		{"POST", clusters, v20241023, true},
		{"PATCH", cluster, v20240805, true},
		{"patch", cluster, v20240805, true},
		{"POST", clusters, "2023-01-01", true},
		{"POST", clusters, "2025-03-12", false},
		{"POST", accessList, v20230101, true},
		{"POST", alertConfigs, v20230101, true},
		{"GET", clusters, v20240805, false},
		{"POST", "/api/atlas/v2" + clusters, v20241023, false},
	} {
		if got := s.HasSchema(tt.method, tt.template, tt.version); got != tt.want {
			t.Errorf("HasSchema(%s %s %s) = %v, want %v", tt.method, tt.template, tt.version, got, tt.want)
		}
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	s := atlasspec.New()
	done := make(chan error)
	for range 8 {
		go func() { done <- s.Validate("POST", clusters, v20241023, []byte(awsCluster)) }()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkValidateFirst(b *testing.B) {
	body := []byte(awsCluster)
	for b.Loop() {
		if err := atlasspec.New().Validate("POST", clusters, v20241023, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateCluster(b *testing.B) {
	s := atlasspec.New()
	body := []byte(awsCluster)
	if err := s.Validate("POST", clusters, v20241023, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Validate("POST", clusters, v20241023, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateAlertConfig(b *testing.B) {
	s := atlasspec.New()
	body := []byte(alert(`{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/a","intervalMin":5}`))
	if err := s.Validate("POST", alertConfigs, v20230101, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Validate("POST", alertConfigs, v20230101, body); err != nil {
			b.Fatal(err)
		}
	}
}
