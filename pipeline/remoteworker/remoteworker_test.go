package remoteworker

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/brokertest"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/jobsubmit"
	"kidney3d/pipeline/remotejob"
)

func TestRetryDelayAfter(t *testing.T) {
	for _, tc := range []struct {
		base     time.Duration
		attempts int
		want     time.Duration
	}{
		{10 * time.Second, 1, 10 * time.Second},
		{10 * time.Second, 2, 20 * time.Second},
		{10 * time.Second, 4, 80 * time.Second},
		{10 * time.Second, 7, MaxRetryDelay},
		{10 * time.Second, 1000, MaxRetryDelay},
		{time.Hour, 1, MaxRetryDelay},
	} {
		if got := RetryDelayAfter(tc.base, tc.attempts); got != tc.want {
			t.Errorf("RetryDelayAfter(%s, %d) = %s, want %s", tc.base, tc.attempts, got, tc.want)
		}
	}
}

// TestFailedJobWaitsInTheBroker: on a real broker, a job whose run fails
// waits in the delay queue, with no worker running, and comes back to the
// job queue after its delay; each further failure doubles the wait; the
// third failure dead-letters it with its attempts and the child's error.
// The case library follows it: queued, then failed with the reason. A
// job cancelled before it starts is acknowledged unrun.
func TestFailedJobWaitsInTheBroker(t *testing.T) {
	url, _ := brokertest.Start(t)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "c1", "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "fails")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho 'kidney3d run: boom' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dial := func() (*amqp.Connection, error) { return amqp.Dial(url) }
	conn, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := broker.Channel(conn)
	if err != nil {
		t.Fatal(err)
	}
	events, err := broker.Watch(ch)
	if err != nil {
		t.Fatal(err)
	}
	const delay = 400 * time.Millisecond
	start := func() context.CancelFunc {
		ctx, cancel := context.WithCancel(context.Background())
		w := &Worker{Dial: dial, Root: root, Exe: exe, ID: "w", MaxAttempts: 3, RetryDelay: delay}
		done := make(chan struct{})
		go func() { _ = w.Run(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	// Submitted as `kidney3d submit` does: the library sees it queued.
	ms, err := jobsubmit.Messages(root, []string{filepath.Join(root, "c1")}, "urgent", "cpu", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := jobsubmit.Publish(context.Background(), dial, root, ms, io.Discard, false, false); err != nil {
		t.Fatal(err)
	}
	job := ms[0].ID
	status := func(step, want, reason string) {
		t.Helper()
		e, err := caselibrary.Describe(filepath.Join(root, "c1"))
		if err != nil || e.Status != want || e.Reason != reason {
			t.Errorf("%s: the library says %q (%q), %v; want %q (%q)", step, e.Status, e.Reason, err, want, reason)
		}
	}
	status("submitted", caselibrary.Queued, "")
	stop := start()
	defer func() { stop() }()
	next := func(state string) broker.Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.State == state {
					return e
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("no %s event in 60 s", state)
			}
		}
	}
	queued := func(q string) int {
		t.Helper()
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st.Messages
	}
	// The delays are measured from each attempt's start, which comes
	// before its failure was published to the delay queue.
	first := next(broker.Started)
	retry1 := next(broker.Retry)
	if want := "attempt 1 failed: boom; runs again in 400ms"; retry1.Error != want {
		t.Errorf("retry event %q, want %q", retry1.Error, want)
	}
	// No worker now: the job waits in the broker, then is back in the job
	// queue.
	stop()
	status("waiting for its retry", caselibrary.Queued, "")
	if n := queued(broker.RetryQueue(delay)); n != 1 {
		t.Errorf("%d messages in %s, want the job", n, broker.RetryQueue(delay))
	}
	for queued(broker.JobQueue) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if waited := time.Since(first.Time); waited < delay {
		t.Errorf("back in the job queue %s after the failure, before its %s delay", waited, delay)
	}
	stop = start()
	second := next(broker.Started)
	retry2 := next(broker.Retry)
	if want := "attempt 2 failed: boom; runs again in 800ms"; retry2.Error != want {
		t.Errorf("retry event %q, want %q", retry2.Error, want)
	}
	third := next(broker.Started)
	if waited := third.Time.Sub(second.Time); waited < 2*delay {
		t.Errorf("third attempt %s after the second, before its %s delay", waited, 2*delay)
	}
	if waited := second.Time.Sub(first.Time); waited < delay {
		t.Errorf("second attempt %s after the first, before its %s delay", waited, delay)
	}
	dead := next(broker.Dead)
	if want := "failed 3 times: boom"; dead.Error != want {
		t.Errorf("dead event %q, want %q", dead.Error, want)
	}
	d, ok, err := ch.Get(broker.DeadQueue, true)
	if err != nil || !ok {
		t.Fatalf("dead-letter queue: %v %v", ok, err)
	}
	status("dead-lettered", caselibrary.Failed, "on the workers: failed 3 times: boom")
	if d.MessageId != job || d.Headers[broker.ReasonHeader] != "failed 3 times: boom" || d.Headers[broker.AttemptsHeader] != int32(3) {
		t.Errorf("dead letter %s, headers %v: want %s, 3 attempts and the reason", d.MessageId, d.Headers, job)
	}
	if n := queued(broker.JobQueue) + queued(broker.RetryQueue(delay)) + queued(broker.RetryQueue(2*delay)); n != 0 {
		t.Errorf("%d messages left in the job and delay queues", n)
	}
	if !strings.HasPrefix(d.ContentType, "application/json") {
		t.Errorf("dead letter content type %q", d.ContentType)
	}

	// A job cancelled by its submitter before a worker takes it is
	// acknowledged unrun.
	stop()
	ms, err = jobsubmit.Messages(root, []string{filepath.Join(root, "c1")}, "normal", "cpu", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := jobsubmit.Publish(context.Background(), dial, root, ms, io.Discard, false, false); err != nil {
		t.Fatal(err)
	}
	if ok, err := remotejob.Cancel(&casefile.Case{Dir: filepath.Join(root, "c1")}, ms[0].ID); !ok || err != nil {
		t.Fatalf("Cancel: %v %v", ok, err)
	}
	stop = start()
	if e := next(broker.Cancelled); e.Job != ms[0].ID || e.Error != "cancelled before it started" {
		t.Errorf("cancelled event %+v", e)
	}
	if n := queued(broker.JobQueue); n != 0 {
		t.Errorf("%d messages left in the job queue", n)
	}
}
