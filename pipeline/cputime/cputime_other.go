//go:build !unix

package cputime

import "time"

// Used is not measured here: ok is false.
func Used() (d time.Duration, ok bool) { return 0, false }
