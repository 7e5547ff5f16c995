package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// backupTools are the tools of this area, in the catalogue's order (reads first).
func backupTools() []*Tool {
	return []*Tool{listSnapshots(), getSnapshot(), createSnapshot(), listRestoreJobs(), getRestoreJob(), createRestoreJob()}
}

// ClusterScope is the project and cluster a backup tool works on.
type ClusterScope struct {
	ProjectScope
	ClusterName string `json:"clusterName" jsonschema:"required,maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"Cluster whose backups to use."`
}

func (c *ClusterScope) resolveCluster(env *Env) error {
	return c.resolve(env)
}

func (c *ClusterScope) params() map[string]string {
	return map[string]string{"groupId": c.ProjectID, "clusterName": c.ClusterName}
}

// Snapshot is the compact view of a cloud backup snapshot.
type Snapshot struct {
	ID               string `json:"id"`
	Status           string `json:"status" jsonschema:"enum=queued,enum=inProgress,enum=completed,enum=failed"`
	SnapshotType     string `json:"snapshotType,omitempty" jsonschema_description:"onDemand, scheduled or fallback."`
	CreatedAt        string `json:"createdAt,omitempty"`
	ExpiresAt        string `json:"expiresAt,omitempty"`
	Description      string `json:"description,omitempty"`
	FrequencyType    string `json:"frequencyType,omitempty"`
	MongodVersion    string `json:"mongodVersion,omitempty"`
	StorageSizeBytes int64  `json:"storageSizeBytes,omitempty"`
	Type             string `json:"type,omitempty" jsonschema_description:"replicaSet or shardedCluster."`
}

func snapshotRows(ss []Snapshot) string {
	rows := make([][]string, 0, len(ss))
	for _, s := range ss {
		size := "-"
		if s.StorageSizeBytes > 0 {
			size = humanBytes(s.StorageSizeBytes)
		}
		rows = append(rows, []string{s.ID, orDash(s.CreatedAt), orDash(s.Status), orDash(s.SnapshotType), orDash(s.ExpiresAt), size, orDash(s.Description)})
	}
	return table([]string{"SNAPSHOT ID", "CREATED", "STATUS", "TYPE", "EXPIRES", "SIZE", "DESCRIPTION"}, rows)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// --- atlas-list-snapshots ---

// ListSnapshotsInput lists a cluster's cloud backup snapshots.
type ListSnapshotsInput = ClusterList

func listSnapshots() *Tool {
	return listSpec[ListSnapshotsInput, Snapshot]{
		Name:        "atlas-list-snapshots",
		Title:       "List backup snapshots",
		Description: "List a cluster's cloud backup snapshots (M10+): ID, when taken, status, type, expiry, size.",
		Area:        AreaBackups,
		Op:          atlasclient.ListGroupClusterBackupSnapshots,
		What: func(in *ListSnapshotsInput) string {
			return fmt.Sprintf("Snapshots of cluster %s in project %s", in.ClusterName, in.ProjectID)
		},
		Noun: "snapshots",
		Rows: snapshotRows,
	}.tool()
}

// --- atlas-get-snapshot ---

// GetSnapshotInput names one snapshot.
type GetSnapshotInput struct {
	ClusterScope
	SnapshotID string `json:"snapshotId" jsonschema:"required,pattern=^[a-f0-9]{24}$" jsonschema_description:"From atlas-list-snapshots."`
	Verbosity
}

func (in *GetSnapshotInput) prepare(env *Env) error {
	return in.resolveCluster(env)
}
func (in *GetSnapshotInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}
func (in *GetSnapshotInput) params() map[string]string {
	p := in.ClusterScope.params()
	p["snapshotId"] = in.SnapshotID
	return p
}

// SnapshotOutput is the structured answer about one snapshot.
type SnapshotOutput struct {
	Snapshot Snapshot        `json:"snapshot"`
	Raw      json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full Atlas document, only with verbose:true."`
}

func snapshotResult(summary string, s Snapshot, raw json.RawMessage) *Result {
	return &Result{Summary: fmt.Sprintf(summary, s.ID, orDash(s.Status)), Data: snapshotRows([]Snapshot{s}), Structured: &SnapshotOutput{Snapshot: s, Raw: raw}}
}

func getSnapshot() *Tool {
	return getSpec[GetSnapshotInput, Snapshot, SnapshotOutput]{
		Name:        "atlas-get-snapshot",
		Title:       "Get backup snapshot",
		Description: "Get one backup snapshot by snapshotId: status, when taken, expiry, size.",
		Area:        AreaBackups,
		Op:          atlasclient.GetGroupClusterBackupSnapshot,
		Noun:        "snapshot",
		Answer: func(in *GetSnapshotInput, s Snapshot, raw json.RawMessage) *Result {
			return snapshotResult("Snapshot %s of cluster "+in.ClusterName+": status %s.", s, raw)
		},
	}.tool()
}

// --- atlas-create-snapshot ---

// CreateSnapshotInput takes an on-demand snapshot.
type CreateSnapshotInput struct {
	ClusterScope
	Description     string `json:"description" jsonschema:"required,minLength=1,maxLength=200" jsonschema_description:"Why it is taken; identifies it later."`
	RetentionInDays int    `json:"retentionInDays,omitempty" jsonschema:"minimum=1,maximum=365" jsonschema_description:"Days to keep it (default 1)."`
	WriteOptions
}

func (in *CreateSnapshotInput) prepare(env *Env) error {
	if err := in.resolveCluster(env); err != nil {
		return err
	}
	if in.RetentionInDays == 0 {
		in.RetentionInDays = 1
	}
	return checkText("description", in.Description)
}
func (in *CreateSnapshotInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}

func (in *CreateSnapshotInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.TakeGroupClusterBackupSnapshots, Params: in.params(), Body: map[string]any{"description": in.Description, "retentionInDays": in.RetentionInDays}}
}

