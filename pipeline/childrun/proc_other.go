//go:build !linux

package childrun

import "os/exec"

// lowerPriority leaves the child's priority as it is on systems other than
// Linux.
func lowerPriority(int) {}

// dieWithParent does nothing on systems other than Linux: a child outlives
// a killed parent there.
func dieWithParent(*exec.Cmd) {}
