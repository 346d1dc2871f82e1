package main

// End-to-end tests of the case library and the local queue: `kidney3d queue
// run` runs cases most urgent first, resumes after SIGKILL to outputs
// byte-identical to uninterrupted runs, and the library follows.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/jobqueue"
)

func TestQueueRunsByPriorityResumesAfterKillAndLibraryFollows(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three cases; skipped with -short")
	}
	root := t.TempDir()
	db := filepath.Join(t.TempDir(), "library.db")
	// Three copies of one small case with its masks given, queued batch,
	// normal, urgent: they run urgent, normal, batch.
	names := []string{"batch-case", "normal-case", "urgent-case"}
	for i, name := range names {
		dir := filepath.Join(root, name)
		if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "3", "--defects"); code != 0 {
			t.Fatalf("demo: %s", stderr)
		}
		prio := []string{"batch", "normal", "urgent"}[i]
		if _, stderr, code := kidney3d(t, "queue", "add", dir, "--priority", prio, "--db", db); code != 0 {
			t.Fatalf("queue add: %s", stderr)
		}
	}
	if _, stderr, code := kidney3d(t, "queue", "add", filepath.Join(root, "urgent-case"), "--db", db); code != 1 || !strings.Contains(stderr, "already in the queue as job 3") {
		t.Errorf("a case queued twice: exit %d, %s", code, stderr)
	}
	// The first runner is killed with SIGKILL once the urgent case has
	// finished a stage; its child dies with it.
	urgent := filepath.Join(root, "urgent-case")
	cmd := exec.Command(binary, "queue", "run", "--until-empty", "--db", db)
	var log1 bytes.Buffer
	cmd.Stdout = &log1
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(urgent, "manifest.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no stage finished in 2 minutes: %s", log1.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(urgent, "output", "meshes")); err == nil {
		t.Log("the urgent case had its meshes before the kill: the kill came late")
	}
	// The restarted runner queues the job left running again and finishes
	// every case.
	out, stderr, code := kidney3d(t, "queue", "run", "--until-empty", "--db", db)
	if code != 0 {
		t.Fatalf("queue run after the kill: %s\n%s", stderr, out)
	}
	if !strings.Contains(out, "1 job(s) left running by a stopped runner are queued again") {
		t.Errorf("restarted runner did not take the job back:\n%s", out)
	}
	started := regexp.MustCompile(`job \d+ \(\w+, cpu\): started (\S+)`)
	var order []string
	for _, m := range started.FindAllStringSubmatch(log1.String()+out, -1) {
		order = append(order, filepath.Base(m[1]))
	}
	if want := []string{"urgent-case", "urgent-case", "normal-case", "batch-case"}; !slices.Equal(order, want) {
		t.Errorf("started %v, want %v", order, want)
	}
	var jobs []jobqueue.Job
	listJSON(t, &jobs, "queue", "list", "--all", "--json", "--db", db)
	for _, j := range jobs {
		if j.State != jobqueue.Done {
			t.Errorf("job %d (%s): %s %s", j.ID, filepath.Base(j.Dir), j.State, j.Error)
		}
	}
	// The killed case's outputs are those of the uninterrupted runs.
	want := outputs(t, filepath.Join(root, "normal-case"))
	for _, name := range []string{"urgent-case", "batch-case"} {
		got := outputs(t, filepath.Join(root, name))
		if strings.Join(keys(got), " ") != strings.Join(keys(want), " ") {
			t.Fatalf("%s: outputs %v, want %v", name, keys(got), keys(want))
		}
		for f := range want {
			if !bytes.Equal(got[f], want[f]) {
				t.Errorf("%s: output/%s differs from an uninterrupted run", name, f)
			}
		}
	}
	libraryFollowsTheCases(t, db, root)
}

// libraryFollowsTheCases: after the queue, each case needs review; one is
// signed off; an edit after that clears the sign-off and says so.
func libraryFollowsTheCases(t *testing.T, db, root string) {
	var es []caselibrary.Entry
	listJSON(t, &es, "library", "list", "--json", "--db", db)
	if len(es) != 3 {
		t.Fatalf("library has %d cases, want 3", len(es))
	}
	for _, e := range es {
		if e.Status != caselibrary.NeedsReview || !slices.Equal(e.Phases, []string{"A", "P", "D"}) {
			t.Errorf("%s: %s, phases %v", e.Name, e.Status, e.Phases)
		}
	}
	urgent := filepath.Join(root, "urgent-case")
	if _, stderr, code := kidney3d(t, "library", "signoff", urgent, "--by", "Dr Novak", "--db", db); code != 0 {
		t.Fatalf("signoff: %s", stderr)
	}
	listJSON(t, &es, "library", "list", "--status", "signed-off", "--json", "--db", db)
	if len(es) != 1 || es[0].Name != "urgent-case" || es[0].SignedOff.By != "Dr Novak" {
		t.Fatalf("signed-off cases: %+v", es)
	}
	// A corrected version saved after the sign-off.
	truth, err := os.ReadFile(filepath.Join(urgent, "truth", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(urgent, "edits"), 0o755)
	if err := os.WriteFile(filepath.Join(urgent, "edits", "labels.v1.nii.gz"), truth, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := kidney3d(t, "library", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "sign-off by Dr Novak") || !strings.Contains(out, "cleared: the labels were edited since") {
		t.Errorf("library list after an edit: %s%s", out, stderr)
	}
	out, _, _ = kidney3d(t, "library", "search", "urgnt", "--db", db)
	if lines := strings.Split(out, "\n"); len(lines) < 2 || !strings.Contains(lines[1], "urgent-case") {
		t.Errorf("search urgnt:\n%s", out)
	}
}

// listJSON runs a command that prints JSON and decodes it into v.
func listJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, stderr, code := kidney3d(t, args...)
	if code != 0 {
		t.Fatalf("%v: %s", args, stderr)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func TestLibraryAndQueueUsageErrorsExitTwo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "library.db")
	for _, args := range [][]string{
		{"library"},
		{"library", "frob"},
		{"library", "list", "--status", "lost", "--db", db},
		{"library", "signoff", t.TempDir(), "--db", db},
		{"library", "search", "--db", db},
		{"queue", "add", "--db", db},
		{"queue", "add", t.TempDir(), "--priority", "asap", "--db", db},
		{"queue", "cancel", "seven", "--db", db},
	} {
		_, stderr, code := kidney3d(t, args...)
		if code != 2 || !strings.Contains(stderr, "kidney3d") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a message", args, code, stderr)
		}
	}
	// A folder that is no case is refused naming it (exit 1).
	dir := t.TempDir()
	if _, stderr, code := kidney3d(t, "queue", "add", dir, "--db", db); code != 1 || !strings.Contains(stderr, dir+": not a case folder") {
		t.Errorf("queue add of a plain folder: exit %d, %s", code, stderr)
	}
}
