package atlassim

import "time"

// Demo identifiers and credentials seeded when Options.Seed is true (fixed 24-hex IDs so docs/tests can name them).
const (
	DemoOrgID        = "6650a0c0f0a1b2c3d4e5f601"
	DemoProjectID    = "6650a0c0f0a1b2c3d4e5f602" // "demo-project": clusters, users, access list, an open alert
	DemoProject2ID   = "6650a0c0f0a1b2c3d4e5f603" // "empty-project": no clusters (so it can be deleted)
	DemoAppID        = "6650a0c0f0a1b2c3d4e5f6a1" // App Services app in DemoProjectID, with two triggers
	DemoClientID     = "mdb_sa_id_sandbox"        // service account
	DemoClientSecret = "mdb_sa_sk_sandbox"
	DemoPublicKey    = "sandboxpub"                           // Digest API key (also valid for App Services login)
	DemoPrivateKey   = "00000000-0000-4000-8000-000000000000" // private half of DemoPublicKey
)

// Extra seeded identifiers (additions to the contract above).
const (
	// DemoGovProjectID is "gov-project", seeded only when Options.Gov is true:
	// regionUsageRestrictions GOV_REGIONS_ONLY, one cluster in AWS US_GOV_WEST_1.
	DemoGovProjectID = "6650a0c0f0a1b2c3d4e5f604"
	// DemoReadOnlyPublicKey / DemoReadOnlyPrivateKey are the org API key the seed
	// lists under /orgs/{DemoOrgID}/apiKeys. It holds ORG_READ_ONLY, so it
	// authenticates (Digest or App Services login) but every write answers 403.
	DemoReadOnlyPublicKey  = "readonly"
	DemoReadOnlyPrivateKey = "11111111-1111-4111-8111-111111111111"
	// DemoReadOnlyAPIKeyID is the apiUserId of that key.
	DemoReadOnlyAPIKeyID = "6650a0c0f0a1b2c3d4e5f6b1"
	// DemoTriggerDatabaseID and DemoTriggerScheduledID are the two triggers of DemoAppID.
	DemoTriggerDatabaseID  = "6650a0c0f0a1b2c3d4e5f6c1"
	DemoTriggerScheduledID = "6650a0c0f0a1b2c3d4e5f6c2"
)

// Rate-limit endpoint sets (keys of Options.Limits and SetLimit).
const (
	SetClusters      = "clusters"
	SetDatabaseUsers = "databaseUsers"
	SetStandard      = "standard"
	SetAppServices   = "appServices"
)

// Limit is one token bucket: Capacity requests in a burst, refilled by Refill
// tokens every Per. A Capacity <= 0 or Per <= 0 disables the bucket.
type Limit struct {
	Capacity int
	Refill   int
	Per      time.Duration
}

// Options configures a Sim. The zero value is a working, empty commercial Atlas
// (only the demo organization exists; see New).
type Options struct {
	Seed bool // load demo data
	Gov  bool // Atlas for Government rules enforced server-side
	// StrictBodies checks every request body against the Atlas request
	// schema of the version served before the handler's own checks: unknown
	// and readOnly fields, types and patterns are refused with 400
	// INVALID_ATTRIBUTE naming the field. Off, the handlers' own (fewer,
	// more specific) checks answer alone.
	StrictBodies        bool
	TokenTTL            time.Duration // OAuth access token lifetime; default 3600s (expires_in reflects it)
	AppServicesTokenTTL time.Duration // App Services access token lifetime; default 30m
	// ClusterTransition is how long a cluster stays CREATING/UPDATING/DELETING
	// before it settles; default 3s; 0 means use default, negative means instant.
	ClusterTransition time.Duration
	// JobDuration is the snapshot / restore job completion time; default 3s; negative = instant.
	JobDuration time.Duration
	// Limits per endpoint set ("clusters", "databaseUsers", "standard",
	// "appServices"). Missing sets take DefaultLimits.
	Limits          map[string]Limit
	ServiceAccounts map[string]string // clientID → secret; default {DemoClientID: DemoClientSecret}
	APIKeys         map[string]string // public → private; default {DemoPublicKey: DemoPrivateKey}
	Now             func() time.Time  // optional clock
}

// DefaultLimits returns the bucket of each endpoint set when Options.Limits does
// not name it. clusters and databaseUsers are the seed's published numbers
// (capacity 10,000, refill 5,000 per 60 s, per project). Atlas publishes no
// number for the rest, so "standard" takes the long-documented 100 requests per
// minute (capacity 100, refill 100 per 60 s), scoped to the project in the
// path, else the organization in the path, else the credential; "appServices"
// gets the same numbers scoped the same way. Benchmarks that hammer one
// standard endpoint should raise these through Options.Limits.
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		SetClusters:      {Capacity: 10000, Refill: 5000, Per: 60 * time.Second},
		SetDatabaseUsers: {Capacity: 10000, Refill: 5000, Per: 60 * time.Second},
		SetStandard:      {Capacity: 100, Refill: 100, Per: 60 * time.Second},
		SetAppServices:   {Capacity: 100, Refill: 100, Per: 60 * time.Second},
	}
}

const (
	defaultTokenTTL            = 3600 * time.Second
	defaultAppServicesTokenTTL = 30 * time.Minute
	defaultTransition          = 3 * time.Second
	defaultJobDuration         = 3 * time.Second
	digestNonceTTL             = 5 * time.Minute
	maxLoggedRequests          = 100000
	maxBodyBytes               = 4 << 20
)

// normalized fills the defaults in a copy of o.
func (o Options) normalized() Options {
	if o.TokenTTL <= 0 {
		o.TokenTTL = defaultTokenTTL
	}
	if o.AppServicesTokenTTL <= 0 {
		o.AppServicesTokenTTL = defaultAppServicesTokenTTL
	}
	switch {
	case o.ClusterTransition == 0:
		o.ClusterTransition = defaultTransition
	case o.ClusterTransition < 0:
		o.ClusterTransition = 0
	}
	switch {
	case o.JobDuration == 0:
		o.JobDuration = defaultJobDuration
	case o.JobDuration < 0:
		o.JobDuration = 0
	}
	limits := DefaultLimits()
	for k, v := range o.Limits {
		limits[k] = v
	}
	o.Limits = limits
	if o.ServiceAccounts == nil {
		o.ServiceAccounts = map[string]string{DemoClientID: DemoClientSecret}
	} else {
		o.ServiceAccounts = copyMap(o.ServiceAccounts)
	}
	if o.APIKeys == nil {
		o.APIKeys = map[string]string{DemoPublicKey: DemoPrivateKey}
	} else {
		o.APIKeys = copyMap(o.APIKeys)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
