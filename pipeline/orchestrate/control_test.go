package orchestrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/stage"
)

// TestFailureCancelsStagesStillRunning runs two independent stages; the
// second fails while the first works: the first is cancelled, recorded as
// such with the reason, and the run reports the failure, not the
// cancellation.
func TestFailureCancelsStagesStillRunning(t *testing.T) {
	c := newCase(t, "A")
	var runs atomic.Int32
	slowStarted := make(chan struct{})
	boom := errors.New("registration failed")
	stages := []stage.Stage{
		&concat{name: "slow", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Mask("organs")}, res: stage.CPU, runs: &runs,
			gate: func(ctx context.Context) error { close(slowStarted); <-ctx.Done(); return ctx.Err() }},
		&concat{name: "fast", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Mask("kidney_left")}, res: stage.CPU, runs: &runs,
			gate: func(context.Context) error { <-slowStarted; return boom }},
	}
	var cancelled []Event
	opts := Options{Program: "test", CPUSlots: 2, Events: func(e Event) {
		if e.State == Cancelled {
			cancelled = append(cancelled, e)
		}
	}}
	err := Run(context.Background(), c, stages, opts)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "stage fast") {
		t.Fatalf("got %v, want the failure of stage fast", err)
	}
	man, _ := manifest.Load(c.ManifestPath())
	slow := man.Stages["slow"]
	if slow == nil || slow.Status != manifest.Cancelled || !strings.Contains(slow.Error, "stage fast failed") {
		t.Fatalf("slow recorded as %+v, want cancelled because fast failed", slow)
	}
	if len(cancelled) != 1 || cancelled[0].Stage != "slow" || !strings.Contains(cancelled[0].Message, "stage fast failed") {
		t.Errorf("cancel events %+v", cancelled)
	}
}

// TestPanicInAStageIsAnInternalError: a stage that panics fails the run
// with a *panics.Error naming the stage, the manifest records it, and the
// case is free for the next run.
func TestPanicInAStageIsAnInternalError(t *testing.T) {
	c := newCase(t, "A", "P")
	var runs atomic.Int32
	stages := chain(&runs)
	stages[1].(*concat).gate = func(context.Context) error {
		var s []int
		_ = s[len(stages)] // index out of range
		return nil
	}
	err := Run(context.Background(), c, stages, Options{Program: "test"})
	var p *panics.Error
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "stage merge: internal error: runtime error: index out of range") {
		t.Fatalf("got %v, want an internal error of stage merge", err)
	}
	if !strings.Contains(string(p.Stack), "orchestrate.TestPanicInAStage") {
		t.Errorf("stack does not show the panic:\n%s", p.Stack)
	}
	if man, _ := manifest.Load(c.ManifestPath()); man.Stages["merge"].Status != manifest.Failed {
		t.Errorf("merge recorded as %+v", man.Stages["merge"])
	}
	if err := Run(context.Background(), c, chain(&runs), Options{Program: "test"}); err != nil {
		t.Fatalf("run after the panic: %v", err)
	}
}

// TestRunRefusesALockedCaseAndLeavesItsTemporaries: another holder's
// temporary files are not touched; once free, the run cleans them.
func TestRunRefusesALockedCaseAndLeavesItsTemporaries(t *testing.T) {
	c := newCase(t, "A", "P")
	tmp := filepath.Join(c.TempDir(), ".labels.nii.gz.tmp-1")
	if err := os.MkdirAll(c.TempDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("being written"), 0o644); err != nil {
		t.Fatal(err)
	}
	lock, err := c.Lock(context.Background(), "other run", nil)
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	err = Run(context.Background(), c, chain(&runs), Options{Program: "test"})
	if err == nil || !strings.Contains(err.Error(), "busy") || runs.Load() != 0 {
		t.Fatalf("run on a locked case: %v, %d stages ran", err, runs.Load())
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the holder's temporary file was removed: %v", err)
	}
	err = Run(context.Background(), c, chain(&runs), Options{Program: "test", Lock: lock})
	if err != nil {
		t.Fatalf("run with the caller's lock: %v", err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temporary file not cleaned under the lock: %v", err)
	}
	lock.Unlock()
}

func TestCheckForceNamesTheUnknownStage(t *testing.T) {
	var runs atomic.Int32
	err := CheckForce(chain(&runs), []string{"merge", "nosuch"})
	if !errors.Is(err, ErrUnknownStage) || !strings.Contains(err.Error(), "--force nosuch") {
		t.Fatalf("got %v", err)
	}
	if err := CheckForce(chain(&runs), []string{"seg"}); err != nil {
		t.Fatal(err)
	}
}

// TestMissingInputsNameThePhaseFile: a stage that lacks a phase says which
// phase file is absent; other inputs are listed by artefact name.
func TestMissingInputsNameThePhaseFile(t *testing.T) {
	for _, tc := range []struct {
		miss []stage.Artefact
		want string
	}{
		{[]stage.Artefact{"phase/D"}, "needs phase D (no input/D.nii.gz)"},
		{[]stage.Artefact{"phase/P", "mask/vein"}, "needs phase P (no input/P.nii.gz); missing input mask/vein"},
		{[]stage.Artefact{"mask/artery"}, "missing input mask/artery"},
	} {
		if got := missingInputs(tc.miss); got != tc.want {
			t.Errorf("missingInputs(%q) = %q, want %q", tc.miss, got, tc.want)
		}
	}
}
