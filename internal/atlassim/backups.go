package atlassim

import (
	"net/http"
	"time"
)

// snapshotStatus computes a snapshot's status from its age: queued for the
// first third of JobDuration, inProgress until JobDuration, then completed.
func (s *Sim) snapshotStatus(sn *snapshot, now time.Time) string {
	d := s.opts.JobDuration
	age := now.Sub(sn.created)
	switch {
	case sn.seededDone || d == 0 || age >= d:
		return "completed"
	case age >= d/3:
		return "inProgress"
	}
	return "queued"
}

func (s *Sim) snapshotView(c *call, sn *snapshot, status string) map[string]any {
	v := map[string]any{
		"id":               sn.id,
		"cloudProvider":    sn.provider,
		"copyRegions":      []any{},
		"createdAt":        ts(sn.created),
		"expiresAt":        ts(sn.expires),
		"mongodVersion":    sn.mongodVer,
		"replicaSetName":   sn.clusterName,
		"snapshotType":     sn.snapshotType,
		"status":           status,
		"storageSizeBytes": sn.sizeBytes,
		"type":             "replicaSet",
		"links": selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/clusters/"+sn.clusterName+
			"/backup/snapshots/"+sn.id),
	}
	if sn.description != "" {
		v["description"] = sn.description
	}
	if sn.frequency != "" {
		v["frequencyType"] = sn.frequency
	}
	return v
}

// backupCluster is the cluster of a backup path; snapshots of a cluster being
// deleted are still listed until it is gone.
func backupCluster(c *call) (*cluster, *apiError) {
	cl := c.proj.cluster(c.params["clusterName"])
	if cl == nil {
		return nil, clusterNotFound(c.params["clusterName"], c.proj.id)
	}
	return cl, nil
}

func (s *Sim) listSnapshots(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	var items []any
	for _, sn := range c.proj.snapshots {
		if sn.clusterName == cl.name {
			items = append(items, s.snapshotView(c, sn, s.snapshotStatus(sn, c.now)))
		}
	}
	return listReply(c, items)
}

func (s *Sim) getSnapshot(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	id := c.params["snapshotId"]
	for _, sn := range c.proj.snapshots {
		if sn.clusterName == cl.name && sn.id == id {
			return ok(http.StatusOK, s.snapshotView(c, sn, s.snapshotStatus(sn, c.now)))
		}
	}
	return fail(newErr(http.StatusNotFound, codeSnapshotNotFound, "No snapshot with ID %s exists for cluster %s.", id, cl.name).with(id, cl.name))
}

func (s *Sim) takeSnapshot(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	m := map[string]any{}
	if len(c.body) > 0 {
		if m, e = decodeObject(c.body); e != nil {
			return fail(e)
		}
	}
	if e := checkKeys(m, []string{"description", "retentionInDays"}, []string{"links"}); e != nil {
		return fail(e)
	}
	desc, _, e := getString(m, "description", "description")
	if e != nil {
		return fail(e)
	}
	retention := int64(7)
	if r, has, e := getInt(m, "retentionInDays", "retentionInDays"); e != nil {
		return fail(e)
	} else if has {
		if r < 1 {
			return fail(invalidValue("retentionInDays", "must be at least 1"))
		}
		retention = r
	}
	if cl.state == stateDeleting {
		return fail(newErr(http.StatusBadRequest, codeClusterDeleteRequested,
			"The cluster %s has already been requested for deletion.", cl.name).with(cl.name))
	}
	for _, sn := range c.proj.snapshots {
		if sn.clusterName == cl.name && sn.snapshotType == "onDemand" && s.snapshotStatus(sn, c.now) != "completed" {
			return fail(newErr(http.StatusBadRequest, codeUnfinishedSnapshot,
				"An on-demand snapshot of cluster %s is still in progress; wait for it to finish.", cl.name).with(cl.name))
		}
	}
	major, _ := cl.fields["mongoDBMajorVersion"].(string)
	sn := &snapshot{
		id:           newID(),
		clusterName:  cl.name,
		created:      c.now,
		expires:      c.now.Add(time.Duration(retention) * 24 * time.Hour),
		description:  desc,
		snapshotType: "onDemand",
		provider:     clusterProvider(cl),
		mongodVer:    mongoDBVersionFor(major),
		sizeBytes:    1 << 30,
	}
	c.proj.snapshots = append(c.proj.snapshots, sn)
	// Atlas answers with the job as queued; its progress shows on later reads.
	return ok(http.StatusOK, s.snapshotView(c, sn, "queued"))
}

func (s *Sim) restoreView(c *call, j *restoreJob, finished bool) map[string]any {
	v := map[string]any{
		"id":           j.id,
		"deliveryType": j.deliveryType,
		"cancelled":    false,
		"failed":       false,
		"expired":      false,
		"deliveryUrl":  []any{},
		"links": selfLinks(c, prefixV2+"/groups/"+c.proj.id+"/clusters/"+j.clusterName+
			"/backup/restoreJobs/"+j.id),
	}
	if j.snapshotID != "" {
		v["snapshotId"] = j.snapshotID
		v["timestamp"] = ts(j.snapshotTime)
	}
	if j.targetName != "" {
		v["targetClusterName"] = j.targetName
		v["targetGroupId"] = j.targetGroup
	}
	if j.pitSeconds != nil {
		v["pointInTimeUTCSeconds"] = *j.pitSeconds
	}
	if j.oplogTs != nil {
		v["oplogTs"] = *j.oplogTs
		v["oplogInc"] = *j.oplogInc
	}
	if finished {
		done := j.created.Add(s.opts.JobDuration)
		v["finishedAt"] = ts(done)
		if j.deliveryType == "download" {
			v["deliveryUrl"] = []any{baseURL(c.r) + "/backup/restore/" + j.id + "/" + j.snapshotID + ".tar.gz"}
			v["expiresAt"] = ts(done.Add(4 * time.Hour))
		}
	}
	return v
}

