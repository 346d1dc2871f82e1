// Package cputime is the CPU time this process has used, which benchmarks
// report beside wall time: on a loaded machine wall time grows with the
// other work, CPU time much less.
package cputime
