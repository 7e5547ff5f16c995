package atlassim

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var clusterNameRE = lazyRegexp(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)

// Writable top-level attributes of ClusterDescription20240805, with the enum
// each one takes when it is an enum ("" = any value of its JSON type).
func clusterWritable() map[string]string {
	return map[string]string{
		"acceptDataRisksAndForceReplicaSetReconfig": "string",
		"adaptiveCapacity":                          "enum:ENABLED,DISABLED",
		"advancedConfiguration":                     "object",
		"backupEnabled":                             "bool",
		"biConnector":                               "object",
		"clusterType":                               "enum:REPLICASET,SHARDED,GEOSHARDED",
		"configServerManagementMode":                "enum:ATLAS_MANAGED,FIXED_TO_DEDICATED",
		"diskWarmingMode":                           "enum:FULLY_WARMED,VISIBLE_EARLIER,ENHANCED_FULLY_WARMED",
		"encryptionAtRestProvider":                  "enum:NONE,AWS,AZURE,GCP",
		"globalClusterSelfManagedSharding":          "bool",
		"labels":                                    "array",
		"mongoDBEmployeeAccessGrant":                "object",
		"mongoDBMajorVersion":                       "enum:6.0,7.0,8.0",
		"name":                                      "string",
		"paused":                                    "bool",
		"pitEnabled":                                "bool",
		"redactClientLogData":                       "bool",
		"replicaSetScalingStrategy":                 "enum:SEQUENTIAL,WORKLOAD_TYPE,NODE_TYPE",
		"replicationSpecs":                          "array",
		"retainBackups":                             "bool",
		"rootCertType":                              "enum:ISRGROOTX1",
		"tags":                                      "array",
		"terminationProtectionEnabled":              "bool",
		"useAwsTimeBasedSnapshotCopyForFastInitialSync": "bool",
		"versionReleaseSystem":                          "enum:LTS,CONTINUOUS",
	}
}

// Read-only attributes a client may echo back from a GET; they are ignored.
func clusterReadOnly() []string {
	return []string{"configServerType", "connectionStrings", "createDate", "effectiveReplicationSpecs",
		"featureCompatibilityVersion", "featureCompatibilityVersionExpirationDate", "groupId", "id",
		"internalClusterRole", "links", "mongoDBVersion", "stateName"}
}

// checkClusterFields validates the top-level attributes of a cluster body.
func checkClusterFields(m map[string]any) *apiError {
	writable := clusterWritable()
	names := make([]string, 0, len(writable))
	for k := range writable {
		names = append(names, k)
	}
	if e := checkKeys(m, names, clusterReadOnly()); e != nil {
		return e
	}
	for k, v := range m {
		kind := writable[k]
		var e *apiError
		switch {
		case kind == "string":
			_, _, e = getString(m, k, k)
		case kind == "bool":
			_, _, e = getBool(m, k, k)
		case kind == "object":
			_, _, e = getObject(m, k, k)
		case kind == "array":
			_, _, e = getArray(m, k, k)
		case strings.HasPrefix(kind, "enum:"):
			allowed := strings.Split(strings.TrimPrefix(kind, "enum:"), ",")
			if sv, isStr := v.(string); !isStr || !contains(allowed, sv) {
				e = invalidEnum(k, v, allowed)
			}
		}
		if e != nil {
			return e
		}
	}
	return nil
}

func clusterNotFound(name, groupID string) *apiError {
	return newErr(http.StatusNotFound, codeClusterNotFound, "No cluster named %s exists in group %s.", name, groupID).with(name, groupID)
}

func (s *Sim) listClusters(c *call) reply {
	items := make([]any, 0, len(c.proj.clusters))
	for _, cl := range c.proj.clusters {
		items = append(items, s.clusterJSON(c, cl))
	}
	return listReply(c, items)
}

func (s *Sim) getCluster(c *call) reply {
	cl := c.proj.cluster(c.params["clusterName"])
	if cl == nil {
		return fail(clusterNotFound(c.params["clusterName"], c.proj.id))
	}
	return ok(http.StatusOK, s.clusterJSON(c, cl))
}

