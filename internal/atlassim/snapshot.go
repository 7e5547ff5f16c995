package atlassim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// snapshotVersion changes when the snapshot's shape does; a file of another
// version is refused rather than half understood.
const snapshotVersion = 1

// Snapshot is the simulator's Atlas data in JSON: organizations, projects and
// everything in them, API keys. Sessions, tokens, rate-limit buckets, faults
// and the request log are not part of it: they belong to one process.
func (s *Sim) Snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.snapshotLocked())
}

// Restore replaces the simulator's Atlas data with a Snapshot. A snapshot of
// a commercial simulator does not restore into a gov one, nor the reverse:
// their rules differ.
func (s *Sim) Restore(data []byte) error {
	var snap stateSnapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	// Stored Atlas documents keep json.Number, as request bodies do.
	dec.UseNumber()
	if err := dec.Decode(&snap); err != nil {
		return fmt.Errorf("atlassim: restore: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("atlassim: restore: snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	if snap.Gov != s.opts.Gov {
		return errors.New("atlassim: restore: the snapshot is of the other cloud (commercial vs gov)")
	}
	st := snap.state()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	return nil
}

func (s *Sim) snapshotLocked() stateSnapshot {
	out := stateSnapshot{Version: snapshotVersion, Gov: s.opts.Gov}
	for _, o := range s.st.orgs {
		out.Orgs = append(out.Orgs, orgSnap{ID: o.id, Name: o.name, Created: o.created})
	}
	for _, p := range s.st.projects {
		out.Projects = append(out.Projects, snapProject(p))
	}
	for _, k := range s.st.apiKeys {
		out.APIKeys = append(out.APIKeys, apiKeySnap{ID: k.id, OrgID: k.orgID, Desc: k.desc, PublicKey: k.publicKey, PrivateKey: k.privateKey, Roles: k.roles, Created: k.created})
	}
	return out
}

// The snapshot types mirror state.go field for field (a test checks that
// none is forgotten); only caches are left out.
type stateSnapshot struct {
	Version  int           `json:"version"`
	Gov      bool          `json:"gov"`
	Orgs     []orgSnap     `json:"orgs"`
	Projects []projectSnap `json:"projects"`
	APIKeys  []apiKeySnap  `json:"apiKeys"`
}

type orgSnap struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

type projectSnap struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	OrgID        string           `json:"orgId"`
	Created      time.Time        `json:"created"`
	Restriction  string           `json:"restriction"`
	Tags         []any            `json:"tags"`
	WithAlerts   bool             `json:"withAlerts"`
	Clusters     []clusterSnap    `json:"clusters"`
	Users        []dbUserSnap     `json:"users"`
	Access       []accessSnap     `json:"access"`
	Alerts       []map[string]any `json:"alerts"`
	AlertConfigs []map[string]any `json:"alertConfigs"`
	Snapshots    []snapshotSnap   `json:"snapshots"`
	Restores     []restoreSnap    `json:"restores"`
	Apps         []appSnap        `json:"apps"`
}

type clusterSnap struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	GroupID  string         `json:"groupId"`
	Created  time.Time      `json:"created"`
	State    string         `json:"state"`
	SettleAt time.Time      `json:"settleAt"`
	Fields   map[string]any `json:"fields"`
	Repl     []any          `json:"repl"`
}

type dbUserSnap struct {
	Username     string         `json:"username"`
	DatabaseName string         `json:"databaseName"`
	Password     string         `json:"password"`
	Doc          map[string]any `json:"doc"`
}

type accessSnap struct {
	IPAddress        string     `json:"ipAddress"`
	CIDRBlock        string     `json:"cidrBlock"`
	AWSSecurityGroup string     `json:"awsSecurityGroup"`
	Comment          string     `json:"comment"`
	DeleteAfter      *time.Time `json:"deleteAfter"`
}

