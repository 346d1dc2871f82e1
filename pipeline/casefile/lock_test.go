package casefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newCase(t *testing.T) *Case {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSecondLockFailsNamingTheHolder(t *testing.T) {
	c := newCase(t)
	if _, busy, err := c.Busy(); busy || err != nil {
		t.Fatalf("a case never locked is busy: %v %v", busy, err)
	}
	l, err := c.Lock(context.Background(), "kidney3d run", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lock(context.Background(), "kidney3d run", nil)
	var be *BusyError
	if !errors.As(err, &be) || be.Holder.PID != os.Getpid() || be.Holder.Purpose != "kidney3d run" || be.Holder.Started.IsZero() {
		t.Fatalf("second lock: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, c.LockPath()) || !strings.Contains(msg, "busy") || !strings.Contains(msg, "kidney3d run (pid ") {
		t.Errorf("message %q does not name the lock file and its holder", msg)
	}
	if h, busy, err := c.Busy(); !busy || err != nil || h.PID != os.Getpid() {
		t.Errorf("Busy = %v %v %v while locked", h, busy, err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, busy, _ := c.Busy(); busy {
		t.Error("busy after Unlock")
	}
	l, err = c.Lock(context.Background(), "editor save", nil)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l.Unlock()
}

func TestWaitingLockTellsOnceAndGetsTheLockWhenFreed(t *testing.T) {
	c := newCase(t)
	first, err := c.Lock(context.Background(), "first", nil)
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan Holder, 4)
	got := make(chan error)
	go func() {
		l, err := c.Lock(context.Background(), "second", func(h Holder) { told <- h })
		if err == nil {
			l.Unlock()
		}
		got <- err
	}()
	if h := <-told; h.Purpose != "first" {
		t.Errorf("told of %v, want the first holder", h)
	}
	first.Unlock()
	if err := <-got; err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
	if len(told) != 0 {
		t.Errorf("told %d more times", len(told))
	}
}

func TestWaitingLockStopsWithItsContext(t *testing.T) {
	c := newCase(t)
	l, err := c.Lock(context.Background(), "first", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = c.Lock(ctx, "second", func(Holder) { cancel() })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for first") {
		t.Fatalf("got %v, want a cancelled wait naming the holder", err)
	}
}

func TestLockFileThatIsNotAHolderStillLocks(t *testing.T) {
	c := newCase(t)
	if err := os.WriteFile(c.LockPath(), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readHolder(c.LockPath()); got != (Holder{}) {
		t.Errorf("read %v from garbage", got)
	}
	if s := (Holder{}).String(); s != "another process" {
		t.Errorf("unknown holder reads %q", s)
	}
	l, err := c.Lock(context.Background(), "run", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if h := readHolder(c.LockPath()); h.PID != os.Getpid() || time.Since(h.Started) > time.Hour {
		t.Errorf("holder written as %+v", h)
	}
}

func TestCleanTempRemovesWhatKilledWritesLeft(t *testing.T) {
	c := newCase(t)
	leftovers := []string{filepath.Join(c.TempDir(), ".labels.nii.gz.tmp-99"), filepath.Join(c.Dir, ".manifest.json.tmp-12"),
		filepath.Join(c.Dir, "output", ".report.json.tmp-5"), filepath.Join(c.Dir, "work", "load", ".summary.json.tmp-7")}
	given := filepath.Join(c.Dir, "input", ".A.nii.gz.tmp-3") // input/ is never written by the app, nor cleaned
	for _, p := range append(leftovers, c.ManifestPath(), given) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := c.Lock(context.Background(), "run", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := l.CleanTemp(); err != nil {
		t.Fatal(err)
	}
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	for _, p := range []string{c.ManifestPath(), given} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}

// FuzzReadHolder: whatever a lock file holds, reading it never fails the
// lock and gives a holder or the zero one.
func FuzzReadHolder(f *testing.F) {
	f.Add([]byte(`{"pid":4242,"started":"2026-12-06T02:15:30Z","purpose":"kidney3d run"}` + "\n"))
	f.Add([]byte(`{"pid":-1,"started":"x"}`))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "case.lock")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		h := readHolder(path)
		if h.PID != 0 && !strings.Contains(h.String(), "pid") {
			t.Fatalf("holder %+v reads %q", h, h.String())
		}
	})
}
