package main

// Run control (README "Reliability" and "Exit codes"): exit codes, signals
// in every phase of every command, one run per case, leftover temporary
// files of `mesh`, and a failed stage stopping the others. The first tests
// call dispatch in this process; the others run the binary.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// stopBound is how long a command may take to end after SIGINT or SIGTERM
// in these tests: the 1 s of README "Reliability", with room for a loaded
// test machine.
const stopBound = 1500 * time.Millisecond

// withCommand registers a command for one test.
func withCommand(t *testing.T, name string, run func(ctx context.Context, args []string, stdout io.Writer) error) {
	t.Helper()
	commands[name] = command{usage: name, run: run}
	t.Cleanup(func() { delete(commands, name) })
}

// lastLine is the last non-empty line of a command's stderr: what the
// desktop app shows of a failed child run.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestDispatchTurnsPanicsIntoExitThreeWithTheStack(t *testing.T) {
	withCommand(t, "panic-here", func(context.Context, []string, io.Writer) error {
		var m map[string]int
		m["x"]++
		return nil
	})
	withCommand(t, "panic-in-worker", func(context.Context, []string, io.Writer) error {
		parallel.For(1000, 1, func(lo, hi int) {
			if lo == 0 {
				panic(fmt.Sprintf("bad voxel %d", lo))
			}
		})
		return nil
	})
	for name, want := range map[string]string{
		"panic-here":      "assignment to entry in nil map",
		"panic-in-worker": "bad voxel 0",
	} {
		var stderr bytes.Buffer
		code := dispatch([]string{name}, io.Discard, &stderr)
		last := lastLine(stderr.String())
		if code != exitInternal || !strings.Contains(last, "internal error: "+want) || !strings.Contains(last, "a bug") {
			t.Errorf("%s: exit %d, last line %q; want exit 3 and the panic", name, code, last)
		}
		if !strings.Contains(stderr.String(), "goroutine ") || !strings.Contains(stderr.String(), "TestDispatchTurnsPanics") {
			t.Errorf("%s: no stack on stderr:\n%s", name, stderr.String())
		}
	}
}