// clusterJSON is clusterView rendered, cached until the cluster changes
// (state, attributes) or is asked for through another host name.
func (s *Sim) clusterJSON(c *call, cl *cluster) json.RawMessage {
	key := strconv.Itoa(cl.gen) + "|" + cl.state + "|" + baseURL(c.r)
	if cl.cache.key != key {
		raw, err := appendJSON(nil, s.clusterView(c, cl))
		if err != nil {
			panic(fmt.Sprintf("atlassim: cluster view does not encode: %v", err)) // only plain JSON values go in
		}
		cl.cache = clusterCache{key: key, raw: raw}
	}
	return json.RawMessage(cl.cache.raw)
}

func (s *Sim) createCluster(c *call) reply {
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkClusterFields(m); e != nil {
		return fail(e)
	}
	name, hasName, _ := getString(m, "name", "name")
	if !hasName || name == "" {
		return fail(missing("name"))
	}
	if len(name) > 64 || !clusterNameRE().MatchString(name) {
		return fail(newErr(http.StatusBadRequest, codeClusterNameInvalid,
			"Cluster name %q is invalid. The name may contain only ASCII letters, numbers and hyphens, must start with a letter or number, and be at most 64 characters.", name).with(name))
	}
	if c.proj.cluster(name) != nil {
		return fail(newErr(http.StatusBadRequest, codeDuplicateClusterName,
			"A cluster named %s is already present in group %s.", name, c.proj.id).with(name, c.proj.id))
	}
	specs, has, _ := getArray(m, "replicationSpecs", "replicationSpecs")
	if !has {
		return fail(missing("replicationSpecs"))
	}
	repl, e := s.normalizeReplicationSpecs(c.proj, specs, nil)
	if e != nil {
		return fail(e)
	}
	delete(m, "name")
	delete(m, "replicationSpecs")
	if paused, _, _ := getBool(m, "paused", "paused"); paused {
		return fail(invalidValue("paused", "a cluster cannot be created paused"))
	}
	cl := &cluster{
		id:       newID(),
		name:     name,
		groupID:  c.proj.id,
		created:  c.now,
		state:    stateCreating,
		settleAt: c.now.Add(s.opts.ClusterTransition),
		fields:   copyObject(m),
		repl:     repl,
	}
	c.proj.clusters = append(c.proj.clusters, cl)
	return ok(http.StatusCreated, s.clusterJSON(c, cl))
}

func (s *Sim) updateCluster(c *call) reply {
	cl := c.proj.cluster(c.params["clusterName"])
	if cl == nil {
		return fail(clusterNotFound(c.params["clusterName"], c.proj.id))
	}
	switch cl.state {
	case stateDeleting:
		return fail(newErr(http.StatusBadRequest, codeClusterDeleteRequested,
			"The cluster %s has already been requested for deletion.", cl.name).with(cl.name))
	case stateCreating, stateUpdating:
		return fail(newErr(http.StatusConflict, codeClusterNotIdle,
			"Cannot update cluster %s while it is %s; wait until its stateName is IDLE.", cl.name, cl.state).with(cl.name, cl.state))
	}
	m, e := decodeObject(c.body)
	if e != nil {
		return fail(e)
	}
	if e := checkClusterFields(m); e != nil {
		return fail(e)
	}
	if name, has, _ := getString(m, "name", "name"); has && name != cl.name {
		return fail(invalidValue("name", "a cluster cannot be renamed"))
	}
	delete(m, "name")
	wasPaused, _, _ := getBool(cl.fields, "paused", "paused")
	wantPaused, setsPaused, _ := getBool(m, "paused", "paused")
	if wasPaused && !(setsPaused && !wantPaused) {
		return fail(newErr(http.StatusConflict, codeClusterPaused,
			"Cannot update cluster %s while it is paused or being paused.", cl.name).with(cl.name))
	}
	repl := cl.repl
	if specs, has, _ := getArray(m, "replicationSpecs", "replicationSpecs"); has {
		repl, e = s.normalizeReplicationSpecs(c.proj, specs, cl.repl)
		if e != nil {
			return fail(e)
		}
	}
	delete(m, "replicationSpecs")
	for k, v := range m {
		cl.fields[k] = deepCopy(v)
	}
	cl.repl = repl
	cl.gen++
	cl.state = stateUpdating
	cl.settleAt = c.now.Add(s.opts.ClusterTransition)
	return ok(http.StatusOK, s.clusterJSON(c, cl))
}

