package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/childrun"
	"kidney3d/pipeline/filelock"
	"kidney3d/pipeline/orchestrate"
)

// Runner runs a queue's jobs, each as a child `kidney3d run CASE --json`
// (package childrun): a crash of one case's pipeline never takes the queue
// down, its memory goes back to the system when it ends, and a runner
// killed with SIGKILL takes its children with it (on Linux), leaving the
// finished stages of each case for the next run to reuse.
type Runner struct {
	Queue *Queue
	// Exe is the kidney3d program the children run.
	Exe string
	// GPUs is how many GPU devices there are: one job per device at a
	// time (the child sees its own as CUDA_VISIBLE_DEVICES).
	GPUs int
	// CPUJobs is how many jobs run at a time on the CPU (at least 1).
	CPUJobs int
	// MaxAttempts is how many times a job that fails for a transient
	// reason is tried (default 3).
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled at each one
	// (default 10 s).
	Backoff time.Duration
	// Poll is how often the runner looks for new, cancelled and paused
	// jobs (default 500 ms).
	Poll time.Duration
	// UntilEmpty makes Run return once no job is queued or running.
	UntilEmpty bool
	// Log receives one line per job started and ended (nil: none).
	Log io.Writer
	// Finished, when set, is called with each job whose run ended, once
	// its state is recorded (the case library reads the case again).
	Finished func(Job)

	// run runs one job; childrun.Run unless a test sets it.
	run func(ctx context.Context, j Job, device string, gpu int, events func(orchestrate.Event)) error
}

// LockPath is the file whose OS lock says that a runner works on the
// queue of the database at dbPath: one runner per queue.
func LockPath(dbPath string) string { return dbPath + ".runner.lock" }

// result is a job's child that ended.
type result struct {
	job Job
	gpu int // the device it had, -1 for the CPU
	err error
}

// running is a job whose child works.
type running struct {
	cancel context.CancelFunc
	gpu    int
}

// Run runs jobs until ctx ends (or, with UntilEmpty, until none is left):
// first the jobs a crashed runner left running go back to the queue, then
// the most urgent job that may run is started whenever a device or a CPU
// slot is free. When ctx ends, the children are interrupted and their jobs
// queued again. Only one runner may work on a queue at a time.
func (r *Runner) Run(ctx context.Context) error {
	lock, err := os.OpenFile(LockPath(r.Queue.path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if ok, err := filelock.TryLock(lock); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("%s: another `kidney3d queue run` works on this queue", LockPath(r.Queue.path))
	}
	defer filelock.Unlock(lock)
	n, err := r.Queue.recover(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		r.logf("%d job(s) left running by a stopped runner are queued again", n)
	}
	poll := r.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	jobs := map[int64]running{}
	done := make(chan result)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if err := r.start(ctx, jobs, done, &wg); err != nil {
			r.stopAll(jobs, done)
			return err
		}
		if r.UntilEmpty && len(jobs) == 0 {
			pending, err := r.Queue.pending(ctx)
			if err != nil || pending == 0 {
				return err
			}
		}
		select {
		case res := <-done:
			delete(jobs, res.job.ID)
			if err := r.finish(res); err != nil {
				r.stopAll(jobs, done)
				return err
			}
		case <-tick.C:
			for id, j := range jobs {
				if state, err := r.Queue.state(ctx, id); err == nil && state != Running {
					r.logf("job %d: %s: interrupting its run", id, state)
					j.cancel()
				}
			}
		case <-ctx.Done():
			r.stopAll(jobs, done)
			return ctx.Err()
		}
	}
}

// start claims and starts jobs while devices and CPU slots are free.
func (r *Runner) start(ctx context.Context, jobs map[int64]running, done chan<- result, wg *sync.WaitGroup) error {
	busy := map[int]bool{}
	cpus := 0
	for _, j := range jobs {
		if j.gpu >= 0 {
			busy[j.gpu] = true
		} else {
			cpus++
		}
	}
	for gpu := 0; gpu < r.GPUs; gpu++ {
		if busy[gpu] {
			continue
		}
		j, ok, err := r.Queue.claim(ctx, "gpu", "auto")
		if err != nil || !ok {
			if err != nil {
				return err
			}
			break
		}
		r.launch(ctx, j, gpu, jobs, done, wg)
	}
	for ; cpus < max(1, r.CPUJobs); cpus++ {
		devices := []string{"cpu", "auto"}
		if r.GPUs == 0 {
			devices = append(devices, "gpu") // fails in its child, saying why
		}
		j, ok, err := r.Queue.claim(ctx, devices...)
		if err != nil || !ok {
			return err
		}
		r.launch(ctx, j, -1, jobs, done, wg)
	}
	return nil
}

// launch starts a job's child.
func (r *Runner) launch(ctx context.Context, j Job, gpu int, jobs map[int64]running, done chan<- result, wg *sync.WaitGroup) {
	jctx, cancel := context.WithCancel(ctx)
	jobs[j.ID] = running{cancel: cancel, gpu: gpu}
	device := "cpu"
	if gpu >= 0 {
		device = "gpu"
	} else if j.Device == "gpu" {
		device = "gpu"
	}
	r.logf("job %d (%s, %s): started %s", j.ID, j.Priority, device, j.Dir)
	events := r.Queue.progressWriter(j.ID)
	run := r.run
	if run == nil {
		run = r.child
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel()
		err := run(jctx, j, device, gpu, events)
		done <- result{job: j, gpu: gpu, err: err}
	}()
}