func createSnapshot() *Tool {
	return spec[CreateSnapshotInput, SnapshotOutput]{
		Name:        "atlas-create-snapshot",
		Title:       "Take on-demand snapshot",
		Description: "Take an on-demand backup snapshot (M10+), e.g. before a risky change; poll atlas-get-snapshot.",
		Area:        AreaBackups,
		Op:          atlasclient.TakeGroupClusterBackupSnapshots,
		Build: func(_ context.Context, _ *Env, in *CreateSnapshotInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName}}
			b.Render(Rendering{
				Title: fmt.Sprintf("Take an on-demand snapshot of cluster %s in project %s.", in.ClusterName, in.ProjectID),
				Lines: []string{"description: " + in.Description, fmt.Sprintf("kept %d day(s); snapshot storage is billed", in.RetentionInDays)},
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *CreateSnapshotInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			var snap Snapshot
			if err := json.Unmarshal(answers[0], &snap); err != nil {
				return nil, fmt.Errorf("decoding the snapshot Atlas returned: %w", err)
			}
			return snapshotResult(fmt.Sprintf("Atlas accepted on-demand snapshot %%s of cluster %s (status %%s), kept %d day(s). Poll atlas-get-snapshot until its status is completed.", in.ClusterName, in.RetentionInDays), snap, nil), nil
		},
	}.tool()
}

// --- restore jobs ---

// RestoreJob is the compact view of a restore job. Atlas has no status field:
// the state is derived from finishedAt and the failed/cancelled/expired flags.
type RestoreJob struct {
	ID                    string   `json:"id"`
	State                 string   `json:"state" jsonschema:"enum=inProgress,enum=finished,enum=failed,enum=cancelled,enum=expired" jsonschema_description:"Derived from finishedAt and Atlas's failed/cancelled/expired flags."`
	DeliveryType          string   `json:"deliveryType" jsonschema:"enum=automated,enum=download,enum=pointInTime"`
	SnapshotID            string   `json:"snapshotId,omitempty"`
	TargetClusterName     string   `json:"targetClusterName,omitempty"`
	TargetGroupID         string   `json:"targetGroupId,omitempty" jsonschema_description:"Project of the target cluster."`
	PointInTimeUTCSeconds int64    `json:"pointInTimeUTCSeconds,omitempty"`
	OplogTs               int64    `json:"oplogTs,omitempty"`
	OplogInc              int64    `json:"oplogInc,omitempty"`
	Timestamp             string   `json:"timestamp,omitempty" jsonschema_description:"When the restored snapshot was taken."`
	FinishedAt            string   `json:"finishedAt,omitempty"`
	ExpiresAt             string   `json:"expiresAt,omitempty"`
	DeliveryURL           []string `json:"deliveryUrl,omitempty" jsonschema_description:"Download links (download delivery only). Anyone holding one can download the data until it expires."`
	Failed                bool     `json:"failed,omitempty"`
	Cancelled             bool     `json:"cancelled,omitempty"`
	Expired               bool     `json:"expired,omitempty"`
}