func (s *Sim) deleteCluster(c *call) reply {
	cl := c.proj.cluster(c.params["clusterName"])
	if cl == nil {
		return fail(clusterNotFound(c.params["clusterName"], c.proj.id))
	}
	if cl.state == stateDeleting {
		return fail(newErr(http.StatusBadRequest, codeClusterDeleteRequested,
			"The cluster %s has already been requested for deletion.", cl.name).with(cl.name))
	}
	if tp, _, _ := getBool(cl.fields, "terminationProtectionEnabled", ""); tp {
		return fail(newErr(http.StatusBadRequest, codeTerminationProtection,
			"Unable to terminate cluster %s because termination protection is enabled.", cl.name).with(cl.name))
	}
	cl.state = stateDeleting
	cl.settleAt = c.now.Add(s.opts.ClusterTransition)
	return reply{status: http.StatusAccepted}
}

// listFlexClusters and getFlexCluster exist because MongoDB's own MCP server
// asks for flex clusters next to dedicated ones (it inspects a cluster with a
// fallback to the flex API). The simulator has no flex clusters, so one is
// never found, even under the name of a dedicated cluster.
func (s *Sim) listFlexClusters(c *call) reply { return listReply(c, nil) }

func (s *Sim) getFlexCluster(c *call) reply {
	name := c.params["name"]
	return fail(newErr(http.StatusNotFound, codeFlexNotFound, "No flex cluster named %s exists in group %s.", name, c.proj.id).with(name, c.proj.id))
}

// normalizeReplicationSpecs validates replicationSpecs and fills what Atlas
// fills: ids, zone names, priorities, node counts, disk sizes, read-only and
// analytics specs, auto-scaling. prev keeps the ids of an updated cluster.
func (s *Sim) normalizeReplicationSpecs(p *project, specs []any, prev []any) ([]any, *apiError) {
	if len(specs) == 0 {
		return nil, invalidValue("replicationSpecs", "must hold at least one replication spec")
	}
	out := make([]any, 0, len(specs))
	for i, raw := range specs {
		path := fmt.Sprintf("replicationSpecs[%d]", i)
		rs, isObj := raw.(map[string]any)
		if !isObj {
			return nil, invalidValue(path, "must be an object")
		}
		rs = copyObject(rs)
		if e := checkKeys(rs, []string{"regionConfigs", "zoneName"}, []string{"id", "zoneId"}); e != nil {
			return nil, e
		}
		id, zoneID := newID(), newID()
		if i < len(prev) {
			if old, isMap := prev[i].(map[string]any); isMap {
				id, _ = old["id"].(string)
				zoneID, _ = old["zoneId"].(string)
			}
		}
		zoneName, _, e := getString(rs, "zoneName", path+".zoneName")
		if e != nil {
			return nil, e
		}
		if zoneName == "" {
			zoneName = fmt.Sprintf("Zone %d", i+1)
		}
		rcs, has, e := getArray(rs, "regionConfigs", path+".regionConfigs")
		if e != nil {
			return nil, e
		}
		if !has {
			return nil, missing(path + ".regionConfigs")
		}
		if len(rcs) == 0 {
			return nil, invalidValue(path+".regionConfigs", "must hold at least one region config")
		}
		outRCs := make([]any, 0, len(rcs))
		for j, rcRaw := range rcs {
			rc, e := s.normalizeRegionConfig(p, rcRaw, fmt.Sprintf("%s.regionConfigs[%d]", path, j), j)
			if e != nil {
				return nil, e
			}
			outRCs = append(outRCs, rc)
		}
		out = append(out, map[string]any{"id": id, "zoneId": zoneID, "zoneName": zoneName, "regionConfigs": outRCs})
	}
	return out, nil
}

