//go:build !linux

package bench

import "os"

// peakRSSMB is 0 where the process's peak memory is not reported in kB.
func peakRSSMB(*os.ProcessState) float64 { return 0 }
