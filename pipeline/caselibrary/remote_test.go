package caselibrary

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/remotejob"
)

// TestRemoteJobStatus follows a case through a job submitted to the
// workers, as `library list` sees it after each Sync: queued, running,
// queued for its retry, failed (dead-lettered), queued again after its
// worker died, then done with the labels to review; a local run after a
// failed remote job; a job cancelled while it ran; an unreadable
// remote-job.json.
func TestRemoteJobStatus(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "k1")
	writeCase(t, dir, "", nil)
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Add(ctx, root); err != nil {
		t.Fatal(err)
	}
	check := func(step, status, reason string) {
		t.Helper()
		if _, err := l.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		es, err := l.List(ctx, status)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Reason != reason {
			all, _ := l.List(ctx, "")
			t.Errorf("%s: listed %+v as %q, want k1 %q (%q)", step, all, status, status, reason)
		}
	}
	write := func(s remotejob.State) {
		t.Helper()
		if err := remotejob.Write(c, s); err != nil {
			t.Fatal(err)
		}
	}
	submitted := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	check("before", New, "")
	write(remotejob.State{Job: "j1", Priority: "urgent", Submitted: submitted, State: remotejob.Queued})
	check("submitted", Queued, "")
	lease, err := caselease.Acquire(dir, "w1", "j1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	check("leased", Running, "")
	if err := lease.Release(false); err != nil {
		t.Fatal(err)
	}
	write(remotejob.State{Job: "j1", Priority: "urgent", Submitted: submitted, State: remotejob.Queued, Attempts: 1, Reason: "boom"})
	check("retry", Queued, "")
	write(remotejob.State{Job: "j1", Priority: "urgent", Submitted: submitted, State: remotejob.Failed, Attempts: 3, Reason: "failed 3 times: boom"})
	check("dead-lettered", Failed, "on the workers: failed 3 times: boom")

	// A local run since: its manifest is newer.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(c.RemoteJobPath(), old, old); err != nil {
		t.Fatal(err)
	}
	writeCase(t, dir, "labels", map[string]string{"load": manifest.OK})
	check("run here since", NeedsReview, "")

	// j2: its worker died holding the lease, then another finished it.
	write(remotejob.State{Job: "j2", Priority: "normal", Submitted: submitted, State: remotejob.Queued})
	stale, err := json.Marshal(caselease.State{Worker: "w2", Host: "elsewhere", PID: 1, Job: "j2",
		Heartbeat: time.Now().Add(-time.Hour).UTC(), TTL: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.LeasePath(), stale, 0o644); err != nil {
		t.Fatal(err)
	}
	check("worker died", Queued, "")
	lease, err = caselease.Acquire(dir, "w3", "j2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	check("taken over", Running, "")
	if err := lease.Release(true); err != nil {
		t.Fatal(err)
	}
	check("done", NeedsReview, "")

	// j3: cancelled while its worker ran it.
	write(remotejob.State{Job: "j3", Priority: "batch", Submitted: submitted, State: remotejob.Queued})
	check("j3 submitted", Queued, "")
	lease, err = caselease.Acquire(dir, "w4", "j3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := remotejob.Cancel(c, "j3"); !ok || err != nil {
		t.Fatalf("Cancel: %v %v", ok, err)
	}
	check("cancelled, still running", Running, "")
	if err := lease.Release(false); err != nil {
		t.Fatal(err)
	}
	check("cancelled", NeedsReview, "")
	if ok, err := remotejob.Cancel(c, "j2"); ok || err != nil {
		t.Errorf("cancelling another job: %v %v, want nothing done", ok, err)
	}

	if err := os.WriteFile(c.RemoteJobPath(), []byte(`{"job":"j3","state":"lost"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	check("unreadable", Failed, c.RemoteJobPath()+`: remote job state: state "lost", want queued, failed or cancelled`)
}