func TestDispatchEndsACommandThatIgnoresASignal(t *testing.T) {
	started := make(chan struct{})
	withCommand(t, "deaf", func(context.Context, []string, io.Writer) error {
		close(started)
		select {} // a phase that never checks its context
	})
	go func() {
		<-started
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	var stderr bytes.Buffer
	if code := dispatch([]string{"deaf"}, io.Discard, &stderr); code != exitFailure || !strings.Contains(stderr.String(), "kidney3d deaf: cancelled by a signal") {
		t.Fatalf("exit %d, stderr %q; want exit 1, interrupted", code, stderr.String())
	}
}

func TestDispatchReportsACommandThatStopsOnItsContext(t *testing.T) {
	started := make(chan struct{})
	withCommand(t, "polite", func(ctx context.Context, _ []string, _ io.Writer) error {
		close(started)
		<-ctx.Done()
		return fmt.Errorf("stopped hashing: %w", ctx.Err())
	})
	go func() {
		<-started
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	var stderr bytes.Buffer
	if code := dispatch([]string{"polite"}, io.Discard, &stderr); code != exitFailure || !strings.Contains(stderr.String(), "cancelled by a signal") {
		t.Fatalf("exit %d, stderr %q; want exit 1, interrupted", code, stderr.String())
	}
}

func TestRunOptionErrorsExitTwo(t *testing.T) {
	dir := demoCaseWithMasks(t, "11")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", dir, "--device", "xyz"}, `--device "xyz": want auto, cpu or gpu`},
		{[]string{"run", dir, "--force", "nosuch"}, "--force nosuch: no such stage in this pipeline"},
		{[]string{"run", dir, "--force", "nosuch", "--wait"}, "--force nosuch"},
	} {
		o := runHostile(t, 10*time.Second, nil, tc.args...)
		if o.Code != exitUsage || !strings.Contains(o.Stderr, tc.want) || !strings.Contains(o.Stderr, "usage: kidney3d run") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q and the usage", tc.args, o.Code, o.Stderr, tc.want)
		}
		t.Logf("| `%s` | exit %d, %q, %.2f s, %.0f MB |", strings.Join(tc.args[2:], " "), o.Code, firstLine(o.Stderr), o.Elapsed.Seconds(), o.MaxRSSMB)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		t.Error("a usage error ran stages")
	}
	o := runHostile(t, 10*time.Second, nil, "run", filepath.Join(dir, "nosuch"))
	if o.Code != exitFailure {
		t.Errorf("run on a missing case: exit %d, want 1", o.Code)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// ended is how a run of the binary that was sent a signal ended.
type ended struct {
	code   int
	stop   time.Duration // from the signal to the end; negative when it ended first
	stderr string
}

// interrupt runs the binary, sends sig after delay and waits for the end.
func interrupt(t *testing.T, delay time.Duration, sig os.Signal, args ...string) ended {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan time.Time, 1)
	go func() { cmd.Wait(); done <- time.Now() }()
	var end time.Time
	select {
	case end = <-done:
		return ended{code: cmd.ProcessState.ExitCode(), stop: -1, stderr: stderr.String()}
	case <-time.After(delay):
	}
	sent := time.Now()
	cmd.Process.Signal(sig)
	select {
	case end = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("kidney3d %v: still running 20 s after %v", args, sig)
	}
	return ended{code: cmd.ProcessState.ExitCode(), stop: end.Sub(sent), stderr: stderr.String()}
}

// bigLabelMap writes a label map whose meshes take a second or more to
// make and write (tens of MB): eight large nested and crossing shapes.
func bigLabelMap(t *testing.T) string {
	t.Helper()
	const n = 256
	g := volume.Grid{Dims: [3]int{n, n, n}, Affine: volume.Affine{{0.8, 0, 0, 0}, {0, 0.8, 0, 0}, {0, 0, 0.8, 0}, {0, 0, 0, 1}}}
	v := volume.New[uint8](g)
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				x, y, z := float64(i-n/2), float64(j-n/2), float64(k-n/2)
				for l := 1; l <= 8; l++ {
					r := float64(120 - 12*l)
					wobble := 6 * float64(l) * (1 + 0.2*float64((i*7+j*3+k*l)%5))
					if x*x+y*y*float64(l%3+1)/2+z*z < r*r+wobble {
						v.Set(i, j, k, uint8(l))
					}
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "big.nii.gz")
	if err := volume.Save(path, v); err != nil {
		t.Fatal(err)
	}
	return path
}

// temporaries lists the atomicfile temporary files in dir.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestSignalsStopEveryCommandWithinOneSecond sends SIGINT or SIGTERM to
// each command in its slow phases: every one ends within stopBound, with
// exit 1 (or 0 when its work was done by then), and what it was doing
// completes when run again. (A signal in the program's first tens of
// milliseconds, before main runs, has its default effect: README "Exit
// codes".)
func TestSignalsStopEveryCommandWithinOneSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("interrupts every command")
	}
	masked := demoCaseWithMasks(t, "12")
	bare := filepath.Join(t.TempDir(), "bare")
	if _, stderr, code := kidney3d(t, "demo", "--out", bare, "--seed", "12"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	rendered := copyCase(t, masked)
	if _, stderr, code := kidney3d(t, "run", rendered); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	// A 2 GB input (sparse: it takes no disk) to hash.
	huge := filepath.Join(t.TempDir(), "huge")
	if err := os.MkdirAll(filepath.Join(huge, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(huge, "input", "A.nii.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(huge, "input", "A.nii.gz"), 2<<30); err != nil {
		t.Fatal(err)
	}
	big := bigLabelMap(t)
	meshOut := filepath.Join(t.TempDir(), "model")
	scratch := t.TempDir()
	for _, tc := range []struct {
		phase string
		delay time.Duration
		args  []string
	}{
		{"run: configuration, hashing, load", 150 * time.Millisecond, []string{"run", masked}},
		{"run: hashing a 2 GB input", 300 * time.Millisecond, []string{"run", huge}},
		{"run: registration", 700 * time.Millisecond, []string{"run", masked}},
		{"run: inference", 3 * time.Second, []string{"run", bare}},
		{"mesh: decoding", 100 * time.Millisecond, []string{"mesh", big, "--out", meshOut, "--format", "obj,stl,glb"}},
		{"mesh: meshing", 500 * time.Millisecond, []string{"mesh", big, "--out", meshOut, "--format", "obj,stl,glb"}},
		{"info: decoding", 60 * time.Millisecond, []string{"info", big}},
		{"models check: inference", 400 * time.Millisecond, []string{"models", "check", "demo-organs"}},
		{"demo: generating", time.Second, []string{"demo", "--out", filepath.Join(scratch, "demo"), "--size", "full"}},
		{"render", 100 * time.Millisecond, []string{"render", rendered, "--png", filepath.Join(scratch, "x.png")}},
		{"bench", time.Second, []string{"bench", "--quick", "--out", filepath.Join(scratch, "bench.json")}},
	} {
		for i, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
			e := interrupt(t, tc.delay+time.Duration(i)*tc.delay/2, sig, tc.args...)
			if e.stop < 0 {
				t.Logf("%s: ended (exit %d) before the %v", tc.phase, e.code, sig)
				continue
			}
			t.Logf("| %s | %v after %v | exit %d in %.2f s: %q |", tc.phase, sig, tc.delay, e.code, e.stop.Seconds(), lastLine(e.stderr))
			// Exit 0: the work ended, whole, before the command could stop.
			if (e.code != exitFailure && e.code != exitOK) || e.stop > stopBound {
				t.Errorf("%s: %v: exit %d %v after the signal; want exit 1 within %v (stderr %q)", tc.phase, sig, e.code, e.stop, stopBound, e.stderr)
			}
		}
	}
	// (TestInterruptStopsWithinTwoSecondsAndResumes resumes inference.)
	for _, args := range [][]string{{"run", masked}, {"mesh", big, "--out", meshOut, "--format", "obj,stl,glb"}} {
		if _, stderr, code := kidney3d(t, args...); code != 0 {
			t.Errorf("%v after interrupts: exit %d: %s", args, code, stderr)
		}
	}
	if err := sameOutputs(t, masked, outputs(t, rendered)); err != nil {
		t.Errorf("interrupted runs, resumed: %v", err)
	}
	if left := temporaries(t, meshOut); len(left) > 0 {
		t.Errorf("temporary files left in --out after a complete mesh: %v", left)
	}
}

// referenceRun runs a copy of a case undisturbed and returns how long it
// took and its outputs.
func referenceRun(t *testing.T, template string) (time.Duration, map[string][]byte) {
	t.Helper()
	ref := copyCase(t, template)
	t0 := time.Now()
	if _, stderr, code := kidney3d(t, "run", ref); code != 0 {
		t.Fatalf("reference run: %s", stderr)
	}
	return time.Since(t0), outputs(t, ref)
}

// sameOutputs says how a case's output/ differs from want, if it does.
func sameOutputs(t *testing.T, dir string, want map[string][]byte) error {
	t.Helper()
	got := outputs(t, dir)
	if !slices.Equal(keys(got), keys(want)) {
		return fmt.Errorf("outputs %v, want %v", keys(got), keys(want))
	}
	for name := range want {
		if !bytes.Equal(got[name], want[name]) {
			return fmt.Errorf("output/%s differs from an undisturbed run", name)
		}
	}
	return nil
}

// TestTwoConcurrentRunsOnOneCase starts a second `run` at a random moment
// of a first one, 20 times: the second fails at once naming the holder
// (or, with --wait, waits and reuses), and the first always completes
// with the outputs of an undisturbed run.
func TestTwoConcurrentRunsOnOneCase(t *testing.T) {
	if testing.Short() {
		t.Skip("20 pairs of runs")
	}
	template := demoCaseWithMasks(t, "13")
	// The arterial phase alone, with every structure given: 20 pairs of
	// runs take well under a minute.
	for _, phase := range []string{"P", "D"} {
		if err := os.Remove(filepath.Join(template, "input", phase+".nii.gz")); err != nil {
			t.Fatal(err)
		}
	}
	full, want := referenceRun(t, template)
	rng := rand.New(rand.NewSource(18))
	var refused, waited, after int
	for trial := range 20 {
		dir := copyCase(t, template)
		first := exec.Command(binary, "run", dir)
		var firstErr bytes.Buffer
		first.Stderr = &firstErr
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		// The second starts once the first holds the case (or has ended).
		c, err := casefile.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, busy, _ := c.Busy(); busy {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int63n(int64(full))))
		wait := trial%2 == 1
		args := []string{"run", dir}
		if wait {
			args = append(args, "--wait")
		}
		second := runHostile(t, time.Minute, nil, args...)
		if err := first.Wait(); err != nil {
			t.Fatalf("trial %d: the first run failed (%v): %s", trial, err, firstErr.String())
		}
		switch {
		case second.Code == exitOK && strings.Contains(second.Stderr, "waiting for it"):
			waited++
		case second.Code == exitOK:
			after++ // the first had ended
		case !wait && second.Code == exitFailure && strings.Contains(second.Stderr, "the case is busy: kidney3d run (pid "):
			refused++
			if trial == 0 {
				t.Logf("| second `run` on a busy case | exit 1 in %.2f s: %q |", second.Elapsed.Seconds(), lastLine(second.Stderr))
			}
		default:
			t.Fatalf("trial %d: second run (wait %v): exit %d: %s", trial, wait, second.Code, second.Stderr)
		}
		if err := sameOutputs(t, dir, want); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if left := temporaries(t, filepath.Join(dir, "work", ".tmp")); len(left) > 0 {
			t.Fatalf("trial %d: temporary files left: %v", trial, left)
		}
	}
	t.Logf("20 trials: %d refused at once, %d waited then reused, %d started after the first ended", refused, waited, after)
	if refused == 0 || waited == 0 {
		t.Errorf("the trials never overlapped the runs (%d refused, %d waited)", refused, waited)
	}
}

