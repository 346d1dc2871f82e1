//go:build !(linux || freebsd || netbsd || openbsd)

package ui

// needDisplay is nil where the desktop is always there (Windows, macOS).
func needDisplay() error { return nil }