func decodeRestoreJob(raw json.RawMessage) (RestoreJob, error) {
	var j RestoreJob
	if err := json.Unmarshal(raw, &j); err != nil {
		return j, err
	}
	switch {
	case j.Failed:
		j.State = "failed"
	case j.Cancelled:
		j.State = "cancelled"
	case j.FinishedAt != "":
		j.State = "finished"
	case j.Expired:
		j.State = "expired"
	default:
		j.State = "inProgress"
	}
	return j, nil
}

// done reports whether a waiting caller can stop: the job ended, or a download
// job's links are ready.
func (j RestoreJob) done() bool {
	return j.State != "inProgress" || (j.DeliveryType == "download" && len(j.DeliveryURL) > 0)
}

func restoreRows(js []RestoreJob) string {
	rows := make([][]string, 0, len(js))
	for _, j := range js {
		source := j.SnapshotID
		switch {
		case j.PointInTimeUTCSeconds > 0:
			source = "time " + time.Unix(j.PointInTimeUTCSeconds, 0).UTC().Format(time.RFC3339)
		case j.OplogTs > 0:
			source = fmt.Sprintf("oplog %d.%d", j.OplogTs, j.OplogInc)
		}
		target := "-"
		if j.TargetClusterName != "" {
			target = j.TargetClusterName
			if j.TargetGroupID != "" {
				target += " (project " + j.TargetGroupID + ")"
			}
		}
		rows = append(rows, []string{j.ID, j.DeliveryType, orDash(source), target, j.State, orDash(j.FinishedAt)})
	}
	return table([]string{"RESTORE JOB ID", "DELIVERY", "FROM", "TARGET", "STATE", "FINISHED"}, rows)
}

// --- atlas-list-restore-jobs ---

// ListRestoreJobsInput lists the restore jobs of a cluster.
type ListRestoreJobsInput = ClusterList

func listRestoreJobs() *Tool {
	return listSpec[ListRestoreJobsInput, RestoreJob]{
		Name:        "atlas-list-restore-jobs",
		Title:       "List restore jobs",
		Description: "List the restore jobs of a cluster's backups: delivery type, source, target cluster, state.",
		Area:        AreaBackups,
		Op:          atlasclient.ListGroupClusterBackupRestoreJobs,
		Decode:      decodeRestoreJob,
		What: func(in *ListRestoreJobsInput) string {
			return fmt.Sprintf("Restore jobs of cluster %s in project %s", in.ClusterName, in.ProjectID)
		},
		Noun: "restore jobs",
		Rows: restoreRows,
	}.tool()
}

// --- atlas-get-restore-job ---

// GetRestoreJobInput names one restore job.
type GetRestoreJobInput struct {
	ClusterScope
	RestoreJobID string `json:"restoreJobId" jsonschema:"required,pattern=^[a-f0-9]{24}$" jsonschema_description:"Restore job ID."`
	Verbosity
}

func (in *GetRestoreJobInput) prepare(env *Env) error {
	return in.resolveCluster(env)
}
func (in *GetRestoreJobInput) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}
func (in *GetRestoreJobInput) params() map[string]string {
	return restoreJobParams(in.ClusterScope, in.RestoreJobID)
}

