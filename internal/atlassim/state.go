package atlassim

import (
	"time"
)

// state is everything "Atlas" stores. It is guarded by Sim.mu; slices keep
// creation order so lists are stable.
type state struct {
	orgs     []*org
	projects []*project
	apiKeys  []*apiKey
}

type org struct {
	id      string
	name    string
	created time.Time
}

type project struct {
	id          string
	name        string
	orgID       string
	created     time.Time
	restriction string // regionUsageRestrictions
	tags        []any
	withAlerts  bool

	clusters     []*cluster
	users        []*dbUser
	access       []*accessEntry
	alerts       []map[string]any
	alertConfigs []map[string]any
	snapshots    []*snapshot
	restores     []*restoreJob
	apps         []*app
}

type cluster struct {
	id       string
	name     string
	groupID  string
	created  time.Time
	state    string    // IDLE, CREATING, UPDATING, DELETING
	settleAt time.Time // when a transitional state ends
	// fields holds the writable top-level attributes as decoded JSON, except
	// replicationSpecs, which is kept normalized in repl.
	fields map[string]any
	repl   []any
	// gen counts changes to fields and repl; the rendered answer is cached
	// against it (lists of many clusters are what benchmarks hammer).
	gen   int
	cache clusterCache
}

type clusterCache struct {
	key string
	raw []byte
}

type dbUser struct {
	username     string
	databaseName string
	password     string // stored so the sim could check it; never answered
	doc          map[string]any
}

type accessEntry struct {
	ipAddress        string
	cidrBlock        string
	awsSecurityGroup string
	comment          string
	deleteAfter      *time.Time
}

type snapshot struct {
	id           string
	clusterName  string
	created      time.Time
	expires      time.Time
	description  string
	snapshotType string // onDemand, scheduled
	frequency    string // for scheduled ones
	provider     string
	mongodVer    string
	sizeBytes    int64
	seededDone   bool // seeded snapshots are completed regardless of JobDuration
}

type restoreJob struct {
	id           string
	clusterName  string
	created      time.Time
	deliveryType string
	snapshotID   string
	targetName   string
	targetGroup  string
	pitSeconds   *int64
	oplogTs      *int64
	oplogInc     *int64
	snapshotTime time.Time
}

type apiKey struct {
	id         string
	orgID      string
	desc       string
	publicKey  string
	privateKey string
	roles      []string
	created    time.Time
}

type app struct {
	id           string
	groupID      string
	domainID     string
	clientAppID  string
	name         string
	location     string
	deployment   string
	lastUsed     int64
	lastModified int64
	product      string
	environment  string
	triggers     []*trigger
}

type trigger struct {
	id           string
	name         string
	typ          string
	disabled     bool
	config       map[string]any
	functionID   string
	functionName string
	lastModified int64
}

func (st *state) org(id string) *org {
	for _, o := range st.orgs {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (st *state) project(id string) *project {
	for _, p := range st.projects {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (st *state) removeProject(id string) {
	for i, p := range st.projects {
		if p.id == id {
			st.projects = append(st.projects[:i], st.projects[i+1:]...)
			return
		}
	}
}

func (p *project) cluster(name string) *cluster {
	for _, c := range p.clusters {
		if c.name == name {
			return c
		}
	}
	return nil
}

// settle applies the lazily computed passage of time to the project's
// clusters: transitional states end at settleAt, and a DELETING cluster is
// gone after it (with its snapshots, as Atlas does without retainBackups).
func (p *project) settle(now time.Time) {
	kept := p.clusters[:0]
	for _, c := range p.clusters {
		if c.state != stateIdle && !now.Before(c.settleAt) {
			if c.state == stateDeleting {
				p.dropSnapshotsOf(c.name)
				continue
			}
			c.state = stateIdle
		}
		kept = append(kept, c)
	}
	for i := len(kept); i < len(p.clusters); i++ {
		p.clusters[i] = nil
	}
	p.clusters = kept

	entries := p.access[:0]
	for _, e := range p.access {
		if e.deleteAfter != nil && !now.Before(*e.deleteAfter) {
			continue
		}
		entries = append(entries, e)
	}
	p.access = entries
}

func (p *project) dropSnapshotsOf(clusterName string) {
	kept := p.snapshots[:0]
	for _, s := range p.snapshots {
		if s.clusterName != clusterName {
			kept = append(kept, s)
		}
	}
	p.snapshots = kept
}

func (p *project) app(id string) *app {
	for _, a := range p.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

const (
	stateIdle     = "IDLE"
	stateCreating = "CREATING"
	stateUpdating = "UPDATING"
	stateDeleting = "DELETING"
)
