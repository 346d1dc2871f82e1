//go:build !linux

package ui

// lowerPriority leaves the pipeline child's priority as it is on systems
// other than Linux.
func lowerPriority(int) {}
