package main

// Shared by the end-to-end tests of hostile and unlucky input (README
// "Reliability"): run the binary with a deadline and read back how it
// ended, how long it took and how much memory it held.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// outcome is how one run of the binary ended.
type outcome struct {
	Stdout, Stderr string
	Code           int           // exit code; -1 when it was killed at the deadline
	Elapsed        time.Duration // wall time
	MaxRSSMB       float64       // peak resident memory of the process
}

// runHostile runs the binary with args and extra environment entries, and
// kills it after timeout (the test then fails: a hostile input must never
// make it hang).
func runHostile(t *testing.T, timeout time.Duration, env []string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	o := outcome{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(t0)}
	if ctx.Err() != nil {
		t.Fatalf("kidney3d %v: still running after %v; stderr %q", args, timeout, o.Stderr)
	}
	o.Code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		o.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		o.MaxRSSMB = float64(ru.Maxrss) / 1024 // Linux reports kilobytes
	}
	return o
}