// RestoreJobOutput is the structured answer about one restore job.
type RestoreJobOutput struct {
	RestoreJob RestoreJob      `json:"restoreJob"`
	Raw        json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full Atlas document, only with verbose:true."`
}

func restoreJobParams(scope ClusterScope, id string) map[string]string {
	p := scope.params()
	p["restoreJobId"] = id
	return p
}

func readRestoreJob(ctx context.Context, env *Env, scope ClusterScope, id string) (RestoreJob, json.RawMessage, error) {
	return fetchOne(ctx, env, &atlasclient.Request{Op: atlasclient.GetGroupClusterBackupRestoreJob, Params: restoreJobParams(scope, id)}, "restore job", decodeRestoreJob)
}

func restoreJobResult(summary string, j RestoreJob, raw json.RawMessage, verbose bool) *Result {
	out := &RestoreJobOutput{RestoreJob: j}
	if verbose {
		out.Raw = raw
	}
	if len(j.DeliveryURL) > 0 {
		summary += fmt.Sprintf(" %d download link(s) are in the structured answer (deliveryUrl); anyone holding one can download the data until %s.", len(j.DeliveryURL), orDash(j.ExpiresAt))
	}
	return &Result{Summary: summary, Data: restoreRows([]RestoreJob{j}), Structured: out}
}

func getRestoreJob() *Tool {
	return getSpec[GetRestoreJobInput, RestoreJob, RestoreJobOutput]{
		Name:        "atlas-get-restore-job",
		Title:       "Get restore job",
		Description: "Get one restore job by restoreJobId: state, target, and download links for download delivery.",
		Area:        AreaBackups,
		Op:          atlasclient.GetGroupClusterBackupRestoreJob,
		Decode:      decodeRestoreJob,
		Noun:        "restore job",
		Answer: func(in *GetRestoreJobInput, j RestoreJob, raw json.RawMessage) *Result {
			return restoreJobResult(fmt.Sprintf("Restore job %s of cluster %s: %s.", j.ID, in.ClusterName, j.State), j, raw, raw != nil)
		},
	}.tool()
}

// --- atlas-create-restore-job ---

// CreateRestoreJobInput restores a snapshot or a point in time of clusterName.
// 1199145600 (2008-01-01) is the earliest moment Atlas accepts, the spec's
// minimum for pointInTimeUTCSeconds and oplogTs; oplogInc is the spec's
// int32 from 1.
type CreateRestoreJobInput struct {
	ClusterScope
	DeliveryType          string `json:"deliveryType" jsonschema:"required,enum=automated,enum=download,enum=pointInTime" jsonschema_description:"automated (snapshotId) or pointInTime onto targetClusterName; download: links only."`
	SnapshotID            string `json:"snapshotId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$" jsonschema_description:"Snapshot (automated, download)."`
	TargetClusterName     string `json:"targetClusterName,omitempty" jsonschema:"maxLength=64,pattern=^[a-zA-Z0-9][a-zA-Z0-9-]*$" jsonschema_description:"Its data is REPLACED."`
	TargetProjectID       string `json:"targetProjectId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$" jsonschema_description:"Default projectId."`
	PointInTimeUTCSeconds int64  `json:"pointInTimeUTCSeconds,omitempty" jsonschema:"minimum=1199145600" jsonschema_description:"pointInTime: the moment, in Unix seconds."`
	OplogTs               int64  `json:"oplogTs,omitempty" jsonschema:"minimum=1199145600" jsonschema_description:"pointInTime: oplog seconds, with oplogInc."`
	OplogInc              int64  `json:"oplogInc,omitempty" jsonschema:"minimum=1,maximum=2147483647" jsonschema_description:"pointInTime: oplog ordinal, with oplogTs."`
	Waiting
	WriteOptions
}

