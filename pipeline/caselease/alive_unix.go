//go:build unix

package caselease

import (
	"errors"
	"syscall"
)

// alive says whether process pid runs on this host.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