type snapshotSnap struct {
	ID           string    `json:"id"`
	ClusterName  string    `json:"clusterName"`
	Created      time.Time `json:"created"`
	Expires      time.Time `json:"expires"`
	Description  string    `json:"description"`
	SnapshotType string    `json:"snapshotType"`
	Frequency    string    `json:"frequency"`
	Provider     string    `json:"provider"`
	MongodVer    string    `json:"mongodVer"`
	SizeBytes    int64     `json:"sizeBytes"`
	SeededDone   bool      `json:"seededDone"`
}

type restoreSnap struct {
	ID           string    `json:"id"`
	ClusterName  string    `json:"clusterName"`
	Created      time.Time `json:"created"`
	DeliveryType string    `json:"deliveryType"`
	SnapshotID   string    `json:"snapshotId"`
	TargetName   string    `json:"targetName"`
	TargetGroup  string    `json:"targetGroup"`
	PitSeconds   *int64    `json:"pitSeconds"`
	OplogTs      *int64    `json:"oplogTs"`
	OplogInc     *int64    `json:"oplogInc"`
	SnapshotTime time.Time `json:"snapshotTime"`
}

type apiKeySnap struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"orgId"`
	Desc       string    `json:"desc"`
	PublicKey  string    `json:"publicKey"`
	PrivateKey string    `json:"privateKey"`
	Roles      []string  `json:"roles"`
	Created    time.Time `json:"created"`
}

type appSnap struct {
	ID           string        `json:"id"`
	GroupID      string        `json:"groupId"`
	DomainID     string        `json:"domainId"`
	ClientAppID  string        `json:"clientAppId"`
	Name         string        `json:"name"`
	Location     string        `json:"location"`
	Deployment   string        `json:"deployment"`
	LastUsed     int64         `json:"lastUsed"`
	LastModified int64         `json:"lastModified"`
	Product      string        `json:"product"`
	Environment  string        `json:"environment"`
	Triggers     []triggerSnap `json:"triggers"`
}

type triggerSnap struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Type         string         `json:"type"`
	Disabled     bool           `json:"disabled"`
	Config       map[string]any `json:"config"`
	FunctionID   string         `json:"functionId"`
	FunctionName string         `json:"functionName"`
	LastModified int64          `json:"lastModified"`
}

func snapProject(p *project) projectSnap {
	ps := projectSnap{ID: p.id, Name: p.name, OrgID: p.orgID, Created: p.created, Restriction: p.restriction,
		Tags: p.tags, WithAlerts: p.withAlerts, Alerts: p.alerts, AlertConfigs: p.alertConfigs}
	for _, c := range p.clusters {
		ps.Clusters = append(ps.Clusters, clusterSnap{ID: c.id, Name: c.name, GroupID: c.groupID, Created: c.created,
			State: c.state, SettleAt: c.settleAt, Fields: c.fields, Repl: c.repl})
	}
	for _, u := range p.users {
		ps.Users = append(ps.Users, dbUserSnap{Username: u.username, DatabaseName: u.databaseName, Password: u.password, Doc: u.doc})
	}
	for _, e := range p.access {
		ps.Access = append(ps.Access, accessSnap{IPAddress: e.ipAddress, CIDRBlock: e.cidrBlock, AWSSecurityGroup: e.awsSecurityGroup,
			Comment: e.comment, DeleteAfter: e.deleteAfter})
	}
	for _, s := range p.snapshots {
		ps.Snapshots = append(ps.Snapshots, snapshotSnap{ID: s.id, ClusterName: s.clusterName, Created: s.created, Expires: s.expires,
			Description: s.description, SnapshotType: s.snapshotType, Frequency: s.frequency, Provider: s.provider,
			MongodVer: s.mongodVer, SizeBytes: s.sizeBytes, SeededDone: s.seededDone})
	}
	for _, r := range p.restores {
		ps.Restores = append(ps.Restores, restoreSnap{ID: r.id, ClusterName: r.clusterName, Created: r.created,
			DeliveryType: r.deliveryType, SnapshotID: r.snapshotID, TargetName: r.targetName, TargetGroup: r.targetGroup,
			PitSeconds: r.pitSeconds, OplogTs: r.oplogTs, OplogInc: r.oplogInc, SnapshotTime: r.snapshotTime})
	}
	for _, a := range p.apps {
		as := appSnap{ID: a.id, GroupID: a.groupID, DomainID: a.domainID, ClientAppID: a.clientAppID, Name: a.name,
			Location: a.location, Deployment: a.deployment, LastUsed: a.lastUsed, LastModified: a.lastModified,
			Product: a.product, Environment: a.environment}
		for _, t := range a.triggers {
			as.Triggers = append(as.Triggers, triggerSnap{ID: t.id, Name: t.name, Type: t.typ, Disabled: t.disabled,
				Config: t.config, FunctionID: t.functionID, FunctionName: t.functionName, LastModified: t.lastModified})
		}
		ps.Apps = append(ps.Apps, as)
	}
	return ps
}

func (snap *stateSnapshot) state() state {
	var st state
	for _, o := range snap.Orgs {
		st.orgs = append(st.orgs, &org{id: o.ID, name: o.Name, created: o.Created})
	}
	for _, ps := range snap.Projects {
		p := &project{id: ps.ID, name: ps.Name, orgID: ps.OrgID, created: ps.Created, restriction: ps.Restriction,
			tags: ps.Tags, withAlerts: ps.WithAlerts, alerts: ps.Alerts, alertConfigs: ps.AlertConfigs}
		for _, c := range ps.Clusters {
			p.clusters = append(p.clusters, &cluster{id: c.ID, name: c.Name, groupID: c.GroupID, created: c.Created,
				state: c.State, settleAt: c.SettleAt, fields: c.Fields, repl: c.Repl})
		}
		for _, u := range ps.Users {
			p.users = append(p.users, &dbUser{username: u.Username, databaseName: u.DatabaseName, password: u.Password, doc: u.Doc})
		}
		for _, e := range ps.Access {
			p.access = append(p.access, &accessEntry{ipAddress: e.IPAddress, cidrBlock: e.CIDRBlock, awsSecurityGroup: e.AWSSecurityGroup,
				comment: e.Comment, deleteAfter: e.DeleteAfter})
		}
		for _, s := range ps.Snapshots {
			p.snapshots = append(p.snapshots, &snapshot{id: s.ID, clusterName: s.ClusterName, created: s.Created, expires: s.Expires,
				description: s.Description, snapshotType: s.SnapshotType, frequency: s.Frequency, provider: s.Provider,
				mongodVer: s.MongodVer, sizeBytes: s.SizeBytes, seededDone: s.SeededDone})
		}
		for _, r := range ps.Restores {
			p.restores = append(p.restores, &restoreJob{id: r.ID, clusterName: r.ClusterName, created: r.Created,
				deliveryType: r.DeliveryType, snapshotID: r.SnapshotID, targetName: r.TargetName, targetGroup: r.TargetGroup,
				pitSeconds: r.PitSeconds, oplogTs: r.OplogTs, oplogInc: r.OplogInc, snapshotTime: r.SnapshotTime})
		}
		for _, as := range ps.Apps {
			a := &app{id: as.ID, groupID: as.GroupID, domainID: as.DomainID, clientAppID: as.ClientAppID, name: as.Name,
				location: as.Location, deployment: as.Deployment, lastUsed: as.LastUsed, lastModified: as.LastModified,
				product: as.Product, environment: as.Environment}
			for _, t := range as.Triggers {
				a.triggers = append(a.triggers, &trigger{id: t.ID, name: t.Name, typ: t.Type, disabled: t.Disabled,
					config: t.Config, functionID: t.FunctionID, functionName: t.FunctionName, lastModified: t.LastModified})
			}
			p.apps = append(p.apps, a)
		}
		st.projects = append(st.projects, p)
	}
	for _, k := range snap.APIKeys {
		st.apiKeys = append(st.apiKeys, &apiKey{id: k.ID, orgID: k.OrgID, desc: k.Desc, publicKey: k.PublicKey, privateKey: k.PrivateKey, roles: k.Roles, created: k.Created})
	}
	return st
}