func (in *CreateRestoreJobInput) prepare(env *Env) error {
	if err := in.resolveCluster(env); err != nil {
		return err
	}
	pit := in.PointInTimeUTCSeconds != 0 || in.OplogTs != 0 || in.OplogInc != 0
	switch in.DeliveryType {
	case "automated", "download":
		if in.SnapshotID == "" {
			return invalid("snapshotId", "is required for deliveryType "+in.DeliveryType, nameHints["snapshotId"].required)
		}
		if pit {
			return invalid(pitField(in), "applies only to deliveryType pointInTime", "remove it, or use deliveryType pointInTime without snapshotId")
		}
	case "pointInTime":
		if in.SnapshotID != "" {
			return invalid("snapshotId", "cannot be used with deliveryType pointInTime", "remove snapshotId and give pointInTimeUTCSeconds, or oplogTs and oplogInc")
		}
		if err := in.checkPointInTime(); err != nil {
			return err
		}
	}
	if in.DeliveryType == "download" {
		if in.TargetClusterName != "" || in.TargetProjectID != "" {
			field := "targetClusterName"
			if in.TargetClusterName == "" {
				field = "targetProjectId"
			}
			return invalid(field, "does not apply to deliveryType download", "remove it; download makes links to the snapshot files instead of restoring onto a cluster")
		}
		return nil
	}
	if in.TargetClusterName == "" {
		return invalid("targetClusterName", fmt.Sprintf("is required for deliveryType %s", in.DeliveryType), "name the cluster whose data the restore replaces")
	}
	if in.TargetProjectID == "" {
		in.TargetProjectID = in.ProjectID
	}
	return nil
}

func pitField(in *CreateRestoreJobInput) string {
	switch {
	case in.PointInTimeUTCSeconds != 0:
		return "pointInTimeUTCSeconds"
	case in.OplogTs != 0:
		return "oplogTs"
	}
	return "oplogInc"
}

func (in *CreateRestoreJobInput) checkPointInTime() error {
	oplog := in.OplogTs != 0 || in.OplogInc != 0
	now := time.Now().Unix()
	switch {
	case in.PointInTimeUTCSeconds != 0 && oplog:
		return invalid("pointInTimeUTCSeconds", "cannot be combined with oplogTs/oplogInc", "give either pointInTimeUTCSeconds or oplogTs and oplogInc")
	case in.PointInTimeUTCSeconds != 0:
		// The earliest moment Atlas accepts is the schema's minimum; the
		// latest is now, which a schema cannot say.
		if in.PointInTimeUTCSeconds > now {
			return invalid("pointInTimeUTCSeconds", fmt.Sprintf("%d is not a past moment in seconds since the Unix epoch", in.PointInTimeUTCSeconds), "give seconds (not milliseconds) of a moment inside the cluster's restore window")
		}
	case oplog:
		if in.OplogTs == 0 || in.OplogInc == 0 {
			field := "oplogInc"
			if in.OplogTs == 0 {
				field = "oplogTs"
			}
			return invalid(field, "is required with the other half of the oplog timestamp", "give both oplogTs and oplogInc")
		}
		if in.OplogTs > now {
			return invalid("oplogTs", fmt.Sprintf("%d is not a past moment in seconds since the Unix epoch", in.OplogTs), "give the seconds part of the oplog timestamp")
		}
	default:
		return invalid("pointInTimeUTCSeconds", "is required for deliveryType pointInTime (or oplogTs and oplogInc)", "give the moment to restore in seconds since the Unix epoch")
	}
	return nil
}

func (in *CreateRestoreJobInput) facts() Facts {
	// ProjectID is the project the job is created in (the source, as in the
	// URL); ClusterName is the cluster whose data changes: the target. The
	// target's project and the overwritten cluster come from the planned
	// body (planFacts), the source cluster from Build.
	f := Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
	if in.TargetClusterName != "" {
		f.ClusterName = in.TargetClusterName
	}
	return f
}

func (in *CreateRestoreJobInput) request() *atlasclient.Request {
	body := map[string]any{"deliveryType": in.DeliveryType}
	if in.SnapshotID != "" {
		body["snapshotId"] = in.SnapshotID
	}
	if in.TargetClusterName != "" {
		body["targetClusterName"] = in.TargetClusterName
		body["targetGroupId"] = in.TargetProjectID
	}
	if in.PointInTimeUTCSeconds != 0 {
		body["pointInTimeUTCSeconds"] = in.PointInTimeUTCSeconds
	}
	if in.OplogTs != 0 {
		body["oplogTs"] = in.OplogTs
		body["oplogInc"] = in.OplogInc
	}
	return &atlasclient.Request{Op: atlasclient.CreateGroupClusterBackupRestoreJob, Params: in.params(), Body: body}
}