func (s *Sim) normalizeRegionConfig(p *project, raw any, path string, index int) (map[string]any, *apiError) {
	rc, isObj := raw.(map[string]any)
	if !isObj {
		return nil, invalidValue(path, "must be an object")
	}
	rc = copyObject(rc)
	if e := checkKeys(rc, []string{"providerName", "regionName", "priority", "electableSpecs", "readOnlySpecs",
		"analyticsSpecs", "autoScaling", "analyticsAutoScaling", "backingProviderName"},
		[]string{"effectiveElectableSpecs", "effectiveReadOnlySpecs", "effectiveAnalyticsSpecs"}); e != nil {
		return nil, e
	}
	provider, has, e := getString(rc, "providerName", path+".providerName")
	if e != nil {
		return nil, e
	}
	if !has {
		return nil, missing(path + ".providerName")
	}
	providers := []string{"AWS", "AZURE", "GCP", "TENANT"}
	if !contains(providers, provider) {
		return nil, invalidEnum(path+".providerName", provider, providers)
	}
	region, has, e := getString(rc, "regionName", path+".regionName")
	if e != nil {
		return nil, e
	}
	if !has || region == "" {
		return nil, missing(path + ".regionName")
	}
	priority := int64(7 - index)
	if priority < 1 {
		priority = 1
	}
	if pr, has, e := getInt(rc, "priority", path+".priority"); e != nil {
		return nil, e
	} else if has {
		if pr < 0 || pr > 7 {
			return nil, invalidValue(path+".priority", "must be between 0 and 7")
		}
		priority = pr
	}
	es, has, e := getObject(rc, "electableSpecs", path+".electableSpecs")
	if e != nil {
		return nil, e
	}
	if !has {
		return nil, missing(path + ".electableSpecs")
	}

	if s.opts.Gov && (provider == "AZURE" || provider == "TENANT") {
		if provider == "AZURE" {
			return nil, newErr(http.StatusBadRequest, codeGovProvider,
				"Azure is unavailable in Atlas for Government; use AWS or GCP.").with("AZURE")
		}
		size, _, _ := getString(es, "instanceSize", "")
		return nil, govTierErr(size)
	}

	out := map[string]any{"providerName": provider, "regionName": region, "priority": priority}
	regionProvider := provider
	if provider == "TENANT" {
		backing, has, e := getString(rc, "backingProviderName", path+".backingProviderName")
		if e != nil {
			return nil, e
		}
		if !has {
			return nil, missing(path + ".backingProviderName")
		}
		if !contains([]string{"AWS", "GCP", "AZURE"}, backing) {
			return nil, invalidEnum(path+".backingProviderName", backing, []string{"AWS", "GCP", "AZURE"})
		}
		regionProvider = backing
		out["backingProviderName"] = backing
	}
	if e := s.checkRegion(p, regionProvider, region, path+".regionName"); e != nil {
		return nil, e
	}

	if provider == "TENANT" {
		size, has, e := getString(es, "instanceSize", path+".electableSpecs.instanceSize")
		if e != nil {
			return nil, e
		}
		if !has {
			return nil, missing(path + ".electableSpecs.instanceSize")
		}
		if !contains(instanceSizes("TENANT"), size) {
			return nil, invalidEnum(path+".electableSpecs.instanceSize", size, instanceSizes("TENANT"))
		}
		out["electableSpecs"] = map[string]any{"instanceSize": size, "effectiveInstanceSize": size, "diskSizeGB": defaultDiskGB(size)}
		return out, nil
	}

	defNodes := int64(0)
	if index == 0 {
		defNodes = 3
	}
	electable, e := s.hardwareSpec(provider, es, path+".electableSpecs", "", defNodes)
	if e != nil {
		return nil, e
	}
	out["electableSpecs"] = electable
	size := electable["instanceSize"].(string)
	for _, k := range []string{"readOnlySpecs", "analyticsSpecs"} {
		spec, has, e := getObject(rc, k, path+"."+k)
		if e != nil {
			return nil, e
		}
		if !has {
			spec = map[string]any{}
		}
		hw, e := s.hardwareSpec(provider, spec, path+"."+k, size, 0)
		if e != nil {
			return nil, e
		}
		out[k] = hw
	}
	for _, k := range []string{"autoScaling", "analyticsAutoScaling"} {
		as, has, e := getObject(rc, k, path+"."+k)
		if e != nil {
			return nil, e
		}
		if !has {
			as = map[string]any{
				"compute": map[string]any{"enabled": false, "scaleDownEnabled": false},
				"diskGB":  map[string]any{"enabled": true},
			}
		}
		out[k] = as
	}
	return out, nil
}

