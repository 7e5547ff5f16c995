package tools

import (
	"fmt"
	"strconv"
)

// argHint turns a schema violation into advice the agent can act on. Hints
// are keyed once, on the argument's name or on the pattern it breaks, never
// per tool: every tool with a clusterName gets the same words.
type argHint struct {
	required string // the fix when the argument is missing or empty
	bad      string // the problem when the value breaks its pattern; %q is the value
	fix      string // the fix when the value breaks a rule
	enumFix  string // added to the fix of a value outside the enum
	secret   bool   // never quote the value
}

func (h argHint) give() string {
	if h.required != "" {
		return h.required
	}
	return "give it; the input schema says what it holds"
}

func (h argHint) fixOr(def string) string {
	if h.fix != "" {
		return h.fix
	}
	return def
}

func (h argHint) quote(v any) string {
	if h.secret {
		return "the value"
	}
	if s, ok := v.(string); ok {
		return strconv.Quote(truncate(s, 40))
	}
	return fmt.Sprint(v)
}

func (h argHint) badValue(got, pattern string) string {
	switch {
	case h.secret:
		return "does not have the form the input schema gives"
	case h.bad != "":
		return fmt.Sprintf(h.bad, truncate(got, 70))
	}
	return fmt.Sprintf("%s does not match %s", h.quote(got), pattern)
}

// The patterns of the input types' tags that hints are keyed on. A test keeps
// each of them present in the committed schemas.
const (
	idPattern          = `^[a-f0-9]{24}$`
	clusterNamePattern = `^[a-zA-Z0-9][a-zA-Z0-9-]*$`
	projectNamePattern = `^[\p{L}\p{N}\-_.(),:&@+']+$`
	upperSnakePattern  = `^[A-Z][A-Z0-9_]*$`
)

func idHint(findWith string) argHint {
	return argHint{
		required: "give the 24-character hex ID; find it with " + findWith,
		bad:      "must be a 24-character lowercase hex Atlas ID, got %q",
		fix:      "find the ID with " + findWith,
	}
}

var clusterNameHint = argHint{
	required: "give the cluster's name; find it with atlas-list-clusters",
	bad:      "%q is not a valid Atlas cluster name",
	fix:      "use 1-64 ASCII letters, digits and hyphens, starting with a letter or digit",
}

var patternHints = map[string]argHint{
	idPattern:          {bad: "must be a 24-character lowercase hex ID, got %q", fix: "copy the ID from Atlas"},
	clusterNamePattern: clusterNameHint,
	projectNamePattern: {bad: "%q is not a valid project name", fix: "use 1-64 letters, digits and - _ . ( ) , : & @ + ' (no spaces)"},
	upperSnakePattern:  {bad: "%q is not an Atlas name of this kind", fix: "use upper case letters, digits and underscores"},
}

var nameHints = map[string]argHint{
	"projectId":       idHint("atlas-list-projects"),
	"targetProjectId": idHint("atlas-list-projects"),
	"orgId":           idHint("atlas-list-orgs"),
	"apiKeyId":        idHint("atlas-list-api-keys"),
	"appId":           {required: "give the app's _id; find it with appservices-list-apps", bad: "must be the app's _id (24 lowercase hex characters), got %q", fix: "pass the app's _id from appservices-list-apps, not its client_app_id"},
	"triggerId":       idHint("appservices-list-triggers"),
	"snapshotId":      idHint("atlas-list-snapshots"),
	"restoreJobId":    idHint("atlas-list-restore-jobs"),
	"clusterName":     clusterNameHint,
	"targetClusterName": {
		required: "name the cluster whose data the restore replaces",
		bad:      clusterNameHint.bad, fix: clusterNameHint.fix,
	},
	"providerName":  {required: "give AWS, GCP or AZURE (or pass replicationSpecs)"},
	"regionName":    {required: "give an Atlas region name such as US_EAST_1", bad: "%q is not an Atlas region name", fix: "Atlas region names are upper case with underscores, e.g. US_EAST_1"},
	"instanceSize":  {required: "give an Atlas tier such as M10 or M30", bad: "%q is not an Atlas instance size", fix: "use a tier such as M0, M10, M30, M40, R40 or M40_NVME"},
	"eventTypeName": {required: "give the Atlas event type, e.g. OUTSIDE_METRIC_THRESHOLD or NO_PRIMARY", bad: "%q is not an Atlas event type name", fix: "event types are upper case with underscores, e.g. NO_PRIMARY"},
	"fieldName":     {required: "give a field such as CLUSTER_NAME", bad: "%q is not an Atlas matcher field", fix: "use a field such as CLUSTER_NAME, REPLICA_SET_NAME, HOSTNAME_AND_PORT or TYPE_NAME"},
	"metricName":    {required: "give a metric such as CONNECTIONS", bad: "%q is not an Atlas metric name", fix: "use a metric such as CONNECTIONS or NORMALIZED_SYSTEM_CPU_USER"},
	"typeName":      {required: "give one of EMAIL, USER, GROUP, ORG, TEAM, SLACK", enumFix: "; other kinds (SMS, PAGER_DUTY, WEBHOOK, DATADOG, OPS_GENIE, MICROSOFT_TEAMS, VICTOR_OPS) and their credentials go in body, the full GroupAlertsConfig"},
	"value":         {required: "give the value to compare with"},
	"name":          {required: "give the name"},
	"roles":         {required: "give at least one role (the input schema shows its form)", bad: "%q is not an Atlas role name", fix: "use names such as GROUP_OWNER or ORG_OWNER"},
	"roleName":      {required: "give a built-in role such as readWrite or the name of a custom role"},
	"username":      {required: "give the user's name; find existing ones with atlas-list-db-users"},
	"password":      {secret: true, fix: "use a longer password, ideally a generated one"},
	"desc":          {required: "say what the key is for and who owns it"},
	"description":   {required: "say why it exists; it is how you will recognise it later"},
	"deliveryType":  {required: "use automated (restore a snapshot onto a cluster), pointInTime, or download"},
	"entryValue":    {required: "give the IP address, CIDR block or security group to remove; find it with atlas-list-access-list"},
	"entries":       {fix: "add fewer entries, or use wider CIDR blocks"},
	"pageNum":       {fix: "start at 1"},
	"itemsPerPage":  {fix: "Atlas pages hold at most 500 items; page with pageNum"},
	"retentionInDays": {
		fix: "give the number of days to keep the snapshot (1 to 365)",
	},
	"intervalMin":      {fix: "Atlas re-notifies at most every 5 minutes"},
	"delayMin":         {fix: "give the minutes to wait before the first notification"},
	"replicationSpecs": {required: "see the Atlas createCluster API; or use the flat arguments"},
	"body":             {fix: "send the fields to change"},
}

// hintFor is the hint of an argument: by its name, else by the pattern it
// broke, else none (the generic words of schemaProblem).
func hintFor(field, pattern string) argHint {
	if h, ok := nameHints[lastName(field)]; ok {
		if h.bad == "" && pattern != "" {
			p := patternHints[pattern]
			h.bad, h.fix = p.bad, orText(h.fix, p.fix)
		}
		return h
	}
	return patternHints[pattern]
}
