package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// clusterTools are the tools of this area, in the catalogue's order (reads first).
func clusterTools() []*Tool {
	return []*Tool{listClusters(), getCluster(), createCluster(), updateCluster(), deleteCluster()}
}

// cluster is the part of ClusterDescription20240805 the summaries use.
type cluster struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	GroupID             string `json:"groupId"`
	ClusterType         string `json:"clusterType"`
	StateName           string `json:"stateName"`
	MongoDBVersion      string `json:"mongoDBVersion"`
	MongoDBMajorVersion string `json:"mongoDBMajorVersion"`
	Paused              bool   `json:"paused"`
	CreateDate          string `json:"createDate"`
	ConnectionStrings   struct {
		Standard    string `json:"standard"`
		StandardSrv string `json:"standardSrv"`
	} `json:"connectionStrings"`
	ReplicationSpecs []struct {
		ZoneName      string `json:"zoneName"`
		RegionConfigs []struct {
			ProviderName        string `json:"providerName"`
			BackingProviderName string `json:"backingProviderName"`
			RegionName          string `json:"regionName"`
			Priority            int    `json:"priority"`
			ElectableSpecs      struct {
				InstanceSize string `json:"instanceSize"`
				NodeCount    int    `json:"nodeCount"`
			} `json:"electableSpecs"`
		} `json:"regionConfigs"`
	} `json:"replicationSpecs"`
}

// ClusterSummary is the compact view of a cluster an agent usually needs.
type ClusterSummary struct {
	Name                string   `json:"name"`
	ID                  string   `json:"id,omitempty"`
	State               string   `json:"stateName" jsonschema:"enum=IDLE,enum=CREATING,enum=UPDATING,enum=DELETING,enum=REPAIRING"`
	InstanceSize        string   `json:"instanceSize,omitempty" jsonschema_description:"Tier of the electable nodes of the first region, e.g. M30."`
	Providers           []string `json:"providers,omitempty"`
	Regions             []string `json:"regions,omitempty"`
	ClusterType         string   `json:"clusterType,omitempty"`
	MongoDBVersion      string   `json:"mongoDBVersion,omitempty"`
	Paused              bool     `json:"paused"`
	ConnectionStringSrv string   `json:"connectionStringSrv,omitempty"`
}

func (c *cluster) summary() ClusterSummary {
	s := ClusterSummary{Name: c.Name, ID: c.ID, State: c.StateName, ClusterType: c.ClusterType, MongoDBVersion: c.MongoDBVersion, Paused: c.Paused, ConnectionStringSrv: c.ConnectionStrings.StandardSrv}
	seenP, seenR := map[string]bool{}, map[string]bool{}
	for _, rs := range c.ReplicationSpecs {
		for _, rc := range rs.RegionConfigs {
			if s.InstanceSize == "" {
				s.InstanceSize = rc.ElectableSpecs.InstanceSize
			}
			p := rc.ProviderName
			if p == "TENANT" && rc.BackingProviderName != "" {
				p = rc.BackingProviderName
			}
			if p != "" && !seenP[p] {
				seenP[p] = true
				s.Providers = append(s.Providers, p)
			}
			if rc.RegionName != "" && !seenR[rc.RegionName] {
				seenR[rc.RegionName] = true
				s.Regions = append(s.Regions, rc.RegionName)
			}
		}
	}
	if s.MongoDBVersion == "" {
		s.MongoDBVersion = c.MongoDBMajorVersion
	}
	return s
}

func clusterRows(cs []ClusterSummary) string {
	rows := make([][]string, 0, len(cs))
	for _, c := range cs {
		where := c.Regions
		prov := strings.Join(c.Providers, "+")
		state := c.State
		if c.Paused {
			state += " (paused)"
		}
		rows = append(rows, []string{c.Name, orDash(c.InstanceSize), orDash(prov) + "/" + orDash(strings.Join(where, ",")), orDash(state), orDash(c.MongoDBVersion)})
	}
	return table([]string{"NAME", "TIER", "PROVIDER/REGION", "STATE", "VERSION"}, rows)
}

// --- atlas-list-clusters ---

// ListClustersInput lists the clusters of one project.
type ListClustersInput = ProjectList

