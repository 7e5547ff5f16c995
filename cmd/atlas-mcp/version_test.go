package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "812a527f3c1d9e0b4a5f6e7d8c9b0a1f2e3d4c5b"
	tests := []struct {
		name          string
		bi            debug.BuildInfo
		ldV, ldC, ldD string
		want          [3]string
	}{
		{"go install ./cmd/atlas-mcp from a clean clone", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "false")},
			"dev", "none", "unknown", [3]string{"dev", "812a527f3c1d", "2026-11-30T10:00:00Z"}},
		{"a modified tree says so", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "true")},
			"dev", "none", "unknown", [3]string{"dev", "812a527f3c1d-dirty", "2026-11-30T10:00:00Z"}},
		{"go install module@version", debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}},
			"dev", "none", "unknown", [3]string{"v0.3.1", "none", "unknown"}},
		{"Go 1.24+ stamps a pseudo-version from VCS", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130100000-812a527f3c1d+dirty"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "true")},
			"dev", "none", "unknown", [3]string{"v0.0.0-20261130100000-812a527f3c1d+dirty", "812a527f3c1d-dirty", "2026-11-30T10:00:00Z"}},
		{"-ldflags win", debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "false")},
			"v1.0.0", "abc1234", "2026-12-01T00:00:00Z", [3]string{"v1.0.0", "abc1234", "2026-12-01T00:00:00Z"}},
		{"nothing stamped", debug.BuildInfo{}, "dev", "none", "unknown", [3]string{"dev", "none", "unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, c, d := fromBuildInfo(&tc.bi, tc.ldV, tc.ldC, tc.ldD)
			if got := [3]string{v, c, d}; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