func (s *Sim) restoreFinished(j *restoreJob, now time.Time) bool {
	return !now.Before(j.created.Add(s.opts.JobDuration))
}

func (s *Sim) listRestores(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	var items []any
	for _, j := range c.proj.restores {
		if j.clusterName == cl.name {
			items = append(items, s.restoreView(c, j, s.restoreFinished(j, c.now)))
		}
	}
	return listReply(c, items)
}

func (s *Sim) getRestore(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	id := c.params["restoreJobId"]
	for _, j := range c.proj.restores {
		if j.clusterName == cl.name && j.id == id {
			return ok(http.StatusOK, s.restoreView(c, j, s.restoreFinished(j, c.now)))
		}
	}
	return fail(newErr(http.StatusNotFound, codeRestoreNotFound, "No restore job with ID %s exists for cluster %s.", id, cl.name).with(id, cl.name))
}

func (s *Sim) createRestore(c *call) reply {
	cl, e := backupCluster(c)
	if e != nil {
		return fail(e)
	}
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkKeys(m, []string{"deliveryType", "snapshotId", "targetClusterName", "targetGroupId",
		"pointInTimeUTCSeconds", "oplogTs", "oplogInc", "desiredTimestamp"},
		[]string{"id", "cancelled", "failed", "expired", "finishedAt", "expiresAt", "timestamp", "deliveryUrl",
			"links", "components", "privateDownloadDeliveryUrls"}); e != nil {
		return fail(e)
	}
	dt, has, e := getString(m, "deliveryType", "deliveryType")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(missing("deliveryType"))
	}
	types := []string{"automated", "download", "pointInTime"}
	if !contains(types, dt) {
		return fail(invalidEnum("deliveryType", dt, types))
	}
	j := &restoreJob{id: newID(), clusterName: cl.name, created: c.now, deliveryType: dt}

	snapID, hasSnap, e := getString(m, "snapshotId", "snapshotId")
	if e != nil {
		return fail(e)
	}
	if dt != "pointInTime" || hasSnap {
		if !hasSnap {
			return fail(missing("snapshotId"))
		}
		var found *snapshot
		for _, sn := range c.proj.snapshots {
			if sn.clusterName == cl.name && sn.id == snapID {
				found = sn
			}
		}
		if found == nil {
			return fail(newErr(http.StatusNotFound, codeSnapshotNotFound, "No snapshot with ID %s exists for cluster %s.", snapID, cl.name).with(snapID, cl.name))
		}
		if s.snapshotStatus(found, c.now) != "completed" {
			return fail(invalidValue("snapshotId", "snapshot "+snapID+" has not completed yet"))
		}
		j.snapshotID, j.snapshotTime = found.id, found.created
	}

	if dt == "automated" || dt == "pointInTime" {
		tName, hasName, e := getString(m, "targetClusterName", "targetClusterName")
		if e != nil {
			return fail(e)
		}
		if !hasName || tName == "" {
			return fail(missing("targetClusterName"))
		}
		tGroup, hasGroup, e := getString(m, "targetGroupId", "targetGroupId")
		if e != nil {
			return fail(e)
		}
		if !hasGroup || tGroup == "" {
			return fail(missing("targetGroupId"))
		}
		if !isObjectID(tGroup) {
			return fail(newErr(http.StatusBadRequest, codeInvalidGroupID, "The specified group ID %s is invalid.", tGroup).with(tGroup))
		}
		tp := s.st.project(tGroup)
		if tp == nil {
			return fail(newErr(http.StatusNotFound, codeGroupNotFound, "No group with ID %s exists.", tGroup).with(tGroup))
		}
		if !c.who.canOrg(tp.orgID) {
			return fail(forbidden())
		}
		tp.settle(c.now)
		if tp.cluster(tName) == nil {
			return fail(clusterNotFound(tName, tGroup))
		}
		if s.opts.Gov {
			if e := govRestoreCheck(c.proj, tp); e != nil {
				return fail(e)
			}
		}
		j.targetName, j.targetGroup = tName, tGroup
	} else {
		for _, k := range []string{"targetClusterName", "targetGroupId"} {
			if _, has := m[k]; has {
				return fail(invalidValue(k, "a download restore has no target cluster"))
			}
		}
	}

	if dt == "pointInTime" {
		pit, hasPit, e := getInt(m, "pointInTimeUTCSeconds", "pointInTimeUTCSeconds")
		if e != nil {
			return fail(e)
		}
		ots, hasTs, e := getInt(m, "oplogTs", "oplogTs")
		if e != nil {
			return fail(e)
		}
		oinc, hasInc, e := getInt(m, "oplogInc", "oplogInc")
		if e != nil {
			return fail(e)
		}
		switch {
		case hasPit:
			if pit <= 0 || pit > c.now.Unix() {
				return fail(invalidValue("pointInTimeUTCSeconds", "must be a time in the past"))
			}
			j.pitSeconds = &pit
		case hasTs && hasInc:
			j.oplogTs, j.oplogInc = &ots, &oinc
		default:
			return fail(missing("pointInTimeUTCSeconds"))
		}
	}
	c.proj.restores = append(c.proj.restores, j)
	return ok(http.StatusOK, s.restoreView(c, j, false))
}