func listClusters() *Tool {
	return listSpec[ListClustersInput, ClusterSummary]{
		Name:        "atlas-list-clusters",
		Title:       "List clusters",
		Description: "List a project's clusters: name, tier, provider/region, state, MongoDB version.",
		Area:        AreaClusters,
		Op:          atlasclient.ListGroupClusters,
		FromDoc:     fromDoc((*cluster).summary),
		What:        func(in *ListClustersInput) string { return "Clusters in project " + in.ProjectID },
		Noun:        "clusters",
		Rows:        clusterRows,
	}.tool()
}

func dataIf(cond bool, f func() string) string {
	if !cond {
		return ""
	}
	return f()
}

// --- atlas-get-cluster ---

// GetClusterInput names one cluster.
type GetClusterInput struct {
	ProjectScope
	ClusterName string `json:"clusterName" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"The cluster's name."`
	Verbosity
}

func (in *GetClusterInput) prepare(env *Env) error {
	return in.resolve(env)
}
func (in *GetClusterInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}
func (in *GetClusterInput) params() map[string]string {
	return getClusterRequest(in.ProjectID, in.ClusterName).Params
}

// ClusterOutput is the structured answer about one cluster.
type ClusterOutput struct {
	Cluster ClusterSummary  `json:"cluster"`
	Raw     json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full Atlas document, only with verbose:true."`
}

func getClusterRequest(projectID, name string) *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.GetGroupCluster, Params: map[string]string{"groupId": projectID, "clusterName": name}}
}

func readCluster(ctx context.Context, env *Env, projectID, name string) (*cluster, json.RawMessage, error) {
	c, raw, err := fetchOne(ctx, env, getClusterRequest(projectID, name), "cluster", unmarshalAs[cluster])
	if err != nil {
		return nil, nil, err
	}
	return &c, raw, nil
}

func clusterResult(verb string, c *cluster, raw json.RawMessage, verbose bool) *Result {
	s := c.summary()
	out := &ClusterOutput{Cluster: s}
	if verbose {
		out.Raw = raw
	}
	data := clusterRows([]ClusterSummary{s})
	if s.ConnectionStringSrv != "" {
		data += "\nconnection string: " + s.ConnectionStringSrv
	}
	return &Result{Summary: fmt.Sprintf("%s cluster %s: state %s.", verb, s.Name, orDash(s.State)), Data: data, Structured: out}
}

func getCluster() *Tool {
	return getSpec[GetClusterInput, cluster, ClusterOutput]{
		Name:        "atlas-get-cluster",
		Title:       "Get cluster",
		Description: "Get one cluster: state, tier, regions, MongoDB version, SRV connection string.",
		Area:        AreaClusters,
		Op:          atlasclient.GetGroupCluster,
		Noun:        "cluster",
		Answer: func(_ *GetClusterInput, c cluster, raw json.RawMessage) *Result {
			return clusterResult("Read", &c, raw, raw != nil)
		},
	}.tool()
}

// --- atlas-create-cluster ---

// CreateClusterInput creates a cluster from flat arguments, or from full
// replicationSpecs for multi-region and sharded layouts.
type CreateClusterInput struct {
	ProjectScope
	ClusterName         string          `json:"clusterName" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"Fixed once made."`
	ProviderName        string          `json:"providerName,omitempty" jsonschema:"enum=AWS,enum=GCP,enum=AZURE" jsonschema_description:"For M0, the backing one."`
	RegionName          string          `json:"regionName,omitempty" jsonschema:"pattern=^[A-Z][A-Z0-9_]*$" jsonschema_description:"e.g. US_EAST_1 (AWS), CENTRAL_US (GCP)."`
	InstanceSize        string          `json:"instanceSize,omitempty" jsonschema:"pattern=^(FLEX|[MR][0-9]+(_NVME)?)$" jsonschema_description:"Tier, e.g. M0 (free), M10, M30."`
	NodeCount           int             `json:"nodeCount,omitempty" jsonschema:"enum=3,enum=5,enum=7" jsonschema_description:"Default 3."`
	ClusterType         string          `json:"clusterType,omitempty" jsonschema:"enum=REPLICASET,enum=SHARDED,enum=GEOSHARDED" jsonschema_description:"Default REPLICASET."`
	MongoDBMajorVersion string          `json:"mongoDBMajorVersion,omitempty" jsonschema_description:"e.g. 8.0; default Atlas's."`
	ReplicationSpecs    json.RawMessage `json:"replicationSpecs,omitempty" jsonschema:"type=array,minItems=1" jsonschema_description:"Full Atlas replicationSpecs instead."`
	Waiting
	WriteOptions

	specs   []replicationSpec
	rawSpec bool
}