// hardwareSpec validates and completes one dedicated hardware spec.
// defSize is used when the spec names no instanceSize ("" = required).
func (s *Sim) hardwareSpec(provider string, spec map[string]any, path, defSize string, defNodes int64) (map[string]any, *apiError) {
	if e := checkKeys(spec, []string{"instanceSize", "nodeCount", "diskSizeGB", "diskIOPS", "ebsVolumeType"},
		[]string{"diskThroughput", "effectiveInstanceSize"}); e != nil {
		return nil, e
	}
	size, has, e := getString(spec, "instanceSize", path+".instanceSize")
	if e != nil {
		return nil, e
	}
	if !has {
		if defSize == "" {
			return nil, missing(path + ".instanceSize")
		}
		size = defSize
	}
	if s.opts.Gov && tierBelowM20(size) {
		return nil, govTierErr(size)
	}
	if !contains(instanceSizes(provider), size) {
		return nil, invalidEnum(path+".instanceSize", size, instanceSizes(provider))
	}
	nodes := defNodes
	if n, has, e := getInt(spec, "nodeCount", path+".nodeCount"); e != nil {
		return nil, e
	} else if has {
		if n < 0 || n > 50 {
			return nil, invalidValue(path+".nodeCount", "must be between 0 and 50")
		}
		nodes = n
	}
	disk := defaultDiskGB(size)
	if d, has, e := getNumber(spec, "diskSizeGB", path+".diskSizeGB"); e != nil {
		return nil, e
	} else if has {
		if d <= 0 || d > 16384 {
			return nil, invalidValue(path+".diskSizeGB", "must be between 1 and 16384")
		}
		disk = d
	}
	out := map[string]any{"instanceSize": size, "nodeCount": nodes, "diskSizeGB": disk}
	if provider == "AWS" {
		iops := int64(3000)
		if v, has, e := getInt(spec, "diskIOPS", path+".diskIOPS"); e != nil {
			return nil, e
		} else if has {
			iops = v
		}
		vol := "STANDARD"
		if v, has, e := getString(spec, "ebsVolumeType", path+".ebsVolumeType"); e != nil {
			return nil, e
		} else if has {
			allowed := []string{"STANDARD", "PROVISIONED", "HIGH_PERFORMANCE"}
			if !contains(allowed, v) {
				return nil, invalidEnum(path+".ebsVolumeType", v, allowed)
			}
			vol = v
		}
		out["diskIOPS"] = iops
		out["ebsVolumeType"] = vol
	}
	return out, nil
}

func (s *Sim) checkRegion(p *project, provider, region, path string) *apiError {
	known := contains(regions(provider), region)
	if known && govRegion(provider, region) && !s.opts.Gov {
		known = false
	}
	if !known {
		return newErr(http.StatusBadRequest, codeInvalidRegion, "No region %s exists for provider %s.", region, provider).with(region, provider)
	}
	if s.opts.Gov {
		return govRegionCheck(p, provider, region)
	}
	return nil
}

// clusterView is the ClusterDescription20240805 answer for cl.
func (s *Sim) clusterView(c *call, cl *cluster) map[string]any {
	v := map[string]any{
		"backupEnabled":                    false,
		"biConnector":                      map[string]any{"enabled": false, "readPreference": "SECONDARY"},
		"clusterType":                      "REPLICASET",
		"configServerManagementMode":       "ATLAS_MANAGED",
		"diskWarmingMode":                  "FULLY_WARMED",
		"encryptionAtRestProvider":         "NONE",
		"globalClusterSelfManagedSharding": false,
		"labels":                           []any{},
		"mongoDBMajorVersion":              "8.0",
		"paused":                           false,
		"pitEnabled":                       false,
		"redactClientLogData":              false,
		"replicaSetScalingStrategy":        "WORKLOAD_TYPE",
		"rootCertType":                     "ISRGROOTX1",
		"tags":                             []any{},
		"terminationProtectionEnabled":     false,
		"versionReleaseSystem":             "LTS",
	}
	for k, x := range cl.fields {
		v[k] = deepCopy(x)
	}
	major, _ := v["mongoDBMajorVersion"].(string)
	v["id"] = cl.id
	v["name"] = cl.name
	v["groupId"] = cl.groupID
	v["createDate"] = ts(cl.created)
	v["stateName"] = cl.state
	v["mongoDBVersion"] = mongoDBVersionFor(major)
	v["featureCompatibilityVersion"] = major
	v["replicationSpecs"] = deepCopy(cl.repl)
	v["connectionStrings"] = s.connectionStrings(cl)
	v["links"] = selfLinks(c, prefixV2+"/groups/"+cl.groupID+"/clusters/"+cl.name)
	return v
}

