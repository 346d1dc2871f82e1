package main

// End-to-end tests of issue 18's "no stale results" and "GTK only when a
// dialog opens" on the binary: no command but `view` connects to a display
// or D-Bus, and `render` and `info CASE` refuse or mark results whose
// inputs changed or whose stage failed, with no partial mesh set shown as
// complete.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/dirtest"
)

// unreachableDisplay is an X display on a host of TEST-NET-1 (RFC 5737),
// which nothing answers: a client that initialises a GUI toolkit tries to
// connect to it (port 6000).
const unreachableDisplay = "192.0.2.1:0"

// connectOrExec matches the strace lines of a connection or of a program
// started (dbus-launch, for one).
var connectOrExec = regexp.MustCompile(`\b(connect|execve)\(`)

// nameService is glibc's local user-database cache, which Mesa's EGL asks
// for the home folder: a local look-up, not a display, bus or network.
const nameService = `sun_path="/var/run/nscd/socket"`

// TestNoDisplayConnectionOutsideView runs --help, info FILE, info CASE, run,
// render and mesh under `strace -f -e trace=connect,execve` with DISPLAY on an
// unreachable host: none connects anywhere or starts another program.
func TestNoDisplayConnectionOutsideView(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (make test installs it): cannot watch for connections")
	}
	if testing.Short() {
		t.Skip("runs the pipeline under strace; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "11"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	env := []string{"DISPLAY=" + unreachableDisplay, "WAYLAND_DISPLAY=", "DBUS_SESSION_BUS_ADDRESS="}
	for _, args := range [][]string{
		{"--help"},
		{"info", filepath.Join(dir, "input", "A.nii.gz")},
		{"info", dir},
		{"run", dir},
		{"render", dir, "--png", filepath.Join(t.TempDir(), "model.png"), "--size", "160x100"},
		{"mesh", filepath.Join(dir, "truth", "labels.nii.gz"), "--out", filepath.Join(t.TempDir(), "meshes")},
	} {
		trace := filepath.Join(t.TempDir(), "strace.txt")
		cmd := exec.Command(strace, append([]string{"-f", "-qq", "-e", "trace=connect,execve", "-o", trace, binary}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kidney3d %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		var calls []string
		for _, line := range strings.Split(string(b), "\n") {
			// The first execve is strace starting kidney3d itself.
			if connectOrExec.MatchString(line) && !strings.Contains(line, `execve("`+binary+`"`) && !strings.Contains(line, nameService) {
				calls = append(calls, line)
			}
		}
		if len(calls) > 0 {
			t.Errorf("kidney3d %s with DISPLAY=%s connected or started a program:\n%s",
				args[0], unreachableDisplay, strings.Join(calls, "\n"))
		}
		t.Logf("kidney3d %s: no connection, no program started (%.1fs under strace)", args[0], time.Since(t0).Seconds())
	}
}

// ranCase is a small demo case (its truth given as masks) after a
// successful `kidney3d run`.
func ranCase(t *testing.T) string {
	t.Helper()
	dir := demoCaseWithMasks(t, "12")
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	return dir
}

// copyTree copies a whole case folder, results and manifest included.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "case")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s: %v\n%s", src, err, out)
	}
	return dst
}

// meshFiles lists output/meshes.
func meshFiles(t *testing.T, dir string) []string {
	t.Helper()
	return dirtest.Names(t, filepath.Join(dir, "output", "meshes"))
}

// TestStaleResultsAreRefused: after a run, render and info say the results
// are current; once input/A changes (and after a rerun that fails on it) or
// a given mask is removed
// render exits 1 with "out of date: rerun" and the reason, writes no
// picture, and info marks every result out of date and prints no volumes;
// a mesh stage that fails part-way (file size limit, as a full disk) leaves
// the previous complete set or none, which render refuses, until a run
// succeeds.
func TestStaleResultsAreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline; skipped with -short")
	}
	ran := ranCase(t)
	png := filepath.Join(t.TempDir(), "model.png")
	if _, stderr, code := kidney3d(t, "render", ran, "--png", png, "--size", "160x100"); code != 0 {
		t.Fatalf("render after a successful run: exit %d: %s", code, stderr)
	}
	stdout, _, code := kidney3d(t, "info", ran)
	if code != 0 || strings.Count(stdout, ": current") != 3 || !strings.Contains(stdout, "kidney_left") {
		t.Fatalf("info after a successful run: exit %d\n%s", code, stdout)
	}

	refused := func(t *testing.T, dir, reason string) {
		t.Helper()
		png := filepath.Join(t.TempDir(), "model.png")
		o := runHostile(t, time.Minute, nil, "render", dir, "--png", png)
		if o.Code != 1 || !strings.Contains(o.Stderr, "out of date: rerun") || !strings.Contains(o.Stderr, reason) {
			t.Errorf("render: exit %d, stderr %q; want 1, out of date: rerun, %q", o.Code, o.Stderr, reason)
		}
		if _, err := os.Stat(png); err == nil {
			t.Errorf("render wrote %s from out-of-date meshes", png)
		}
		t.Logf("render: exit %d in %.2fs, %.0f MB: %s", o.Code, o.Elapsed.Seconds(), o.MaxRSSMB, strings.TrimSpace(o.Stderr))
	}

	t.Run("A changed", func(t *testing.T) {
		dir := copyTree(t, ran)
		p, err := os.ReadFile(filepath.Join(dir, "input", "P.nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "input", "A.nii.gz"), p, 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "input/A.nii.gz changed since stage")
		stdout, _, code := kidney3d(t, "info", dir)
		if code != 0 || strings.Count(stdout, "OUT OF DATE: rerun") != 3 || strings.Contains(stdout, "kidney_left") {
			t.Errorf("info after A changed: exit %d; want 3 results out of date and no volumes:\n%s", code, stdout)
		}

		// A rerun that fails on a broken A leaves the old results, still refused.
		if err := os.WriteFile(filepath.Join(dir, "input", "A.nii.gz"), p[:len(p)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, code := kidney3d(t, "run", dir); code != 1 {
			t.Fatalf("run on a truncated A: exit %d, want 1", code)
		}
		refused(t, dir, "input/A.nii.gz")
	})

	t.Run("mask removed", func(t *testing.T) {
		dir := copyTree(t, ran)
		if err := os.Remove(filepath.Join(dir, "input", "masks", "cyst.nii.gz")); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "input/masks")
	})

	t.Run("mesh stage failed", func(t *testing.T) {
		prlimit, err := exec.LookPath("prlimit")
		if err != nil {
			t.Skip("prlimit is not installed: cannot make a write fail part-way")
		}
		dir := copyTree(t, ran)
		before := meshFiles(t, dir)
		// Files of up to 300 kB: the small structures' meshes are written,
		// the liver's is not.
		cmd := exec.Command(prlimit, "--fsize=300000", binary, "run", dir, "--force", "mesh")
		cmd.Env = append(os.Environ(), "KIDNEY3D_LOG="+filepath.Join(t.TempDir(), "kidney3d.log"))
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "file too large") {
			t.Fatalf("run --force mesh under a 300 kB file size limit: %v\n%s", err, out)
		}
		if after := meshFiles(t, dir); !slices.Equal(after, before) {
			t.Errorf("output/meshes after the failed mesh stage holds %v, want the previous complete set %v", after, before)
		}
		left, _ := filepath.Glob(filepath.Join(dir, "output", ".*"))
		deeper, _ := filepath.Glob(filepath.Join(dir, "output", "*", ".*"))
		if left = append(left, deeper...); len(left) > 0 {
			t.Errorf("stray files under output/: %v", left)
		}
		refused(t, dir, "stage mesh failed")
		stdout, _, _ := kidney3d(t, "info", dir)
		if !strings.Contains(stdout, "meshes "+filepath.Join(dir, "output", "meshes")+": OUT OF DATE") {
			t.Errorf("info does not mark the meshes out of date:\n%s", stdout)
		}

		if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
			t.Fatalf("rerun: exit %d: %s", code, stderr)
		}
		if _, stderr, code := kidney3d(t, "render", dir, "--png", filepath.Join(t.TempDir(), "m.png")); code != 0 {
			t.Errorf("render after a successful rerun: exit %d: %s", code, stderr)
		}
	})
}

// TestViewWithoutADisplaySaysSo: the desktop app in a session with no
// display server fails as a user's error (exit 1) saying what to do, not
// as an internal error with GLFW's stack.
func TestViewWithoutADisplaySaysSo(t *testing.T) {
	for _, args := range [][]string{{}, {"view"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 1 || !strings.Contains(stderr.String(), "no display") || !strings.Contains(stderr.String(), "xvfb-run") || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("kidney3d %v with no display: exit %d, stderr %q; want exit 1 saying so", args, code, stderr.String())
		}
	}
}
