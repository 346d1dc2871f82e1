//go:build linux

package bench

import (
	"os"
	"syscall"
)

// peakRSSMB is a finished process's peak resident memory in MB.
func peakRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024 // kB on Linux
	}
	return 0
}