func (in *CreateRestoreJobInput) source() string {
	switch {
	case in.SnapshotID != "":
		return "snapshot " + in.SnapshotID
	case in.PointInTimeUTCSeconds != 0:
		return "the state at " + time.Unix(in.PointInTimeUTCSeconds, 0).UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("the oplog timestamp %d.%d", in.OplogTs, in.OplogInc)
}

// crossesProjects reports a restore into another project, which Atlas for
// Government allows only between projects of the same region kind.
func (in *CreateRestoreJobInput) crossesProjects() bool {
	return in.TargetProjectID != "" && in.TargetProjectID != in.ProjectID
}

// checkGovRegions enforces, while planning, Atlas for Government's rule that
// backups stay within gov-only or within standard projects. It needs both
// projects' regionUsageRestrictions, which only Atlas knows; it observes them
// in the plan, so govCheck sees them on the final plan and the person's yes
// depends on them.
func (in *CreateRestoreJobInput) checkGovRegions(b *Builder) error {
	if !b.Gov() || !in.crossesProjects() {
		return nil
	}
	var src, dst Project
	if _, err := b.Read(getProjectRequest(in.ProjectID), &src); err != nil {
		return fmt.Errorf("reading source project %s: %w", in.ProjectID, err)
	}
	if _, err := b.Read(getProjectRequest(in.TargetProjectID), &dst); err != nil {
		return fmt.Errorf("reading target project %s: %w", in.TargetProjectID, err)
	}
	b.Observe(observedSrcKind, restrictionOf(src))
	b.Observe(observedDstKind, restrictionOf(dst))
	kind := func(p *Project) string {
		if p.RegionUsageRestrictions == govRegionsOnly {
			return "Gov region-only"
		}
		return "standard"
	}
	if kind(&src) != kind(&dst) {
		return &GovRuleError{
			Field: "targetProjectId",
			Rule:  govRestoreRule,
			Fix:   fmt.Sprintf("project %s is %s but %s is %s: restore into a cluster of a %s project", src.ID, kind(&src), dst.ID, kind(&dst), kind(&src)),
		}
	}
	return nil
}

// restrictionOf is a project's region usage, with Atlas's default spelt out.
func restrictionOf(p Project) string {
	if p.RegionUsageRestrictions == "" {
		return "COMMERCIAL_FEDRAMP_REGIONS_ONLY"
	}
	return p.RegionUsageRestrictions
}

func createRestoreJob() *Tool {
	return spec[CreateRestoreJobInput, RestoreJobOutput]{
		Name:        "atlas-create-restore-job",
		Title:       "Restore a backup",
		Description: "Restore a snapshot or a point in time onto a cluster, replacing all its data; or get download links.",
		Area:        AreaBackups,
		Destructive: true,
		Op:          atlasclient.CreateGroupClusterBackupRestoreJob,
		Build: func(_ context.Context, _ *Env, in *CreateRestoreJobInput, b *Builder) error {
			// Refuse before asking: a person should not approve a restore
			// Atlas for Government forbids.
			if err := in.checkGovRegions(b); err != nil {
				return err
			}
			source := []string{fmt.Sprintf("from: %s of cluster %s in project %s", in.source(), in.ClusterName, in.ProjectID)}
			if in.DeliveryType == "download" {
				if err := b.Send(in.request()); err != nil {
					return err
				}
				b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName}}
				b.Render(Rendering{
					Title: fmt.Sprintf("Create download links for %s of cluster %s in project %s.", in.source(), in.ClusterName, in.ProjectID),
					Lines: append(source, "No data is overwritten, but anyone holding a link can download the whole snapshot until the links expire."),
				})
				return nil
			}
			// The target is read first: the person is shown it by ID, and a
			// target deleted and re-created under the same name is another
			// plan.
			var target cluster
			if _, err := b.Read(getClusterRequest(in.TargetProjectID, in.TargetClusterName), &target); err != nil {
				return fmt.Errorf("reading target cluster %s of project %s: %w", in.TargetClusterName, in.TargetProjectID, err)
			}
			b.Observe("targetCluster.id", target.ID)
			if err := b.Send(in.request()); err != nil {
				return err
			}
			b.Facts().Clusters = []ClusterRef{{ProjectID: in.ProjectID, Name: in.ClusterName}}
			ts := target.summary()
			lines := append(source,
				fmt.Sprintf("onto: cluster %s (id %s, tier %s, state %s) in project %s", in.TargetClusterName, orDash(target.ID), orDash(ts.InstanceSize), orDash(ts.State), in.TargetProjectID),
				"The target cluster is unavailable while the restore runs.")
			if in.crossesProjects() {
				lines = append(lines, fmt.Sprintf("The target is in another project (%s) than the backup (%s).", in.TargetProjectID, in.ProjectID))
			}
			b.Render(Rendering{
				Title:         fmt.Sprintf("Restore %s of cluster %s (project %s) onto cluster %s in project %s.", in.source(), in.ClusterName, in.ProjectID, in.TargetClusterName, in.TargetProjectID),
				Lines:         lines,
				Irreversible:  fmt.Sprintf("the target cluster's data is replaced: every document now on %s is overwritten", in.TargetClusterName),
				TypeToConfirm: in.TargetClusterName,
			})
			return nil
		},
		Answer: func(ctx context.Context, env *Env, in *CreateRestoreJobInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			raw := answers[0]
			j, err := decodeRestoreJob(raw)
			if err != nil {
				return nil, fmt.Errorf("decoding restore job: %w", err)
			}
			if in.Wait && !j.done() {
				return waitForRestore(ctx, env, in.ClusterScope, j.ID)
			}
			what := fmt.Sprintf("Atlas started restore job %s: %s of cluster %s onto cluster %s (project %s).", j.ID, in.source(), in.ClusterName, in.TargetClusterName, in.TargetProjectID)
			if in.DeliveryType == "download" {
				what = fmt.Sprintf("Atlas started restore job %s: download links for %s of cluster %s.", j.ID, in.source(), in.ClusterName)
			}
			if !j.done() {
				what += " Poll atlas-get-restore-job (or call again with wait:true) until its state is finished."
			}
			return restoreJobResult(what, j, raw, false), nil
		},
	}.tool()
}

