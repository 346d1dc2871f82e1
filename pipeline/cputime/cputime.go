//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Used is the CPU time (user and system, all threads) this process has
// used so far; ok is false where it cannot be read.
func Used() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