type regionConfig struct {
	ProviderName        string         `json:"providerName"`
	BackingProviderName string         `json:"backingProviderName,omitempty"`
	RegionName          string         `json:"regionName"`
	Priority            int            `json:"priority"`
	ElectableSpecs      map[string]any `json:"electableSpecs"`
}

type replicationSpec struct {
	RegionConfigs []regionConfig `json:"regionConfigs"`
}

func (in *CreateClusterInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	if in.ClusterType == "" {
		in.ClusterType = "REPLICASET"
	}
	if len(in.ReplicationSpecs) > 0 {
		if in.ProviderName != "" || in.RegionName != "" || in.InstanceSize != "" || in.NodeCount != 0 {
			return invalid("replicationSpecs", "cannot be combined with providerName, regionName, instanceSize or nodeCount", "give either the flat arguments or the full replicationSpecs")
		}
		// The escape hatch is sent as given (canonicalised): a typed copy would
		// drop what it has no field for (readOnlySpecs, autoScaling). The
		// request schema checks it when it is planned, and the policy reads
		// every tier, provider and region in it from the plan. That it is
		// a non-empty array is the input schema's.
		in.rawSpec = true
	} else {
		// The flat form needs these three; their values' form is the
		// input schema's.
		for _, a := range []struct{ field, v string }{{"providerName", in.ProviderName}, {"regionName", in.RegionName}, {"instanceSize", in.InstanceSize}} {
			if a.v == "" {
				return invalid(a.field, "is required", nameHints[a.field].required)
			}
		}
		if in.NodeCount == 0 {
			in.NodeCount = 3
		}
		rc := regionConfig{ProviderName: in.ProviderName, RegionName: in.RegionName, Priority: 7, ElectableSpecs: map[string]any{"instanceSize": in.InstanceSize, "nodeCount": in.NodeCount}}
		if isSharedTier(in.InstanceSize) || in.InstanceSize == "FLEX" {
			rc.BackingProviderName = in.ProviderName
			rc.ProviderName = "TENANT"
			rc.ElectableSpecs = map[string]any{"instanceSize": in.InstanceSize}
		}
		in.specs = []replicationSpec{{RegionConfigs: []regionConfig{rc}}}
	}
	return nil
}

func (in *CreateClusterInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func (in *CreateClusterInput) request() *atlasclient.Request {
	var specs any = in.specs
	if in.rawSpec {
		specs = in.ReplicationSpecs
	}
	body := map[string]any{"name": in.ClusterName, "clusterType": in.ClusterType, "replicationSpecs": specs}
	if in.MongoDBMajorVersion != "" {
		body["mongoDBMajorVersion"] = in.MongoDBMajorVersion
	}
	return &atlasclient.Request{Op: atlasclient.CreateGroupCluster, Params: map[string]string{"groupId": in.ProjectID}, Body: body}
}

func createCluster() *Tool {
	return spec[CreateClusterInput, ClusterOutput]{
		Name:        "atlas-create-cluster",
		Title:       "Create cluster",
		Description: "Create a billable cluster (name, provider, region, tier, or replicationSpecs); wait:true waits for IDLE.",
		Area:        AreaClusters,
		Op:          atlasclient.CreateGroupCluster,
		Build: func(_ context.Context, _ *Env, in *CreateClusterInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName}}
			b.Render(Rendering{
				Title:   fmt.Sprintf("Create %s cluster %s in project %s.", in.ClusterType, in.ClusterName, in.ProjectID),
				Changes: layoutChanges(nil, b.lastBody()),
				Lines:   []string{"Provisions billable infrastructure for as long as the cluster exists."},
			})
			return nil
		},
		Answer: func(ctx context.Context, env *Env, in *CreateClusterInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			raw := answers[0]
			var c cluster
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, fmt.Errorf("decoding created cluster: %w", err)
			}
			if in.Wait {
				return waitForCluster(ctx, env, in.ProjectID, in.ClusterName, "Created", false)
			}
			r := clusterResult("Created", &c, raw, false)
			r.Summary += " Poll atlas-get-cluster until stateName is IDLE before using or changing it."
			return r, nil
		},
	}.tool()
}

