package main

import "runtime/debug"

// versionInfo is what `atlas-mcp version` prints: the values -ldflags set at
// release time, else what the Go toolchain stamped into the binary — the
// module version for `go install module@version`, the VCS revision, its time
// and whether the tree was modified for a build from a clone.
func versionInfo() (v, c, d string) {
	v, c, d = version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		v, c, d = fromBuildInfo(bi, v, c, d)
	}
	return v, c, d
}

// fromBuildInfo fills only what -ldflags left at its placeholder.
func fromBuildInfo(bi *debug.BuildInfo, v, c, d string) (string, string, string) {
	if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if c == "none" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		c = rev
		if modified {
			c += "-dirty"
		}
	}
	if d == "unknown" && at != "" {
		d = at
	}
	return v, c, d
}
