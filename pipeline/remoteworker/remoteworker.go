// Package remoteworker is `kidney3d worker`: it takes jobs from RabbitMQ's
// JobQueue (package broker) one at a time per slot (prefetch 1), runs each
// as the local queue does, in a child `kidney3d run CASE --json` (package
// childrun), and acknowledges the message only once the child has written
// the case's outputs and manifest. A worker killed meanwhile never
// acknowledges it, so the broker gives the job to another worker.
//
// Every message is checked (workmsg.Parse) and its case found under the
// root (workmsg.Resolve: no absolute path, "..", or symbolic link); a
// message refused goes to the dead-letter queue with the reason. A case is
// run by one worker at a time (package caselease): a case leased to
// another worker goes back to the queue a little later. A failed run
// waits in the broker's delay queue (broker.PublishRetry) for RetryDelay,
// doubled at each further attempt, then comes back to the job queue with
// its attempt count in a header; after MaxAttempts it is dead-lettered
// with the error. A job its submitter cancelled (the case's
// remote-job.json, package remotejob) is not started, or is interrupted
// within about a second (cancelPoll), and acknowledged with a Cancelled
// event. When the broker goes away, each slot reconnects with
// a doubling backoff; a job running then finishes, and its message,
// delivered again, is acknowledged without a second run (the lease
// remembers the last job finished).
package remoteworker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/childrun"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/remotejob"
	"kidney3d/pipeline/workmsg"
)

// Worker consumes and runs jobs.
type Worker struct {
	// Dial connects to the broker.
	Dial func() (*amqp.Connection, error)
	// Root is the folder the messages' case paths are under.
	Root string
	// Exe is the kidney3d program the children run.
	Exe string
	// ID names this worker in leases and events.
	ID string
	// GPUs is how many GPU devices there are: one slot, taking one job
	// at a time, per device (the child sees its own as
	// CUDA_VISIBLE_DEVICES); none: one slot on the CPU.
	GPUs int
	// MaxAttempts is how many failed runs dead-letter a job (default 3).
	MaxAttempts int
	// RetryDelay is how long a job waits after its first failed run
	// before it runs again (default 10 s); each further failure doubles
	// it, up to MaxRetryDelay.
	RetryDelay time.Duration
	// LeaseTTL is how long a lease lives without a heartbeat (default
	// 30 s; the heartbeat comes every third of it).
	LeaseTTL time.Duration
	// Busy is how long a job whose case another worker holds waits
	// before it goes back to the queue (default 2 s).
	Busy time.Duration
	// Log receives one line per job step and connection change.
	Log io.Writer
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	slots := max(1, w.GPUs)
	errs := make(chan error, slots)
	for i := range slots {
		gpu := -1
		if w.GPUs > 0 {
			gpu = i
		}
		go func() { errs <- w.slot(ctx, gpu) }()
	}
	var err error
	for range slots {
		err = errors.Join(err, <-errs)
	}
	return err
}

// Backoff bounds of reconnection.
const (
	firstBackoff = 250 * time.Millisecond
	maxBackoff   = 10 * time.Second
)

// slot connects, consumes and reconnects until ctx ends.
func (w *Worker) slot(ctx context.Context, gpu int) error {
	backoff := firstBackoff
	for ctx.Err() == nil {
		conn, err := w.Dial()
		if err != nil {
			w.logf("broker unreachable (%v); trying again in %s", err, backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = firstBackoff
		err = w.serve(ctx, conn, gpu)
		_ = conn.Close()
		if ctx.Err() == nil {
			w.logf("broker connection lost (%v); reconnecting", err)
		}
	}
	return nil
}

// serve consumes jobs on one connection until it closes or ctx ends.
func (w *Worker) serve(ctx context.Context, conn *amqp.Connection, gpu int) error {
	ch, err := broker.Channel(conn)
	if err != nil {
		return err
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return err
	}
	ds, err := ch.ConsumeWithContext(ctx, broker.JobQueue, fmt.Sprintf("%s/%d", w.ID, gpu), false, false, false, false, nil)
	if err != nil {
		return err
	}
	w.logf("consuming %s", broker.JobQueue)
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-closed:
			return e
		case d, ok := <-ds:
			if !ok {
				return errors.New("the broker ended the consumer")
			}
			w.handle(ctx, ch, d, gpu)
		}
	}
}

