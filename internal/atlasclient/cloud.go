package atlasclient

import "fmt"

// Cloud selects which Atlas deployment the client talks to. Atlas for Government
// is the same API on a different host (seed 002), so the cloud only changes the
// base URL.
type Cloud string

const (
	Commercial Cloud = "commercial"
	Gov        Cloud = "gov"
)

const (
	// CommercialBaseURL is the root of the Atlas Administration API and of the
	// service-account token endpoint for commercial Atlas.
	CommercialBaseURL = "https://cloud.mongodb.com"
	// GovBaseURL is the same for Atlas for Government.
	GovBaseURL = "https://cloud.mongodbgov.com"
	// AppServicesBaseURL is the full prefix of the App Services Admin API v3.0.
	AppServicesBaseURL = "https://services.cloud.mongodb.com/api/admin/v3.0"
)

// BaseURLFor returns the base URL of a cloud. An empty cloud means commercial;
// an unknown one returns "" so that a typo never silently falls back to the
// commercial cloud (use ParseCloud to validate user input).
func BaseURLFor(c Cloud) string {
	switch c {
	case Commercial, "":
		return CommercialBaseURL
	case Gov:
		return GovBaseURL
	default:
		return ""
	}
}

// ParseCloud validates a cloud name as given by ATLAS_MCP_CLOUD or --cloud.
func ParseCloud(s string) (Cloud, error) {
	switch Cloud(s) {
	case Commercial, "":
		return Commercial, nil
	case Gov:
		return Gov, nil
	default:
		return "", fmt.Errorf("atlasclient: unknown cloud %q (want %q or %q)", s, Commercial, Gov)
	}
}
