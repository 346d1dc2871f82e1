package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	stamp := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "85f3d1b0aa"},
		{Key: "vcs.time", Value: "2026-12-06T09:45:13Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		settings              []debug.BuildSetting
		want                  Build
		line                  string
	}{
		{"link-time values win", "v0.1.0-3-g85f3d1b", "85f3d1b", "2026-12-01T00:00:00Z", stamp,
			Build{"kidney3d", "0.1.0-3-g85f3d1b", "85f3d1b", "2026-12-01T00:00:00Z"},
			"kidney3d 0.1.0-3-g85f3d1b (commit 85f3d1b, built 2026-12-01T00:00:00Z)"},
		{"go build falls back to the VCS stamp", "", "", "", stamp,
			Build{"kidney3d", "dev", "85f3d1b0aa-dirty", "2026-12-06T09:45:13Z"},
			"kidney3d dev (commit 85f3d1b0aa-dirty, built 2026-12-06T09:45:13Z)"},
		{"nothing known", "", "", "", nil, Build{"kidney3d", "dev", "", ""}, "kidney3d dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.version, tc.commit, tc.date, tc.settings)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.line {
				t.Errorf("String() = %q, want %q", got.String(), tc.line)
			}
		})
	}
}