// waitForCluster polls until the cluster is IDLE, reporting progress.
func waitForCluster(ctx context.Context, env *Env, projectID, name, verb string, verbose bool) (*Result, error) {
	start := time.Now()
	polls := 0
	last := "unknown"
	for {
		c, raw, err := readCluster(ctx, env, projectID, name)
		if err != nil {
			// A deadline that strikes mid-poll is still the end of waiting,
			// not a failure of the operation.
			if ctx.Err() != nil {
				return nil, &WaitError{Resource: "cluster " + name, LastState: last, Err: ctx.Err()}
			}
			return nil, err
		}
		last = c.StateName
		polls++
		ReportProgress(ctx, float64(polls), 0, fmt.Sprintf("cluster %s is %s after %s", name, c.StateName, time.Since(start).Round(time.Second)))
		if c.StateName == "IDLE" {
			r := clusterResult(verb, c, raw, verbose)
			r.Summary = fmt.Sprintf("%s cluster %s; it is IDLE after %s.", verb, name, time.Since(start).Round(time.Second))
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, &WaitError{Resource: "cluster " + name, LastState: c.StateName, Err: ctx.Err()}
		case <-time.After(env.pollDelay(polls)):
		}
	}
}

// WaitError reports that wait:true stopped before the resource was stable. The
// operation itself goes on in Atlas.
type WaitError struct {
	Resource  string
	LastState string
	Err       error
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("stopped waiting for %s (last state %s): %v; the operation continues in Atlas — poll it with the matching get tool", e.Resource, e.LastState, e.Err)
}
func (e *WaitError) Unwrap() error { return e.Err }

// --- atlas-update-cluster ---

// UpdateClusterInput changes a cluster: resize, pause/resume, upgrade, or a
// partial Atlas body.
type UpdateClusterInput struct {
	ProjectScope
	ClusterName         string          `json:"clusterName" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"Cluster to change."`
	InstanceSize        string          `json:"instanceSize,omitempty" jsonschema:"pattern=^(FLEX|[MR][0-9]+(_NVME)?)$" jsonschema_description:"New tier for every region, e.g. M40."`
	Paused              *bool           `json:"paused,omitempty" jsonschema_description:"true pauses (dedicated tiers), false resumes."`
	MongoDBMajorVersion string          `json:"mongoDBMajorVersion,omitempty" jsonschema_description:"e.g. 8.0."`
	Body                json.RawMessage `json:"body,omitempty" jsonschema:"type=object" jsonschema_description:"Partial Atlas cluster to PATCH instead."`
	Waiting
	WriteOptions
}

func (in *UpdateClusterInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	flat := in.InstanceSize != "" || in.Paused != nil || in.MongoDBMajorVersion != ""
	if len(in.Body) > 0 {
		if flat {
			return invalid("body", "cannot be combined with instanceSize, paused or mongoDBMajorVersion", "give either the flat arguments or body")
		}
		var m map[string]any
		if err := json.Unmarshal(in.Body, &m); err != nil || len(m) == 0 {
			return invalid("body", "must be a non-empty JSON object", "send the fields of ClusterDescription20240805 to change")
		}
		return nil
	}
	if !flat {
		return invalid("instanceSize", "nothing to change", "give instanceSize, paused, mongoDBMajorVersion or body")
	}
	if in.InstanceSize != "" {
		if env.gov() && (in.InstanceSize == "FLEX" || tierNumber(in.InstanceSize) < 20) {
			return &GovRuleError{Field: "instanceSize", Rule: "AtlasGov clusters must be tier M20 or higher.", Fix: "choose M20 or a larger tier"}
		}
	}
	return nil
}

func (in *UpdateClusterInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}

// patchBody builds the PATCH body from the current cluster. A body escape
// hatch is sent as given (it is checked against the request schema when it is
// planned); a resize rebuilds the cluster's layout from the fields a request
// may carry, so nothing the API marks readOnly is sent back.
func (in *UpdateClusterInput) patchBody(current map[string]any) (any, error) {
	if len(in.Body) > 0 {
		return in.Body, nil
	}
	body := map[string]any{}
	if in.Paused != nil {
		body["paused"] = *in.Paused
	}
	if in.MongoDBMajorVersion != "" {
		body["mongoDBMajorVersion"] = in.MongoDBMajorVersion
	}
	if in.InstanceSize != "" {
		specs, err := resizedSpecs(current, in.InstanceSize)
		if err != nil {
			return nil, err
		}
		body["replicationSpecs"] = specs
	}
	return body, nil
}

