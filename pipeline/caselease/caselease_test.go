package caselease

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/casefile/casefiletest"
)

func newCase(t *testing.T) string {
	t.Helper()
	return casefiletest.New(t).Dir
}

func TestOneWorkerAtATimeThenDone(t *testing.T) {
	dir := newCase(t)
	a, err := Acquire(dir, "w1", "job-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var busy *BusyError
	if _, err := Acquire(dir, "w2", "job-1", time.Minute); !errors.As(err, &busy) || busy.Holder.Worker != "w1" || busy.Holder.Job != "job-1" {
		t.Fatalf("second worker: %v, want the lease busy with w1's job-1", err)
	}
	if _, err := Acquire(dir, "w1", "job-1", time.Minute); !errors.As(err, &busy) {
		t.Fatalf("the same job again (another slot of the worker): %v, want busy", err)
	}
	if err := a.Refresh(); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(true); err != nil {
		t.Fatal(err)
	}
	s, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s != (State{Done: "job-1"}) {
		t.Errorf("after release: %+v, want free with job-1 done", s)
	}
	var done *DoneError
	if _, err := Acquire(dir, "w2", "job-1", time.Minute); !errors.As(err, &done) || done.Job != "job-1" {
		t.Errorf("a finished job again: %v, want a DoneError", err)
	}
	b, err := Acquire(dir, "w2", "job-2", time.Minute)
	if err != nil {
		t.Fatalf("the next job: %v", err)
	}
	if err := b.Release(false); err != nil {
		t.Fatal(err)
	}
	if s, _ := Read(dir); s != (State{Done: "job-1"}) {
		t.Errorf("after a failed job: %+v, want job-1 still the last done", s)
	}
}

func TestStaleLeaseTakenOver(t *testing.T) {
	host, _ := os.Hostname()
	for name, st := range map[string]State{
		"old heartbeat":    {Worker: "w1", Host: "elsewhere", PID: 1, Job: "j", Heartbeat: time.Now().Add(-2 * time.Minute), TTL: time.Minute},
		"holder gone here": {Worker: "w1", Host: host, PID: 1 << 30, Job: "j", Heartbeat: time.Now(), TTL: time.Minute},
		"cut short":        {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := newCase(t)
			b, _ := json.Marshal(st)
			if name == "cut short" {
				b = []byte(`{"worker":"w1","heart`)
			}
			c, _ := casefile.Open(dir)
			if err := os.WriteFile(c.LeasePath(), b, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Acquire(dir, "w2", "j", time.Minute)
			if err != nil {
				t.Fatalf("stale lease not taken over: %v", err)
			}
			if s, _ := Read(dir); s.Worker != "w2" || s.PID != os.Getpid() {
				t.Errorf("lease now %+v, want w2's", s)
			}
			_ = l.Release(false)
		})
	}
}

func TestTakenOverLeaseIsLost(t *testing.T) {
	dir := newCase(t)
	a, err := Acquire(dir, "w1", "j", time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	b, err := Acquire(dir, "w2", "j", time.Minute)
	if err != nil {
		t.Fatalf("stale lease not taken over: %v", err)
	}
	var busy *BusyError
	if err := a.Refresh(); !errors.As(err, &busy) || busy.Holder.Worker != "w2" {
		t.Errorf("refresh of a lease taken over: %v, want busy with w2", err)
	}
	if err := a.Release(true); err == nil {
		t.Error("release of a lease taken over succeeded")
	}
	if err := b.Release(true); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseClaimingTooMuchIsStale(t *testing.T) {
	now := time.Now()
	for name, s := range map[string]State{
		"TTL of a year":      {Worker: "w", Heartbeat: now, TTL: 365 * 24 * time.Hour},
		"heartbeat tomorrow": {Worker: "w", Heartbeat: now.Add(24 * time.Hour), TTL: time.Minute},
		"no TTL":             {Worker: "w", Heartbeat: now.Add(-time.Second)},
	} {
		if s.Held(now) {
			t.Errorf("%s: held", name)
		}
	}
	if s := (State{Worker: "w", Host: "elsewhere", Heartbeat: now.Add(30 * time.Second), TTL: time.Minute}); !s.Held(now) {
		t.Error("a heartbeat 30 s ahead (another host's clock) is not held")
	}
}

// FuzzLeaseFile: whatever a lease file holds, taking the lease either
// succeeds, leaving this worker's lease, or says who holds it.
func FuzzLeaseFile(f *testing.F) {
	f.Add([]byte(`{"worker":"w1","host":"h","pid":1,"job":"j","heartbeat":"2999-01-01T00:00:00Z","ttl":60000000000}`))
	f.Add([]byte(`{"done":"j"}`))
	f.Add([]byte(`{"worker":`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := newCase(t)
		c, _ := casefile.Open(dir)
		if err := os.WriteFile(c.LeasePath(), b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Acquire(dir, "me", "job", time.Minute)
		var busy *BusyError
		var done *DoneError
		switch {
		case err == nil:
			if s, err := Read(dir); err != nil || s.Worker != "me" || !s.Held(time.Now()) {
				t.Fatalf("after Acquire: %+v %v", s, err)
			}
			if err := l.Release(false); err != nil {
				t.Fatal(err)
			}
		case errors.As(err, &busy), errors.As(err, &done):
		default:
			t.Fatalf("Acquire: %v", err)
		}
	})
}
