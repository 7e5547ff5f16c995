package policy

import (
	"fmt"
	"math"
)

// checkFacts refuses facts no plan can have. The server builds them, so one
// reaching here is a bug; a NaN or negative number must not pass a limit by
// comparing false with it.
func checkFacts(a Args) string {
	if a.TotalNodes < 0 {
		return fmt.Sprintf("the call's node count %d is negative", a.TotalNodes)
	}
	if math.IsNaN(a.MaxDiskSizeGB) || math.IsInf(a.MaxDiskSizeGB, 0) || a.MaxDiskSizeGB < 0 {
		return fmt.Sprintf("the call's disk size %v GB is not a size", a.MaxDiskSizeGB)
	}
	return ""
}

// checkClusterRefs refuses a cluster in a project the call does not list: the
// grants and deny rules were judged on the listed projects only.
func checkClusterRefs(c Call) string {
	ps := c.projects()
	for _, r := range c.Args.Clusters {
		if r.ProjectID != "" && !containsString(ps, r.ProjectID) {
			return fmt.Sprintf("cluster %s is in project %s, which the call does not list among the projects it touches", r.Name, r.ProjectID)
		}
	}
	return ""
}
