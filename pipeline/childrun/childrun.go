// Package childrun runs the pipeline on a case in a child process, as the
// desktop app and the local queue do: `kidney3d run DIR --json`, whose JSON
// lines are the progress events.
package childrun

import (
	"bytes"
	"context"
	"encoding/json"
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

// Option is a choice about the child process.
type Option func(*settings)

type settings struct {
	nicer bool
	env   []string
}

// Nicer runs the child 5 nice levels below this process on Linux, so that
// an interactive UI goes first when the cores are busy.
func Nicer() Option { return func(s *settings) { s.nicer = true } }

// Env adds environment variables (KEY=VALUE) to the child's.
func Env(kv ...string) Option { return func(s *settings) { s.env = append(s.env, kv...) } }

// Error is a child that did not succeed: Reason is what it said (its last
// line on stderr, without "kidney3d run: "), Code its exit code (-1 when a
// signal ended it).
type Error struct {
	Reason string
	Code   int
}

func (e *Error) Error() string { return e.Reason }

// Run runs `exe run DIR --json [--device …] [--force …] [--config …]`, exe
// being the kidney3d program, passing each progress event to opts.Events.
// Cancelling ctx interrupts the child (as Ctrl-C does), which stops at its
// next cancellation point; it is killed if it has not ended a while later.
// A child that fails returns an *Error.
//
// The desktop app runs its pipeline this way rather than in goroutines of
// its own: the pipeline's goroutines would fill every processor of the Go
// scheduler, and the UI goroutine, coming back from each OpenGL call of the
// painter, would wait in the scheduler's global run queue (stalls of 100 to
// 400 ms measured on 2 cores). The operating system shares the cores
// between two processes fairly, and with Nicer the child runs 5 nice levels
// below the app on Linux. The child dies with this process (on Linux), so
// that a queue killed with SIGKILL leaves no pipeline working on its case.
func Run(ctx context.Context, exe, dir string, opts caserun.Options, options ...Option) error {
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
	var set settings
	for _, o := range options {
		o(&set)
	}
	if len(set.env) > 0 {
		cmd.Env = append(os.Environ(), set.env...)
	}
	dieWithParent(cmd)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if set.nicer {
		lowerPriority(cmd.Process.Pid)
	}
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
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if crash := stderr.crashLine(); crash != "" {
		// A Go runtime crash (exit 2): its stack follows the line that
		// says what happened, so the last line says nothing.
		return &Error{Code: code, Reason: fmt.Sprintf("internal error: the pipeline crashed: %s (a bug; the stack is in the child's stderr)", crash)}
	}
	if msg := stderr.lastLine(); msg != "" {
		// The child says "kidney3d run: reason"; the reason is enough.
		if _, reason, ok := strings.Cut(msg, "kidney3d run: "); ok {
			msg = reason
		}
		return &Error{Code: code, Reason: msg}
	}
	if ctx.Err() != nil {
		return &Error{Code: code, Reason: fmt.Sprintf("%s: cancelled; run again to resume", dir)}
	}
	return &Error{Code: code, Reason: fmt.Sprintf("pipeline: %v", err)}
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
