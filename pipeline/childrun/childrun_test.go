package childrun

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/orchestrate"
)

// fakeKidney3d writes a shell script that stands in for `kidney3d run`.
func fakeKidney3d(t *testing.T, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a POSIX shell")
	}
	exe := filepath.Join(t.TempDir(), "kidney3d")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

func TestChildRunEventsAndError(t *testing.T) {
	exe := fakeKidney3d(t, `echo "$@" > "$(dirname "$0")/args"
echo '{"stage":"load","state":"done","fraction":1,"elapsed_s":0.5}'
echo '{"stage":"register_P","state":"running","fraction":0.25}'
echo 'kidney3d: no application log: read-only' >&2
echo 'kidney3d run: load: input/A.nii.gz: not a NIfTI file' >&2
exit 1
`)
	var events []orchestrate.Event
	opts := caserun.Options{Device: "cpu", Force: []string{"mesh", "measure"}, Events: func(e orchestrate.Event) { events = append(events, e) }}
	err := Run(context.Background(), exe, "/cases/c1", opts, Nicer())
	if err == nil || err.Error() != "load: input/A.nii.gz: not a NIfTI file" {
		t.Errorf("error %v, want the child's reason", err)
	}
	if len(events) != 2 || events[0].Stage != "load" || events[0].State != orchestrate.Done || events[1].Fraction != 0.25 {
		t.Errorf("events %+v", events)
	}
	args, _ := os.ReadFile(filepath.Join(filepath.Dir(exe), "args"))
	if got, want := strings.TrimSpace(string(args)), "run /cases/c1 --json --device cpu --force mesh,measure"; got != want {
		t.Errorf("child arguments %q, want %q", got, want)
	}
}

// TestChildRunNamesARuntimeCrash: a child that dies of a Go runtime
// error (exit 2, the stacks after the line that says what happened) is
// reported as an internal error with that line, not its last stack frame.
func TestChildRunNamesARuntimeCrash(t *testing.T) {
	exe := fakeKidney3d(t, `echo 'fatal error: concurrent map writes' >&2
echo '' >&2
echo 'goroutine 7 [running]:' >&2
echo '	/usr/local/go/src/internal/runtime/maps/runtime_faststr.go:263 +0x1bc' >&2
exit 2
`)
	err := Run(context.Background(), exe, "/c", caserun.Options{}, Nicer())
	if err == nil || !strings.Contains(err.Error(), "internal error") || !strings.Contains(err.Error(), "fatal error: concurrent map writes") {
		t.Errorf("got %v, want an internal error naming the runtime's fatal error", err)
	}
}

func TestChildRunCancel(t *testing.T) {
	exe := fakeKidney3d(t, `trap 'echo "kidney3d run: $2: cancelled; run again to resume" >&2; exit 1' INT
echo '{"stage":"load","state":"running"}'
while :; do sleep 0.05; done
`)
	ctx, cancel := context.WithCancel(context.Background())
	opts := caserun.Options{Events: func(orchestrate.Event) { cancel() }}
	err := Run(ctx, exe, "/cases/c2", opts, Nicer())
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("after cancelling: %v, want the child's cancelled error", err)
	}
}

func TestChildRunSuccess(t *testing.T) {
	exe := fakeKidney3d(t, "echo '{\"stage\":\"mesh\",\"state\":\"reused\"}'\n")
	n := 0
	err := Run(context.Background(), exe, "/c", caserun.Options{Events: func(orchestrate.Event) { n++ }}, Nicer())
	if err != nil || n != 1 {
		t.Errorf("got %v after %d events, want success after 1", err, n)
	}
}

func TestChildRunIsNicer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the child's priority is lowered on Linux only")
	}
	exe := fakeKidney3d(t, `sleep 0.2; echo "nice $(cut -d' ' -f19 /proc/$$/stat)" >&2; exit 1`+"\n")
	err := Run(context.Background(), exe, "/c", caserun.Options{}, Nicer())
	own, _ := os.ReadFile("/proc/self/stat")
	fields := strings.Fields(string(own[strings.LastIndexByte(string(own), ')')+2:]))
	want := "nice " + strconv.Itoa(min(19, atoi(fields[16])+childNice))
	if err == nil || err.Error() != want {
		t.Errorf("child says %v, want %q", err, want)
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
