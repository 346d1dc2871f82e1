// Package buildinfo says which kidney3d this is: its version, the commit
// it was built from and when. The Makefile sets them at link time
// (-ldflags -X, from git describe and SOURCE_DATE_EPOCH); a plain
// `go build` falls back to the VCS stamp Go records in the binary.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Set with -ldflags "-X kidney3d/pipeline/buildinfo.version=…" and so on.
var (
	version string
	commit  string
	date    string
)

// Build identifies a kidney3d binary. Its JSON form is what report.json
// records as "software".
type Build struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Date is when the commit was made (SOURCE_DATE_EPOCH), RFC 3339 UTC,
	// so that two builds of one commit are the same bytes.
	Date string `json:"build_date,omitempty"`
}

// Get returns this binary's Build.
func Get() Build {
	var settings []debug.BuildSetting
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings = bi.Settings
	}
	return resolve(version, commit, date, settings)
}

// resolve prefers the link-time values and fills the missing ones from
// Go's VCS stamp; a binary with neither is version "dev".
func resolve(version, commit, date string, settings []debug.BuildSetting) Build {
	vcs := map[string]string{}
	for _, s := range settings {
		vcs[s.Key] = s.Value
	}
	if commit == "" {
		commit = vcs["vcs.revision"]
		if commit != "" && vcs["vcs.modified"] == "true" {
			commit += "-dirty"
		}
	}
	if date == "" {
		date = vcs["vcs.time"]
	}
	if version == "" {
		version = "dev"
	}
	return Build{Name: "kidney3d", Version: strings.TrimPrefix(version, "v"), Commit: commit, Date: date}
}

// String is the first line of `kidney3d --version`:
// "kidney3d 0.1.0 (commit 85f3d1b, built 2026-12-06T09:45:13Z)".
func (b Build) String() string {
	s := b.Name + " " + b.Version
	var extra []string
	if b.Commit != "" {
		extra = append(extra, "commit "+b.Commit)
	}
	if b.Date != "" {
		extra = append(extra, "built "+b.Date)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}
