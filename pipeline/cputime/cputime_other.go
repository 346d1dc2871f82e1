//go:build !unix

// Package cputime is the CPU time this process has used, which benchmarks
// report beside wall time: on a loaded machine wall time grows with the
// other work, CPU time much less.
package cputime

import "time"

// Used is not measured here: ok is false.
func Used() (d time.Duration, ok bool) { return 0, false }