// waitForRestore polls a restore job until it ends, reporting progress.
func waitForRestore(ctx context.Context, env *Env, scope ClusterScope, id string) (*Result, error) {
	start := time.Now()
	last := "inProgress"
	for polls := 1; ; polls++ {
		j, raw, err := readRestoreJob(ctx, env, scope, id)
		if err != nil {
			// A deadline that strikes mid-poll is still the end of waiting,
			// not a failure of the restore.
			if ctx.Err() != nil {
				return nil, &WaitError{Resource: "restore job " + id, LastState: last, Err: ctx.Err()}
			}
			return nil, err
		}
		last = j.State
		ReportProgress(ctx, float64(polls), 0, fmt.Sprintf("restore job %s is %s after %s", id, j.State, time.Since(start).Round(time.Second)))
		if j.done() {
			if j.State == "failed" || j.State == "cancelled" || j.State == "expired" {
				return nil, &StateError{Resource: "restore job " + id, State: j.State, Want: "finished; see atlas-get-restore-job and the Atlas activity feed, then start a new restore"}
			}
			return restoreJobResult(fmt.Sprintf("Restore job %s %s after %s.", id, strings.ToLower(doneVerb(j)), time.Since(start).Round(time.Second)), j, raw, false), nil
		}
		select {
		case <-ctx.Done():
			return nil, &WaitError{Resource: "restore job " + id, LastState: j.State, Err: ctx.Err()}
		case <-time.After(env.pollDelay(polls)):
		}
	}
}

func doneVerb(j RestoreJob) string {
	if j.State == "finished" {
		return "finished"
	}
	return "has its download links ready"
}
