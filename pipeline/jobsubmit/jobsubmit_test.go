package jobsubmit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/remotejob"
	"kidney3d/pipeline/workmsg"
)

func TestMessages(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"2026/K1/input", "K2/input"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outside := t.TempDir()
	if err := os.Mkdir(filepath.Join(outside, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	ms, err := Messages(root, []string{filepath.Join(root, "2026", "K1"), filepath.Join(root, "K2")}, "urgent", "cpu", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Case != "2026/K1" || ms[1].Case != "K2" || ms[0].ID == ms[1].ID {
		t.Fatalf("messages %+v", ms)
	}
	want := workmsg.Message{Version: workmsg.Version, ID: ms[0].ID, Case: "2026/K1", Priority: "urgent", Device: "cpu", Submitted: now}
	if ms[0] != want || !strings.HasPrefix(ms[0].ID, "20261206T100000.000-") {
		t.Errorf("message %+v, want %+v", ms[0], want)
	}
	for c, reason := range map[string]string{
		outside:                         "not under the workers' root",
		filepath.Join(root, "link"):     "symbolic link",
		filepath.Join(root, "missing"):  "does not exist",
		filepath.Join(root, "2026"):     "not a case folder",
		filepath.Join(root, "K2", ".."): "not a case folder",
	} {
		if _, err := Messages(root, []string{c}, "normal", "auto", now); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: %v, want %q", c, err, reason)
		}
	}
}

// TestFollowAcrossLostConnection: the events stop (the broker gone); one
// job's end comes from its lease, another's from the events followed
// again; a dead-lettered job seen before fails the watch.
func TestFollowAcrossLostConnection(t *testing.T) {
	leaseCheck = 10 * time.Millisecond
	root := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		if err := os.MkdirAll(filepath.Join(root, d, "input"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := caselease.Acquire(filepath.Join(root, "a"), "w1", "job-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(true); err != nil {
		t.Fatal(err)
	}
	events := make(chan broker.Event, 2)
	events <- broker.Event{Job: "other", State: broker.Done}
	events <- broker.Event{Job: "job-b", Case: "b", Worker: "w2", State: broker.Dead, Error: "failed 3 times: boom"}
	close(events)
	pending := map[string]workmsg.Message{"job-a": {ID: "job-a", Case: "a"}, "job-b": {ID: "job-b", Case: "b"}, "job-c": {ID: "job-c", Case: "c"}}
	redials := 0
	rewatch := func() (<-chan broker.Event, error) {
		if redials++; redials == 1 {
			return nil, errors.New("connection refused")
		}
		again := make(chan broker.Event, 1)
		again <- broker.Event{Job: "job-c", Case: "c", Worker: "w3", State: broker.Done}
		return again, nil
	}
	var out bytes.Buffer
	err = follow(context.Background(), events, rewatch, root, pending, func(e broker.Event) { writeEvent(&out, e, false) })
	if err == nil || err.Error() != "1 job(s) dead-lettered" {
		t.Errorf("follow: %v, want 1 dead-lettered", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// The lease and the events race: any order.
	for _, want := range []string{"job job-a (a) (lease): done", "job job-b (b) w2: dead: failed 3 times: boom", "job job-c (c) w3: done"} {
		if len(lines) != 3 || !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, want) }) {
			t.Errorf("wrote %q, want a line ending %q", lines, want)
		}
	}
	if redials != 2 {
		t.Errorf("%d reconnections, want 2 (the first refused)", redials)
	}
}

func TestCancel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k1")
	if err := os.MkdirAll(filepath.Join(dir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Cancel(dir); err == nil || !strings.Contains(err.Error(), "no job submitted (no remote-job.json)") {
		t.Errorf("nothing submitted: %v", err)
	}
	c := &casefile.Case{Dir: dir}
	if err := remotejob.Write(c, remotejob.State{Job: "j1", State: remotejob.Queued}); err != nil {
		t.Fatal(err)
	}
	if job, err := Cancel(dir); job != "j1" || err != nil || !remotejob.IsCancelled(c, "j1") {
		t.Errorf("Cancel = %q, %v; want j1 cancelled", job, err)
	}
	if _, err := Cancel(dir); err == nil || !strings.HasSuffix(err.Error(), "job j1 is cancelled already") {
		t.Errorf("again: %v", err)
	}
	if err := remotejob.Write(c, remotejob.State{Job: "j2", State: remotejob.Queued}); err != nil {
		t.Fatal(err)
	}
	l, err := caselease.Acquire(dir, "w1", "j2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(true); err != nil {
		t.Fatal(err)
	}
	if _, err := Cancel(dir); err == nil || !strings.HasSuffix(err.Error(), "job j2 finished already") || remotejob.IsCancelled(c, "j2") {
		t.Errorf("finished: %v", err)
	}
}
