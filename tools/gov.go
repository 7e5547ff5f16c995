package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// The Atlas for Government rules, as its documentation words them (seed 002).
const (
	govTierRule         = "AtlasGov clusters must be tier M20 or higher. Atlas doesn't support Free and Flex clusters."
	govAzureRule        = "Azure is unavailable for all API resources"
	govRestoreRule      = "Restores between standard projects and Gov region-only projects are not allowed."
	govPaymentAlertRule = "Alerts related to payment methods are unavailable."
	govRegionsOnly      = "GOV_REGIONS_ONLY"
	observedSrcKind     = "sourceProject.regionUsageRestrictions"
	observedDstKind     = "targetProject.regionUsageRestrictions"
)

// govCheck applies Atlas for Government's rules to the plan's final requests,
// whatever argument or escape hatch put a member there: every tier anywhere
// (electable, read-only, analytics, auto-scaling bounds) is M20 or larger and
// none is shared, Flex or TENANT; no request names Azure; a restore stays
// within Gov region-only or within standard projects; no alert watches
// payment methods. Input checks in
// prepare() catch the flat arguments earlier with the argument's own name;
// this is the check nothing can walk around.
//
// The documentation's database-user rule ("Database users who authenticate
// with SCRAM must use SCRAM-SHA-256") has nothing to check on the wire: the
// API has no mechanism member and Atlas creates SCRAM users with SHA-256;
// prepare() refuses mechanism SCRAM-SHA-1.
func govCheck(f Facts, p *Plan) error {
	for i := range p.Requests {
		r := &p.Requests[i]
		if len(r.Body) == 0 {
			continue
		}
		var body any
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return fmt.Errorf("reading planned body of %s: %w", r.op, err)
		}
		var err error
		walkMembers(body, "", func(path, key string, v any) bool {
			s, _ := v.(string)
			switch strings.ToLower(key) {
			case "instancesize", "mininstancesize", "maxinstancesize", "effectiveinstancesize":
				if s != "" && !govTier(s) {
					err = &GovRuleError{Field: key, Rule: govTierRule, Fix: fmt.Sprintf("the request sets %s to %s; choose M20 or a larger tier", path, s)}
				}
			case "providername", "backingprovidername":
				switch strings.ToUpper(s) {
				case "AZURE":
					err = &GovRuleError{Field: "providerName", Rule: govAzureRule, Fix: fmt.Sprintf("the request sets %s to %s; use AWS (GovCloud) or GCP (Assured Workloads)", path, s)}
				case "TENANT":
					err = &GovRuleError{Field: "instanceSize", Rule: govTierRule, Fix: fmt.Sprintf("the request sets %s to TENANT (a free or shared tier); choose M20 or a larger tier", path)}
				}
			case "eventtypename":
				if strings.EqualFold(s, "CREDIT_CARD_ABOUT_TO_EXPIRE") {
					err = &GovRuleError{Field: "eventTypeName", Rule: govPaymentAlertRule, Fix: "choose another event type"}
				}
			}
			return err == nil
		})
		if err != nil {
			return err
		}
		if r.op == atlasclient.CreateGroupClusterBackupRestoreJob {
			if err := govRestoreCheck(r, body, p); err != nil {
				return err
			}
		}
	}
	// The facts are the policy's view of the same requests, plus what the
	// tool added; check them too, so the two can never disagree.
	for _, s := range f.InstanceSizes {
		if !govTier(s) {
			return &GovRuleError{Field: "instanceSize", Rule: govTierRule, Fix: fmt.Sprintf("the plan uses tier %s; choose M20 or a larger tier", s)}
		}
	}
	for _, pr := range f.Providers {
		if strings.EqualFold(pr, "AZURE") {
			return &GovRuleError{Field: "providerName", Rule: govAzureRule, Fix: "use AWS (GovCloud) or GCP (Assured Workloads)"}
		}
	}
	return nil
}

// govTier reports a tier Atlas for Government offers: dedicated, M20 or larger.
func govTier(size string) bool {
	s := strings.ToUpper(size)
	return s != "FLEX" && !isSharedTier(s) && tierNumber(s) >= 20
}

// govRestoreCheck needs both projects' region usage, which only Atlas knows:
// the tool read them while planning and observed them in the plan, so the
// person's yes covers them too. A cross-project restore planned without them
// is refused rather than let through.
func govRestoreCheck(r *PlannedRequest, body any, p *Plan) error {
	m, _ := body.(map[string]any)
	target := member[string](m, "targetGroupId")
	source := r.Param("groupId")
	if target == "" || target == source {
		return nil
	}
	src, okS := p.Observed[observedSrcKind]
	dst, okD := p.Observed[observedDstKind]
	if !okS || !okD {
		return &GovRuleError{Field: "targetProjectId", Rule: govRestoreRule, Fix: fmt.Sprintf("the region usage of projects %s and %s could not be verified; restore within one project", source, target)}
	}
	kind := func(s string) string {
		if s == govRegionsOnly {
			return "Gov region-only"
		}
		return "standard"
	}
	if kind(src) != kind(dst) {
		return &GovRuleError{
			Field: "targetProjectId",
			Rule:  govRestoreRule,
			Fix:   fmt.Sprintf("project %s is %s but %s is %s: restore into a cluster of a %s project", source, kind(src), target, kind(dst), kind(src)),
		}
	}
	return nil
}

// walkMembers calls fn for every object member at any depth, in a stable
// order, with its path (replicationSpecs[0].regionConfigs[1].electableSpecs.
// instanceSize); it stops when fn returns false.
func walkMembers(v any, path string, fn func(path, key string, v any) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			at := joinPath(path, k)
			if !fn(at, k, x[k]) || !walkMembers(x[k], at, fn) {
				return false
			}
		}
	case []any:
		for i, e := range x {
			if !walkMembers(e, fmt.Sprintf("%s[%d]", orText(path, "body"), i), fn) {
				return false
			}
		}
	}
	return true
}