// child runs a job as `kidney3d run CASE --json --device D`.
func (r *Runner) child(ctx context.Context, j Job, device string, gpu int, events func(orchestrate.Event)) error {
	var opts []childrun.Option
	if gpu >= 0 {
		opts = append(opts, childrun.Env("CUDA_VISIBLE_DEVICES="+strconv.Itoa(gpu)))
	}
	return childrun.Run(ctx, r.Exe, j.Dir, caserun.Options{Device: device, Events: events}, opts...)
}

// stopAll interrupts every child and queues its job again.
func (r *Runner) stopAll(jobs map[int64]running, done <-chan result) {
	for _, j := range jobs {
		j.cancel()
	}
	for len(jobs) > 0 {
		res := <-done
		delete(jobs, res.job.ID)
		if err := r.Queue.requeue(context.Background(), res.job.ID); err == nil {
			r.logf("job %d: interrupted; queued again", res.job.ID)
		}
	}
}

// finish records how a job's child ended.
func (r *Runner) finish(res result) error {
	attempts := r.MaxAttempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := r.Backoff
	if backoff <= 0 {
		backoff = 10 * time.Second
	}
	state, retryAt, err := r.Queue.finish(context.Background(), res.job.ID, res.err, transient(res.err), attempts, backoff)
	if err != nil {
		return err
	}
	if r.Finished != nil {
		r.Finished(res.job)
	}
	switch {
	case state == Queued:
		r.logf("job %d: %v; retrying at %s", res.job.ID, res.err, retryAt.Local().Format("15:04:05"))
	case res.err != nil && state == Failed:
		r.logf("job %d: failed: %v", res.job.ID, res.err)
	default:
		r.logf("job %d: %s", res.job.ID, state)
	}
	return nil
}

// transient says whether a failed run may succeed if tried again: its
// child was killed by a signal (out of memory, say) or found the case busy.
func transient(err error) bool {
	var ce *childrun.Error
	if !errors.As(err, &ce) {
		return err != nil
	}
	return ce.Code == -1 || strings.Contains(ce.Reason, "the case is busy")
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
}

// recover queues again the jobs a stopped runner left running.
func (q *Queue) recover(ctx context.Context) (int64, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE jobs SET state = ? WHERE state = ?`, Queued, Running)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// pending is how many jobs are queued or running.
func (q *Queue) pending(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE state IN (?, ?)`, Queued, Running).Scan(&n)
	return n, err
}

func (q *Queue) state(ctx context.Context, id int64) (string, error) {
	var s string
	err := q.db.QueryRowContext(ctx, `SELECT state FROM jobs WHERE id = ?`, id).Scan(&s)
	return s, err
}

// claim makes the most urgent queued job for one of the devices, whose
// retry time has come, running.
func (q *Queue) claim(ctx context.Context, devices ...string) (Job, bool, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, false, err
	}
	defer tx.Rollback()
	now := time.Now()
	args := []any{Queued, stamp(now)}
	marks := make([]string, len(devices))
	for i, d := range devices {
		marks[i] = "?"
		args = append(args, d)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM jobs WHERE state = ? AND not_before <= ? AND device IN (`+
		strings.Join(marks, ",")+`) ORDER BY priority, id LIMIT 1`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, attempts = attempts + 1, started = ?, progress = 0,
		stage = '' WHERE id = ?`, Running, stamp(now), id); err != nil {
		return Job{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return Job{}, false, err
	}
	j, err := q.Get(ctx, id)
	return j, err == nil, err
}

// requeue puts a running job back in the queue, its attempt not counted.
func (q *Queue) requeue(ctx context.Context, id int64) error {
	_, err := q.db.ExecContext(ctx, `UPDATE jobs SET state = ?, attempts = max(0, attempts - 1) WHERE id = ? AND state = ?`,
		Queued, id, Running)
	return err
}

// finish records a run's outcome: done; queued again after a backoff
// (doubling at each attempt) when it failed for a transient reason and has
// attempts left; else failed. A job cancelled or paused while it ran keeps
// that state.
func (q *Queue) finish(ctx context.Context, id int64, runErr error, transient bool, maxAttempts int, backoff time.Duration) (string, time.Time, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	defer tx.Rollback()
	var state string
	var attempts int
	if err := tx.QueryRowContext(ctx, `SELECT state, attempts FROM jobs WHERE id = ?`, id).Scan(&state, &attempts); err != nil {
		return "", time.Time{}, err
	}
	if state != Running {
		return state, time.Time{}, nil
	}
	now := time.Now()
	var retryAt time.Time
	msg := ""
	switch {
	case runErr == nil:
		state = Done
	case transient && attempts < maxAttempts:
		state, msg = Queued, runErr.Error()
		retryAt = now.Add(backoff << (attempts - 1))
	default:
		state, msg = Failed, runErr.Error()
	}
	progress := 0.0
	if state == Done {
		progress = 1
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, error = ?, not_before = ?, finished = ?, progress = ?
		WHERE id = ?`, state, msg, stamp(retryAt), stamp(now), progress, id); err != nil {
		return "", time.Time{}, err
	}
	return state, retryAt, tx.Commit()
}

// progressWriter records a job's progress events: the stage and fraction
// of the latest, written at most every progressEvery.
func (q *Queue) progressWriter(id int64) func(orchestrate.Event) {
	var last time.Time
	return func(e orchestrate.Event) {
		if time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		_, _ = q.db.Exec(`UPDATE jobs SET stage = ?, progress = ? WHERE id = ? AND state = ?`, e.Stage, e.Fraction, id, Running)
	}
}

// progressEvery is how often a job's progress is written.
const progressEvery = 500 * time.Millisecond
