package jobqueue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"kidney3d/pipeline/childrun"
	"kidney3d/pipeline/orchestrate"
)

// newQueue opens a queue in a new database and makes n case folders.
func newQueue(t *testing.T, n int) (*Queue, []string) {
	t.Helper()
	q, err := Open(filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	root := t.TempDir()
	var dirs []string
	for i := range n {
		d := filepath.Join(root, string(rune('a'+i)))
		if err := os.MkdirAll(filepath.Join(d, "input"), 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	return q, dirs
}

func TestPriorityThenFirstInFirstOut(t *testing.T) {
	q, dirs := newQueue(t, 6)
	ctx := context.Background()
	for i, p := range []Priority{Batch, Normal, Urgent, Normal, Urgent, Batch} {
		if _, err := q.Add(ctx, dirs[i], p, "auto"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Add(ctx, dirs[0], Urgent, "auto"); err == nil {
		t.Error("a case queued twice")
	}
	var order []string
	r := &Runner{Queue: q, UntilEmpty: true, Poll: 5 * time.Millisecond,
		run: func(_ context.Context, j Job, _ string, _ int, _ func(orchestrate.Event)) error {
			order = append(order, filepath.Base(j.Dir))
			return nil
		}}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"c", "e", "b", "d", "a", "f"}; !slices.Equal(order, want) {
		t.Errorf("ran %v, want %v", order, want)
	}
	js, _ := q.List(ctx, true)
	for _, j := range js {
		if j.State != Done || j.Attempts != 1 || j.Progress != 1 {
			t.Errorf("job %d: %s after %d attempts, progress %v", j.ID, j.State, j.Attempts, j.Progress)
		}
	}
}

func TestTransientFailuresRetryWithBackoff(t *testing.T) {
	q, dirs := newQueue(t, 2)
	ctx := context.Background()
	flaky, _ := q.Add(ctx, dirs[0], Normal, "cpu")
	broken, _ := q.Add(ctx, dirs[1], Normal, "cpu")
	var mu sync.Mutex
	starts := map[int64][]time.Time{}
	r := &Runner{Queue: q, UntilEmpty: true, Poll: 5 * time.Millisecond, Backoff: 50 * time.Millisecond, MaxAttempts: 3,
		run: func(_ context.Context, j Job, _ string, _ int, _ func(orchestrate.Event)) error {
			mu.Lock()
			defer mu.Unlock()
			starts[j.ID] = append(starts[j.ID], time.Now())
			if j.ID == broken.ID {
				return &childrun.Error{Code: 1, Reason: "load: input/A.nii.gz: not a NIfTI file"}
			}
			if len(starts[j.ID]) < 3 {
				return &childrun.Error{Code: 1, Reason: "case.lock: the case is busy: kidney3d run (pid 1) is working on it"}
			}
			return nil
		}}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	f, _ := q.Get(ctx, flaky.ID)
	b, _ := q.Get(ctx, broken.ID)
	if f.State != Done || f.Attempts != 3 || len(starts[flaky.ID]) != 3 {
		t.Errorf("flaky job: %s after %d attempts", f.State, f.Attempts)
	}
	if b.State != Failed || b.Attempts != 1 || b.Error != "load: input/A.nii.gz: not a NIfTI file" {
		t.Errorf("broken job: %s after %d attempts: %q", b.State, b.Attempts, b.Error)
	}
}

func TestBackoffDoubles(t *testing.T) {
	q, dirs := newQueue(t, 1)
	ctx := context.Background()
	j, _ := q.Add(ctx, dirs[0], Normal, "cpu")
	busy := errors.New("the case is busy")
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 0} {
		if _, ok, err := q.claim(ctx, "cpu"); !ok || err != nil {
			t.Fatalf("attempt %d: claim %v %v", attempt+1, ok, err)
		}
		state, _, err := q.finish(ctx, j.ID, busy, true, 3, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := q.Get(ctx, j.ID)
		if want == 0 {
			if state != Failed || got.Error != "the case is busy" {
				t.Errorf("after the last attempt: %s %q", state, got.Error)
			}
			break
		}
		if state != Queued || got.NotBefore.Sub(got.Finished) != want {
			t.Errorf("attempt %d: %s, retry %v after it ended, want queued, %v", attempt+1, state, got.NotBefore.Sub(got.Finished), want)
		}
		// The retry's time has come.
		if _, err := q.db.Exec(`UPDATE jobs SET not_before = 0 WHERE id = ?`, j.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCancelPauseResume(t *testing.T) {
	q, dirs := newQueue(t, 3)
	ctx := context.Background()
	long, _ := q.Add(ctx, dirs[0], Urgent, "auto")
	held, _ := q.Add(ctx, dirs[1], Normal, "auto")
	dropped, _ := q.Add(ctx, dirs[2], Normal, "auto")
	if err := q.Pause(ctx, held.ID); err != nil {
		t.Fatal(err)
	}
	if err := q.Cancel(ctx, dropped.ID); err != nil {
		t.Fatal(err)
	}
	if err := q.Resume(ctx, dropped.ID); err == nil {
		t.Error("a cancelled job resumed")
	}
	var ran []int64
	r := &Runner{Queue: q, UntilEmpty: true, Poll: 5 * time.Millisecond,
		run: func(jctx context.Context, j Job, _ string, _ int, _ func(orchestrate.Event)) error {
			ran = append(ran, j.ID)
			if j.ID == long.ID {
				// Cancelled while it runs: the runner interrupts it.
				if err := q.Cancel(ctx, j.ID); err != nil {
					return err
				}
				<-jctx.Done()
				return errors.New("cancelled")
			}
			return nil
		}}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ran, []int64{long.ID}) {
		t.Errorf("ran %v, want only %d (one paused, one cancelled)", ran, long.ID)
	}
	for id, want := range map[int64]string{long.ID: Cancelled, held.ID: Paused, dropped.ID: Cancelled} {
		if j, _ := q.Get(ctx, id); j.State != want {
			t.Errorf("job %d: %s, want %s", id, j.State, want)
		}
	}
	if err := q.Resume(ctx, held.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if j, _ := q.Get(ctx, held.ID); j.State != Done {
		t.Errorf("resumed job: %s", j.State)
	}
}

func TestRunningJobsOfAStoppedRunnerRunAgain(t *testing.T) {
	q, dirs := newQueue(t, 1)
	ctx := context.Background()
	j, _ := q.Add(ctx, dirs[0], Normal, "auto")
	if _, ok, err := q.claim(ctx, "auto"); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	// The runner that claimed it died here.
	r := &Runner{Queue: q, UntilEmpty: true, Poll: 5 * time.Millisecond,
		run: func(context.Context, Job, string, int, func(orchestrate.Event)) error { return nil }}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := q.Get(ctx, j.ID); got.State != Done || got.Attempts != 2 {
		t.Errorf("job: %s after %d attempts, want done after 2", got.State, got.Attempts)
	}
}

func TestOneGPUJobPerDevice(t *testing.T) {
	q, dirs := newQueue(t, 4)
	ctx := context.Background()
	for _, d := range dirs {
		if _, err := q.Add(ctx, d, Normal, "gpu"); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	busy, most := map[int]int{}, 0
	r := &Runner{Queue: q, GPUs: 2, CPUJobs: 1, UntilEmpty: true, Poll: 5 * time.Millisecond,
		run: func(_ context.Context, _ Job, device string, gpu int, _ func(orchestrate.Event)) error {
			mu.Lock()
			busy[gpu]++
			if device != "gpu" || busy[gpu] > 1 {
				t.Errorf("device %s, gpu %d with %d jobs", device, gpu, busy[gpu])
			}
			most = max(most, len(busy))
			mu.Unlock()
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			busy[gpu]--
			if busy[gpu] == 0 {
				delete(busy, gpu)
			}
			mu.Unlock()
			return nil
		}}
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if most != 2 {
		t.Errorf("at most %d devices busy at once, want 2", most)
	}
}

func TestOneRunnerPerQueue(t *testing.T) {
	q, _ := newQueue(t, 0)
	other, err := Open(q.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r1 := &Runner{Queue: q, Poll: 5 * time.Millisecond}
	done := make(chan error)
	go func() { done <- r1.Run(ctx) }()
	time.Sleep(50 * time.Millisecond)
	if err := (&Runner{Queue: other, UntilEmpty: true}).Run(context.Background()); err == nil {
		t.Error("a second runner ran on the same queue")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("first runner: %v", err)
	}
}
