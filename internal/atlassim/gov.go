package atlassim

import "net/http"

// Atlas for Government rules the simulator enforces when Options.Gov is set.
// The details quote the rules of the Atlas for Government documentation (seed
// 002); the error codes are our choice, since Atlas publishes none for them.

const (
	regionsGovOnly    = "GOV_REGIONS_ONLY"
	regionsCommercial = "COMMERCIAL_FEDRAMP_REGIONS_ONLY"
)

func govTierErr(size string) *apiError {
	if size == "" {
		size = "a free or shared tier"
	}
	return newErr(http.StatusBadRequest, codeGovInstanceSize,
		"AtlasGov clusters must be tier M20 or higher; %s is not available (Free, Flex and M10 clusters are unavailable in Atlas for Government).", size).with(size)
}

// govRegionCheck enforces "You cannot deploy clusters across government and
// standard regions in the same project": a GOV_REGIONS_ONLY project deploys to
// government regions (AWS GovCloud, GCP Assured Workloads), a standard
// project to US commercial (FedRAMP) regions.
func govRegionCheck(p *project, provider, region string) *apiError {
	restriction := restrictionOf(p)
	if !usRegion(provider, region) {
		return newErr(http.StatusBadRequest, codeGovRegion,
			"Region %s is not available in Atlas for Government; only United States regions are offered.", region).with(region, restriction)
	}
	gov := govRegion(provider, region)
	switch {
	case restriction == regionsGovOnly && !gov:
		return newErr(http.StatusBadRequest, codeGovRegion,
			"Project %s is restricted to GOV_REGIONS_ONLY; %s is a standard region. You cannot deploy clusters across government and standard regions in the same project.", p.id, region).with(region, restriction)
	case restriction != regionsGovOnly && gov:
		return newErr(http.StatusBadRequest, codeGovRegion,
			"Project %s is restricted to COMMERCIAL_FEDRAMP_REGIONS_ONLY; %s is a government region. You cannot deploy clusters across government and standard regions in the same project.", p.id, region).with(region, restriction)
	}
	return nil
}

// govRestoreCheck enforces "Restores between standard projects and Gov
// region-only projects are not allowed."
func govRestoreCheck(from, to *project) *apiError {
	if (from.restriction == regionsGovOnly) == (to.restriction == regionsGovOnly) {
		return nil
	}
	return newErr(http.StatusBadRequest, codeGovRestore,
		"Restores between standard projects and Gov region-only projects are not allowed (source %s is %s, target %s is %s).",
		from.id, restrictionOf(from), to.id, restrictionOf(to)).with(from.id, to.id)
}

func restrictionOf(p *project) string {
	if p.restriction == "" {
		return regionsCommercial
	}
	return p.restriction
}