// TestBusyCaseForTheDesktopChildAndWaiting: the desktop app's child run
// (`run --json`) on a case another process holds ends with exit 1 and a
// last stderr line naming the holder; `--wait` says it waits, can be
// interrupted, and runs once the case is free.
func TestBusyCaseForTheDesktopChildAndWaiting(t *testing.T) {
	dir := demoCaseWithMasks(t, "14")
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := c.Lock(context.Background(), "editor save", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := runHostile(t, 10*time.Second, nil, "run", dir, "--json")
	reason, _ := strings.CutPrefix(lastLine(o.Stderr), "kidney3d run: ")
	if o.Code != exitFailure || !strings.Contains(reason, fmt.Sprintf("the case is busy: editor save (pid %d, since ", os.Getpid())) ||
		!strings.Contains(reason, c.LockPath()) || o.Stdout != "" {
		t.Errorf("child run on a busy case: exit %d, stdout %q, reason %q", o.Code, o.Stdout, reason)
	}
	t.Logf("| `run --json` on a case held by another process | exit %d in %.2f s, %.0f MB: %q |", o.Code, o.Elapsed.Seconds(), o.MaxRSSMB, reason)

	e := interrupt(t, 500*time.Millisecond, os.Interrupt, "run", dir, "--wait")
	if e.code != exitFailure || e.stop < 0 || e.stop > stopBound || !strings.Contains(e.stderr, "waiting for it") {
		t.Errorf("interrupted wait: exit %d after %v: %q", e.code, e.stop, e.stderr)
	}
	t.Logf("| `run --wait` on a held case, then Ctrl-C | exit %d %.2f s after the signal: %q |", e.code, e.stop.Seconds(), lastLine(e.stderr))

	go func() {
		time.Sleep(time.Second)
		lock.Unlock()
	}()
	o = runHostile(t, time.Minute, nil, "run", dir, "--wait")
	if o.Code != exitOK || !strings.Contains(o.Stderr, "editor save (pid") {
		t.Errorf("run --wait once the case is freed: exit %d: %s", o.Code, o.Stderr)
	}
}

// TestMeshCleansTemporariesThatSIGKILLLeft kills `kidney3d mesh` while it
// writes its files: the next mesh into the same folder removes every
// temporary file and writes the whole model.
func TestMeshCleansTemporariesThatSIGKILLLeft(t *testing.T) {
	if testing.Short() {
		t.Skip("kills mesh runs")
	}
	big := bigLabelMap(t)
	refOut := filepath.Join(t.TempDir(), "ref")
	if _, stderr, code := kidney3d(t, "mesh", big, "--out", refOut, "--format", "obj,stl,glb"); code != 0 {
		t.Fatalf("mesh: %s", stderr)
	}
	want, _ := os.ReadDir(refOut)
	out := filepath.Join(t.TempDir(), "model")
	left := 0
	for kill := range 5 {
		cmd := exec.Command(binary, "mesh", big, "--out", out, "--format", "obj,stl,glb")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once a temporary file shows, the n-th time for the n-th kill.
		seen := map[string]bool{}
		for deadline := time.Now().Add(time.Minute); len(seen) <= kill && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			for _, name := range temporaries(t, out) {
				seen[name] = true
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		left += len(temporaries(t, out))
	}
	if left == 0 {
		t.Fatal("no kill left a temporary file: the test did not kill mid-write")
	}
	o := runHostile(t, time.Minute, nil, "mesh", big, "--out", out, "--format", "obj,stl,glb")
	if o.Code != 0 {
		t.Fatalf("mesh after kills: exit %d: %s", o.Code, o.Stderr)
	}
	got, _ := os.ReadDir(out)
	var gotNames, wantNames []string
	for _, e := range got {
		gotNames = append(gotNames, e.Name())
	}
	for _, e := range want {
		wantNames = append(wantNames, e.Name())
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("after the rerun --out holds %v, want %v", gotNames, wantNames)
	}
	t.Logf("| `mesh --out` after SIGKILL mid-write (5 kills, %d temporary files left) | rerun exit %d in %.2f s, %.0f MB: no temporary file left |", left, o.Code, o.Elapsed.Seconds(), o.MaxRSSMB)
}

// TestFailedStageCancelsTheOthers: register_D cannot write its folder
// while organ inference runs; inference is cancelled at once, recorded as
// such for the next run, and the run reports register_D's failure.
func TestFailedStageCancelsTheOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs inference")
	}
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "15"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	blocker := filepath.Join(dir, "work", "register_D")
	if err := os.MkdirAll(filepath.Dir(blocker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blocker, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", dir, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var failedAt time.Time
	lines := bufio.NewScanner(pipe)
	for lines.Scan() {
		stdout.Write(append(lines.Bytes(), '\n'))
		if failedAt.IsZero() && strings.Contains(lines.Text(), `"stage":"register_D","state":"failed"`) {
			failedAt = time.Now()
		}
	}
	err = cmd.Wait()
	ended := time.Now()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitFailure || !strings.Contains(lastLine(stderr.String()), "stage register_D: mkdir "+blocker+": not a directory") {
		t.Fatalf("exit %v, stderr %q; want exit 1 naming register_D's failure", err, stderr.String())
	}
	if failedAt.IsZero() {
		t.Fatalf("no failure event: %s", stdout.String())
	}
	stop := ended.Sub(failedAt)
	if !strings.Contains(stdout.String(), `"stage":"organs","state":"cancelled"`) {
		t.Errorf("organ inference was not cancelled:\n%s", stdout.String())
	}
	if stop > stopBound {
		t.Errorf("the run ended %v after register_D failed", stop)
	}
	t.Logf("| work/register_D is a file (a stage fails while inference runs) | exit 1 %.2f s after the failure: %q |", stop.Seconds(), lastLine(stderr.String()))
	man, err := manifest.Load(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if e := man.Stages["organs"]; e == nil || e.Status != manifest.Cancelled || !strings.Contains(e.Error, "stopped: stage register_D failed") {
		t.Errorf("organs recorded as %+v; want cancelled because register_D failed (the next run redoes it)", e)
	}
}
