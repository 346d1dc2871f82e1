package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/orchestrate"
)

// ChildRun is a RunFunc that runs the pipeline in a child process, exe
// being the kidney3d program: `exe run DIR --json [--device …] [--force …]
// [--config …]`, whose JSON lines are the progress events. Cancelling ctx
// interrupts the child (as Ctrl-C does), which stops at its next
// cancellation point; it is killed if it has not ended a while later.
//
// The desktop app runs its pipeline this way rather than in goroutines of
// its own: the pipeline's goroutines would fill every processor of the Go
// scheduler, and the UI goroutine, coming back from each OpenGL call of the
// painter, would wait in the scheduler's global run queue (stalls of 100 to
// 400 ms measured on 2 cores). The operating system shares the cores
// between two processes fairly, and on Linux the child runs 5 nice levels
// below the app, so that the UI goes first when the cores are busy.
func ChildRun(exe string) RunFunc {
	return func(ctx context.Context, dir string, opts caserun.Options, _, _ io.Writer) error {
		args := []string{"run", dir, "--json"}
		if opts.Device != "" {
			args = append(args, "--device", opts.Device)
		}
		if len(opts.Force) > 0 {
			args = append(args, "--force", strings.Join(opts.Force, ","))
		}
		if opts.Config != "" {
			args = append(args, "--config", opts.Config)
		}
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Cancel = func() error {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				return cmd.Process.Kill() // no interrupt on Windows
			}
			return nil
		}
		cmd.WaitDelay = childGrace
		var stderr tailBuffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
		lowerPriority(cmd.Process.Pid)
		dec := json.NewDecoder(out)
		for {
			var e orchestrate.Event
			if err := dec.Decode(&e); err != nil {
				break
			}
			if opts.Events != nil {
				opts.Events(e)
			}
		}
		_, _ = io.Copy(io.Discard, out)
		err = cmd.Wait()
		if err == nil {
			return nil
		}
		if crash := stderr.crashLine(); crash != "" {
			// A Go runtime crash (exit 2): its stack follows the line that
			// says what happened, so the last line says nothing.
			return fmt.Errorf("internal error: the pipeline crashed: %s (a bug; the stack is in the child's stderr)", crash)
		}
		if msg := stderr.lastLine(); msg != "" {
			// The child says "kidney3d run: reason"; the reason is enough.
			if _, reason, ok := strings.Cut(msg, "kidney3d run: "); ok {
				msg = reason
			}
			return errors.New(msg)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: cancelled; run again to resume", dir)
		}
		return fmt.Errorf("pipeline: %w", err)
	}
}

// childGrace is how long an interrupted child may take to stop.
const childGrace = 30 * time.Second

// tailBuffer keeps the last few kilobytes written to it, and the first
// line in which the Go runtime says the program crashed.
type tailBuffer struct {
	mu    sync.Mutex
	buf   []byte
	crash string
}

const tailMax = 8 << 10

// crashPrefixes start the line the Go runtime writes before the stacks of
// a crash it cannot recover from (exit code 2).
var crashPrefixes = []string{"fatal error: ", "panic: "}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if t.crash == "" {
		for _, line := range bytes.Split(t.buf, []byte("\n")) {
			for _, prefix := range crashPrefixes {
				if bytes.HasPrefix(line, []byte(prefix)) {
					t.crash = string(bytes.TrimSpace(line))
					break
				}
			}
			if t.crash != "" {
				break
			}
		}
	}
	if len(t.buf) > tailMax {
		t.buf = t.buf[len(t.buf)-tailMax:]
	}
	return len(p), nil
}

// crashLine is the Go runtime's line that says the program crashed, or "".
func (t *tailBuffer) crashLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.crash
}

// lastLine is the last non-empty line written.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := bytes.Split(bytes.TrimSpace(t.buf), []byte("\n"))
	return string(bytes.TrimSpace(lines[len(lines)-1]))
}
