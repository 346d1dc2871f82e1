package caserun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/casefile/casefiletest"
	"kidney3d/pipeline/orchestrate"
)

func lockedCase(t *testing.T) (string, *casefile.Lock) {
	t.Helper()
	c := casefiletest.New(t)
	l, err := c.Lock(context.Background(), "another run", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Unlock() })
	return c.Dir, l
}

func TestBadOptionsAreOptionErrors(t *testing.T) {
	dir, _ := lockedCase(t)
	for _, opts := range []Options{{Device: "xyz"}, {Device: "cpu", Force: []string{"nosuch"}}} {
		err := Run(context.Background(), dir, opts, io.Discard, io.Discard)
		var oe OptionError
		if !errors.As(err, &oe) {
			t.Errorf("%+v: got %v, want an OptionError (checked before the lock)", opts, err)
		}
	}
	err := Run(context.Background(), dir, Options{Device: "cpu", Force: []string{"nosuch"}}, io.Discard, io.Discard)
	if !errors.Is(err, orchestrate.ErrUnknownStage) {
		t.Errorf("unknown forced stage: %v", err)
	}
}

func TestBusyCaseFailsAtOnceOrWaitsWhenAsked(t *testing.T) {
	dir, _ := lockedCase(t)
	err := Run(context.Background(), dir, Options{Device: "auto"}, io.Discard, io.Discard)
	var busy *casefile.BusyError
	if !errors.As(err, &busy) || busy.Holder.Purpose != "another run" || !strings.Contains(err.Error(), "--wait") {
		t.Fatalf("run on a busy case: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		stderr.Write(p)
		cancel() // stop waiting once it has said so
		return len(p), nil
	})
	err = Run(ctx, dir, Options{Device: "auto", Wait: true}, io.Discard, w)
	if !errors.Is(err, context.Canceled) || !strings.Contains(stderr.String(), "another run (pid ") || !strings.Contains(stderr.String(), "waiting for it") {
		t.Fatalf("waiting run: %v, stderr %q", err, stderr.String())
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