// connectionStrings are the standard (seed-list) and SRV strings, with a host
// hash derived from the project as Atlas derives one per project.
func (s *Sim) connectionStrings(cl *cluster) map[string]any {
	sum := sha1.Sum([]byte(cl.groupID))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	hash := make([]byte, 5)
	for i := range hash {
		hash[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	rsTag := make([]byte, 6)
	for i := range rsTag {
		rsTag[i] = alphabet[int(sum[i+5])%len(alphabet)]
	}
	domain := "mongodb.net"
	if s.opts.Gov {
		domain = "mongodbgov.net"
	}
	host := strings.ToLower(cl.name) + "." + string(hash) + "." + domain
	shard := strings.ToLower(cl.name) + "-shard-00-%02d." + string(hash) + "." + domain + ":27017"
	hosts := make([]string, 3)
	for i := range hosts {
		hosts[i] = fmt.Sprintf(shard, i)
	}
	return map[string]any{
		"standard":    "mongodb://" + strings.Join(hosts, ",") + "/?ssl=true&authSource=admin&replicaSet=atlas-" + string(rsTag) + "-shard-0",
		"standardSrv": "mongodb+srv://" + host,
	}
}

// AddClusters adds n IDLE clusters named prefix-1 … prefix-n (names already
// taken are skipped) to the project, for long lists and benchmarks. A project
// that does not exist is created in the first organization.
func (s *Sim) AddClusters(projectID string, n int, prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := s.st.project(projectID)
	if p == nil {
		orgID := DemoOrgID
		if len(s.st.orgs) > 0 {
			orgID = s.st.orgs[0].id
		}
		p = &project{id: projectID, name: "project-" + projectID, orgID: orgID, created: now,
			restriction: "COMMERCIAL_FEDRAMP_REGIONS_ONLY", withAlerts: true}
		s.st.projects = append(s.st.projects, p)
	}
	size := "M10"
	if s.opts.Gov {
		size = "M20"
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if p.cluster(name) != nil {
			continue
		}
		p.clusters = append(p.clusters, &cluster{
			id: newID(), name: name, groupID: p.id, created: now.Add(-time.Hour), state: stateIdle,
			fields: map[string]any{}, repl: dedicatedRepl("AWS", "US_EAST_1", size),
		})
	}
}

// dedicatedRepl is the normalized replicationSpecs of a plain 3-node replica set.
func dedicatedRepl(provider, region, size string) []any {
	hw := func(nodes int64) map[string]any {
		m := map[string]any{"instanceSize": size, "nodeCount": nodes, "diskSizeGB": defaultDiskGB(size)}
		if provider == "AWS" {
			m["diskIOPS"] = int64(3000)
			m["ebsVolumeType"] = "STANDARD"
		}
		return m
	}
	auto := func() map[string]any {
		return map[string]any{
			"compute": map[string]any{"enabled": false, "scaleDownEnabled": false},
			"diskGB":  map[string]any{"enabled": true},
		}
	}
	return []any{map[string]any{
		"id": newID(), "zoneId": newID(), "zoneName": "Zone 1",
		"regionConfigs": []any{map[string]any{
			"providerName": provider, "regionName": region, "priority": int64(7),
			"electableSpecs": hw(3), "readOnlySpecs": hw(0), "analyticsSpecs": hw(0),
			"autoScaling": auto(), "analyticsAutoScaling": auto(),
		}},
	}}
}

func tenantRepl(backing, region, size string) []any {
	return []any{map[string]any{
		"id": newID(), "zoneId": newID(), "zoneName": "Zone 1",
		"regionConfigs": []any{map[string]any{
			"providerName": "TENANT", "backingProviderName": backing, "regionName": region, "priority": int64(7),
			"electableSpecs": map[string]any{"instanceSize": size, "effectiveInstanceSize": size, "diskSizeGB": defaultDiskGB(size)},
		}},
	}}
}

// clusterProvider is the cloud provider of a cluster's first region (the
// backing provider for a tenant), as snapshots report it.
func clusterProvider(cl *cluster) string {
	for _, rs := range cl.repl {
		rsm, _ := rs.(map[string]any)
		rcs, _ := rsm["regionConfigs"].([]any)
		for _, rc := range rcs {
			rcm, _ := rc.(map[string]any)
			if b, isStr := rcm["backingProviderName"].(string); isStr {
				return b
			}
			if p, isStr := rcm["providerName"].(string); isStr {
				return p
			}
		}
	}
	return "AWS"
}