// handle runs one delivery to its acknowledgement (or its return to the
// queue).
func (w *Worker) handle(ctx context.Context, ch *amqp.Channel, d amqp.Delivery, gpu int) {
	m, err := workmsg.Parse(d.Body)
	if err != nil {
		w.deadLetter(ctx, ch, d, m, err.Error())
		return
	}
	dir, err := workmsg.Resolve(w.Root, m.Case)
	if err != nil {
		w.deadLetter(ctx, ch, d, m, err.Error())
		return
	}
	if w.isCancelled(dir, m.ID) {
		w.logf("job %s (%s): cancelled by its submitter before it started; acknowledged", m.ID, m.Case)
		w.event(ctx, ch, m, broker.Cancelled, "", 0, "cancelled before it started")
		_ = d.Ack(false)
		return
	}
	lease, err := caselease.Acquire(dir, w.ID, m.ID, w.leaseTTL())
	var done *caselease.DoneError
	var busy *caselease.BusyError
	switch {
	case errors.As(err, &done):
		w.logf("job %s (%s): finished already; acknowledged", m.ID, m.Case)
		w.event(ctx, ch, m, broker.Skipped, "", 1, "finished already")
		_ = d.Ack(false)
		return
	case errors.As(err, &busy):
		w.logf("job %s (%s): %v; back to the queue", m.ID, m.Case, err)
		select {
		case <-ctx.Done():
		case <-time.After(w.busyWait()):
		}
		_ = d.Nack(false, true)
		return
	case err != nil:
		w.failed(ctx, ch, d, m, dir, err)
		return
	}
	w.logf("job %s (%s, %s): started %s", m.ID, m.Priority, m.Case, dir)
	w.event(ctx, ch, m, broker.Started, "", 0, "")
	err = w.run(ctx, ch, m, dir, lease, gpu)
	switch {
	case err == nil:
		if rerr := lease.Release(true); rerr != nil {
			w.logf("job %s: %v", m.ID, rerr)
		}
		w.logf("job %s (%s): done", m.ID, m.Case)
		w.event(ctx, ch, m, broker.Done, "", 1, "")
		if aerr := d.Ack(false); aerr != nil {
			w.logf("job %s: acknowledgement lost (%v): the job, delivered again, will be found finished", m.ID, aerr)
		}
	case ctx.Err() != nil:
		_ = lease.Release(false)
		w.logf("job %s (%s): interrupted; back to the queue", m.ID, m.Case)
		_ = d.Nack(false, true)
	case errors.Is(err, errCancelled):
		_ = lease.Release(false)
		w.logf("job %s (%s): cancelled by its submitter; acknowledged", m.ID, m.Case)
		w.event(ctx, ch, m, broker.Cancelled, "", 0, "cancelled while it ran; the stages finished are kept")
		_ = d.Ack(false)
	default:
		_ = lease.Release(false)
		w.failed(ctx, ch, d, m, dir, err)
	}
}

// errCancelled is a job its submitter cancelled (remote-job.json).
var errCancelled = errors.New("cancelled by its submitter")

// cancelPoll is how often a running job's remote-job.json is read for a
// cancel.
const cancelPoll = time.Second

// isCancelled says whether the case's remote-job.json cancels the job.
func (w *Worker) isCancelled(dir, job string) bool {
	return remotejob.IsCancelled(&casefile.Case{Dir: dir}, job)
}

// run runs the job's child while the lease's heartbeat goes on; losing
// the lease, or the job's cancel, interrupts the child (errCancelled).
func (w *Worker) run(ctx context.Context, ch *amqp.Channel, m workmsg.Message, dir string, lease *caselease.Lease, gpu int) error {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		tick := time.NewTicker(w.leaseTTL() / 3)
		defer tick.Stop()
		poll := time.NewTicker(cancelPoll)
		defer poll.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-poll.C:
				if w.isCancelled(dir, m.ID) {
					cancel(errCancelled)
					return
				}
			case <-tick.C:
				var busy *caselease.BusyError
				if err := lease.Refresh(); errors.As(err, &busy) {
					cancel(err)
					return
				}
			}
		}
	}()
	device := "cpu"
	var opts []childrun.Option
	if gpu >= 0 {
		device = "gpu"
		opts = append(opts, childrun.Env("CUDA_VISIBLE_DEVICES="+strconv.Itoa(gpu)))
	} else if m.Device == "gpu" {
		device = "gpu" // fails in the child, saying why
	}
	var last time.Time
	var lastStage string
	events := func(e orchestrate.Event) {
		// A stage's running progress is published every progressEvery;
		// its start and end always.
		if e.State == orchestrate.Running && e.Stage == lastStage && time.Since(last) < progressEvery {
			return
		}
		last, lastStage = time.Now(), e.Stage
		_ = broker.PublishEvent(ctx, ch, broker.Event{Job: m.ID, Case: m.Case, Worker: w.ID, State: broker.Progress,
			Stage: e.Stage, StageState: string(e.State), Fraction: e.Fraction, Error: e.Message, Time: last.UTC(), Submitted: m.Submitted})
	}
	err := childrun.Run(jctx, w.Exe, dir, caserun.Options{Device: device, Events: events}, opts...)
	if cause := context.Cause(jctx); err != nil && cause != nil && ctx.Err() == nil {
		if errors.Is(cause, errCancelled) {
			return errCancelled
		}
		return fmt.Errorf("%w (lease lost: %v)", err, cause)
	}
	return err
}

// progressEvery is how often a running stage's progress is published.
const progressEvery = 500 * time.Millisecond

// MaxRetryDelay bounds the doubling retry delay.
const MaxRetryDelay = 10 * time.Minute

