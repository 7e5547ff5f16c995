package atlassim

import (
	"net/http"
	"slices"
	"strings"
)

// publishedVersions are the Admin API's version dates (REFERENCE.md, last
// section). A requested date must be one of them.
func publishedVersions() []string {
	return []string{
		"2023-01-01", "2023-02-01", "2023-10-01", "2023-11-15", "2024-05-30",
		"2024-08-05", "2024-10-23", "2024-11-13", "2025-02-19", "2025-03-12",
	}
}

var acceptVersionRE = lazyRegexp(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$`)

// resolveVersion picks the version a request is served with: the newest
// version of the resource dated on or before the requested date, where the
// requested date must be a published one. Several media types may be listed;
// the first that resolves wins. Anything else is 406 INVALID_ACCEPT_HEADER
// (our choice of code) with a detail that quotes what was sent.
func resolveVersion(accept string, versions []string) (string, *apiError) {
	var dates []string
	for _, part := range strings.Split(accept, ",") {
		mt := strings.TrimSpace(part)
		if i := strings.IndexByte(mt, ';'); i >= 0 {
			mt = strings.TrimSpace(mt[:i])
		}
		if m := acceptVersionRE().FindStringSubmatch(strings.ToLower(mt)); m != nil {
			dates = append(dates, m[1])
		}
	}
	if len(dates) == 0 {
		return "", newErr(http.StatusNotAcceptable, codeNotAcceptable,
			"Invalid accept header or version date: %q names no API version. Send a dated version such as application/vnd.atlas.%s+json.",
			accept, versions[len(versions)-1]).with(accept)
	}
	published := publishedVersions()
	var firstErr *apiError
	for _, d := range dates {
		if !slices.Contains(published, d) {
			if firstErr == nil {
				firstErr = newErr(http.StatusNotAcceptable, codeNotAcceptable,
					"Invalid accept header or version date: %s is not a published API version (accept header %q).", d, accept).with(accept)
			}
			continue
		}
		best := ""
		for _, v := range versions {
			if v <= d {
				best = v
			}
		}
		if best == "" {
			if firstErr == nil {
				firstErr = newErr(http.StatusNotAcceptable, codeNotAcceptable,
					"Invalid accept header or version date: this resource has no version on or before %s; its first version is %s (accept header %q).",
					d, versions[0], accept).with(accept)
			}
			continue
		}
		return best, nil
	}
	return "", firstErr
}

func mediaType(version string) string {
	return "application/vnd.atlas." + version + "+json"
}