// hardwareFields are the members of a hardware spec a request may set.
var hardwareFields = []string{"instanceSize", "nodeCount", "diskIOPS", "ebsVolumeType", "diskSizeGB"}

// resizedSpecs is the cluster's layout with every tier set to size. A shared
// (TENANT) cluster upgraded to a dedicated tier moves to its backing provider
// with three electable nodes, as Atlas requires; a dedicated cluster cannot
// become shared.
func resizedSpecs(current map[string]any, size string) ([]any, error) {
	geo := member[string](current, "clusterType") == "GEOSHARDED"
	dedicated := !isSharedTier(size) && size != "FLEX"
	var out []any
	for _, x := range member[[]any](current, "replicationSpecs") {
		rs, _ := x.(map[string]any)
		spec := map[string]any{}
		if geo {
			if z := member[string](rs, "zoneName"); z != "" {
				spec["zoneName"] = z
			}
		}
		var rcs []any
		for _, y := range member[[]any](rs, "regionConfigs") {
			rc, _ := y.(map[string]any)
			provider := member[string](rc, "providerName")
			n := map[string]any{"providerName": provider, "regionName": member[string](rc, "regionName")}
			if p, ok := rc["priority"]; ok {
				n["priority"] = p
			}
			switch {
			case provider == "TENANT" && dedicated:
				n["providerName"] = member[string](rc, "backingProviderName")
				n["electableSpecs"] = map[string]any{"instanceSize": size, "nodeCount": 3}
			case provider == "TENANT":
				n["backingProviderName"] = member[string](rc, "backingProviderName")
				n["electableSpecs"] = map[string]any{"instanceSize": size}
			case !dedicated:
				return nil, invalid("instanceSize", fmt.Sprintf("%s is a shared tier and the cluster is dedicated", size), "Atlas cannot move a dedicated cluster to a shared tier; choose M10 or larger")
			default:
				for _, k := range []string{"electableSpecs", "readOnlySpecs", "analyticsSpecs"} {
					hw, ok := rc[k].(map[string]any)
					if !ok {
						continue
					}
					if nc, _ := hw["nodeCount"].(float64); k != "electableSpecs" && nc == 0 {
						continue // no such nodes: nothing to resize, nothing to send
					}
					c := map[string]any{}
					for _, f := range hardwareFields {
						if v, ok := hw[f]; ok {
							c[f] = v
						}
					}
					c["instanceSize"] = size
					n[k] = c
				}
				for _, k := range []string{"autoScaling", "analyticsAutoScaling"} {
					if v, ok := rc[k]; ok {
						n[k] = v
					}
				}
			}
			rcs = append(rcs, n)
		}
		spec["regionConfigs"] = rcs
		out = append(out, spec)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cluster has no replicationSpecs to resize")
	}
	return out, nil
}

func (in *UpdateClusterInput) request(body any) *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.UpdateGroupCluster, Params: map[string]string{"groupId": in.ProjectID, "clusterName": in.ClusterName}, Body: body}
}

func updateCluster() *Tool {
	return spec[UpdateClusterInput, ClusterOutput]{
		Name:        "atlas-update-cluster",
		Title:       "Update cluster",
		Description: "Resize, pause, resume or upgrade an IDLE cluster, or PATCH a partial body. May change cost.",
		Area:        AreaClusters,
		Op:          atlasclient.UpdateGroupCluster,
		Build: func(_ context.Context, _ *Env, in *UpdateClusterInput, b *Builder) error {
			// The current cluster is read for every update: a resize starts from
			// its layout, and the person sees before → after of what changes.
			var current map[string]any
			raw, err := b.Read(getClusterRequest(in.ProjectID, in.ClusterName), &current)
			if err != nil {
				return err
			}
			var c cluster
			_ = json.Unmarshal(raw, &c)
			b.Observe("cluster.id", c.ID)
			body, err := in.patchBody(current)
			if err != nil {
				return err
			}
			if err := b.Send(in.request(body)); err != nil {
				return underArgument("body", len(in.Body) > 0, err)
			}
			b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName, Overwritten: true}}
			b.Render(Rendering{
				Title:   fmt.Sprintf("Update cluster %s (id %s, now %s) in project %s.", in.ClusterName, orDash(c.ID), orDash(c.StateName), in.ProjectID),
				Changes: updateChanges(current, b.lastBody()),
			})
			return nil
		},
		Answer: func(ctx context.Context, env *Env, in *UpdateClusterInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			if in.Wait {
				return waitForCluster(ctx, env, in.ProjectID, in.ClusterName, "Updated", false)
			}
			var c cluster
			if err := json.Unmarshal(answers[0], &c); err != nil {
				return nil, fmt.Errorf("decoding updated cluster: %w", err)
			}
			return clusterResult("Updated", &c, answers[0], false), nil
		},
	}.tool()
}