// RetryDelayAfter is how long a job waits after its attempts-th failed
// run: base, doubled for each attempt after the first, at most
// MaxRetryDelay.
func RetryDelayAfter(base time.Duration, attempts int) time.Duration {
	d := base
	for range attempts - 1 {
		if d >= MaxRetryDelay/2 {
			return MaxRetryDelay
		}
		d *= 2
	}
	return min(d, MaxRetryDelay)
}

// failed sends a failed job to the broker's delay queue with its attempt
// count, to come back after its retry delay, or dead-letters it after
// MaxAttempts. The delayed copy is confirmed before the delivery is
// acknowledged: a worker killed between the two leaves the job delivered
// again, never lost. The case's remote-job.json (package remotejob) says
// queued again, or failed, with the error.
func (w *Worker) failed(ctx context.Context, ch *amqp.Channel, d amqp.Delivery, m workmsg.Message, dir string, runErr error) {
	if w.isCancelled(dir, m.ID) {
		w.logf("job %s (%s): failed (%v), and cancelled by its submitter; acknowledged", m.ID, m.Case, runErr)
		w.event(ctx, ch, m, broker.Cancelled, "", 0, "cancelled; its last run failed: "+runErr.Error())
		_ = d.Ack(false)
		return
	}
	attempts := 1
	if n, ok := d.Headers[broker.AttemptsHeader].(int32); ok {
		attempts = int(n) + 1
	}
	maxAttempts := w.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 3
	}
	if attempts >= maxAttempts {
		headers := amqp.Table{broker.AttemptsHeader: int32(attempts)}
		for k, v := range d.Headers {
			if k != broker.AttemptsHeader {
				headers[k] = v
			}
		}
		d.Headers = headers
		reason := fmt.Sprintf("failed %d times: %v", attempts, runErr)
		w.record(dir, m, remotejob.Failed, attempts, reason)
		w.deadLetter(ctx, ch, d, m, reason)
		return
	}
	base := w.RetryDelay
	if base <= 0 {
		base = 10 * time.Second
	}
	delay := RetryDelayAfter(base, attempts)
	headers := amqp.Table{broker.AttemptsHeader: int32(attempts), broker.ReasonHeader: runErr.Error()}
	if err := broker.PublishRetry(ctx, ch, m, headers, delay); err != nil {
		w.logf("job %s: cannot queue it again (%v); the broker will deliver it again", m.ID, err)
		_ = d.Nack(false, true)
		return
	}
	w.record(dir, m, remotejob.Queued, attempts, runErr.Error())
	w.logf("job %s (%s): attempt %d failed: %v; runs again in %s", m.ID, m.Case, attempts, runErr, delay)
	w.event(ctx, ch, m, broker.Retry, "", 0, fmt.Sprintf("attempt %d failed: %v; runs again in %s", attempts, runErr, delay))
	_ = d.Ack(false)
}

// record writes the job's state in its case's remote-job.json; failing
// to is logged (the broker's state goes on regardless).
func (w *Worker) record(dir string, m workmsg.Message, state string, attempts int, reason string) {
	c, err := casefile.Open(dir)
	if err == nil {
		err = remotejob.Write(c, remotejob.State{Job: m.ID, Priority: m.Priority, Submitted: m.Submitted,
			State: state, Attempts: attempts, Reason: reason})
	}
	if err != nil {
		w.logf("job %s: cannot record it %s in the case: %v", m.ID, state, err)
	}
}

// deadLetter sends a delivery to the dead-letter queue with the reason;
// if that fails, the queue's own dead-lettering takes it (without the
// reason).
func (w *Worker) deadLetter(ctx context.Context, ch *amqp.Channel, d amqp.Delivery, m workmsg.Message, reason string) {
	w.logf("message %q: dead-lettered: %s", d.MessageId, reason)
	if err := broker.DeadLetter(ctx, ch, d, reason); err != nil {
		_ = d.Nack(false, false)
		return
	}
	w.event(ctx, ch, m, broker.Dead, "", 0, reason)
	_ = d.Ack(false)
}

// event publishes a job's progress event.
func (w *Worker) event(ctx context.Context, ch *amqp.Channel, m workmsg.Message, state, stage string, fraction float64, msg string) {
	_ = broker.PublishEvent(ctx, ch, broker.Event{Job: m.ID, Case: m.Case, Worker: w.ID, State: state, Stage: stage,
		Fraction: fraction, Error: msg, Time: time.Now().UTC(), Submitted: m.Submitted})
}

func (w *Worker) leaseTTL() time.Duration {
	if w.LeaseTTL > 0 {
		return w.LeaseTTL
	}
	return 30 * time.Second
}

func (w *Worker) busyWait() time.Duration {
	if w.Busy > 0 {
		return w.Busy
	}
	return 2 * time.Second
}

func (w *Worker) logf(format string, args ...any) {
	if w.Log != nil {
		fmt.Fprintf(w.Log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
	}
}