// --- atlas-delete-cluster ---

// DeleteClusterInput names the cluster to delete.
type DeleteClusterInput struct {
	ProjectScope
	ClusterName   string `json:"clusterName" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"Cluster to delete."`
	RetainBackups bool   `json:"retainBackups,omitempty" jsonschema_description:"Keep its snapshots (billed)."`
	WriteOptions
}

func (in *DeleteClusterInput) prepare(env *Env) error {
	return in.resolve(env)
}
func (in *DeleteClusterInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}

func (in *DeleteClusterInput) request() *atlasclient.Request {
	r := &atlasclient.Request{Op: atlasclient.DeleteGroupCluster, Params: map[string]string{"groupId": in.ProjectID, "clusterName": in.ClusterName}}
	if in.RetainBackups {
		r.Query = url.Values{"retainBackups": {"true"}}
	}
	return r
}

// DeleteOutput is the structured answer of delete tools.
type DeleteOutput struct {
	Deleted  string `json:"deleted" jsonschema_description:"What was deleted (or, for clusters, is now being deleted)."`
	Accepted bool   `json:"accepted"`
}

func deleteCluster() *Tool {
	return spec[DeleteClusterInput, DeleteOutput]{
		Name:        "atlas-delete-cluster",
		Title:       "Delete cluster",
		Description: "Delete a cluster and its data (backups too unless retainBackups); the person types its name.",
		Area:        AreaClusters,
		Destructive: true, Idempotent: true, Grave: true,
		Op: atlasclient.DeleteGroupCluster,
		Build: func(_ context.Context, _ *Env, in *DeleteClusterInput, b *Builder) error {
			// Read first: the person is shown the cluster by ID, and a cluster
			// re-created under the same name later is another plan.
			var c cluster
			if _, err := b.Read(getClusterRequest(in.ProjectID, in.ClusterName), &c); err != nil {
				return err
			}
			if c.StateName == "DELETING" {
				return &StateError{Resource: "cluster " + in.ClusterName, State: c.StateName, Want: "not already deleting"}
			}
			b.Observe("cluster.id", c.ID)
			if err := b.Send(in.request()); err != nil {
				return err
			}
			b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName, Overwritten: true}}
			sum := c.summary()
			backups := "Its backup snapshots are deleted too."
			if in.RetainBackups {
				backups = "Its backup snapshots are retained (and billed)."
			}
			b.Render(Rendering{
				Title:         fmt.Sprintf("Delete cluster %s (id %s) in project %s.", in.ClusterName, orDash(c.ID), in.ProjectID),
				Lines:         []string{fmt.Sprintf("tier %s on %s/%s, state %s", orDash(sum.InstanceSize), orDash(strings.Join(sum.Providers, "+")), orDash(strings.Join(sum.Regions, ",")), orDash(sum.State)), backups},
				Irreversible:  "the cluster and all its data are deleted",
				TypeToConfirm: in.ClusterName,
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *DeleteClusterInput, _ *Plan, _ []json.RawMessage) (*Result, error) {
			return &Result{
				Summary:    fmt.Sprintf("Atlas accepted the deletion of cluster %s in project %s; it is DELETING and will disappear from atlas-list-clusters when done.", in.ClusterName, in.ProjectID),
				Structured: &DeleteOutput{Deleted: "cluster " + in.ClusterName, Accepted: true},
			}, nil
		},
	}.tool()
}

// StateError reports a resource whose current state makes the call pointless or unsafe.
type StateError struct {
	Resource, State, Want string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s is %s; it must be %s", e.Resource, e.State, e.Want)
}
