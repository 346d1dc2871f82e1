// Package jobsubmit is `kidney3d submit`: it turns case folders under the
// workers' shared root into job messages (package workmsg), records each
// as queued in its case's remote-job.json (package remotejob, which the
// case library reads), publishes them to RabbitMQ (package broker), and
// may follow their progress events until each job ends.
package jobsubmit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/remotejob"
	"kidney3d/pipeline/workmsg"
)

// Messages makes the job message of each case folder, which must lie
// under root (checked as a worker checks it: workmsg.Resolve).
func Messages(root string, cases []string, priority, device string, now time.Time) ([]workmsg.Message, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var ms []workmsg.Message
	for _, c := range cases {
		abs, err := filepath.Abs(c)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(absRoot, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s: not under the workers' root %s", c, root)
		}
		rel = filepath.ToSlash(rel)
		if _, err := workmsg.Resolve(absRoot, rel); err != nil {
			return nil, err
		}
		m := workmsg.Message{Version: workmsg.Version, ID: newID(now), Case: rel, Priority: priority, Device: device, Submitted: now.UTC()}
		if err := m.Check(); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// newID is a job ID: the time and 8 random hex digits.
func newID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000") + "-" + hex.EncodeToString(b[:])
}

// Publish publishes the jobs, writing one line for each to w; with watch,
// it then writes their progress events until every job has ended, and
// fails if one was dead-lettered. With asJSON each line is a broker.Event
// in JSON, the jobs published being Submitted events.
func Publish(ctx context.Context, dial func() (*amqp.Connection, error), root string, ms []workmsg.Message, w io.Writer, watch, asJSON bool) error {
	prio := map[string]string{}
	for _, m := range ms {
		prio[m.ID] = m.Priority
	}
	return Submit(ctx, dial, root, ms, watch, func(e broker.Event) {
		if e.State == broker.Submitted && !asJSON {
			fmt.Fprintf(w, "job %s: %s (%s)\n", e.Job, e.Case, prio[e.Job])
			return
		}
		writeEvent(w, e, asJSON)
	})
}

// Submit publishes the jobs, passing a Submitted event for each to on;
// with watch, it then passes on their progress events until every job
// has ended, and fails if one was dead-lettered. When the broker goes
// away while it watches, it connects again (dial) and goes on; the end of
// a job whose event was lost meanwhile is found in its case's lease under
// root (package caselease).
func Submit(ctx context.Context, dial func() (*amqp.Connection, error), root string, ms []workmsg.Message, watch bool, on func(broker.Event)) error {
	conn, err := dial()
	if err != nil {
		return err
	}
	conns := []*amqp.Connection{conn}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	ch, err := broker.Channel(conn)
	if err != nil {
		return err
	}
	var events <-chan broker.Event
	if watch {
		// Bound before publishing, so that no event is missed.
		if events, err = broker.Watch(ch); err != nil {
			return err
		}
	}
	pending := map[string]workmsg.Message{}
	for _, m := range ms {
		if err := publish(ctx, ch, root, m); err != nil {
			return err
		}
		pending[m.ID] = m
		on(broker.Event{Job: m.ID, Case: m.Case, State: broker.Submitted, Time: m.Submitted, Submitted: m.Submitted})
	}
	if !watch {
		return nil
	}
	rewatch := func() (<-chan broker.Event, error) {
		conn, err := dial()
		if err != nil {
			return nil, err
		}
		conns = append(conns, conn)
		ch, err := conn.Channel()
		if err != nil {
			return nil, err
		}
		return broker.Watch(ch)
	}
	return follow(ctx, events, rewatch, root, pending, on)
}

// publish records the job as queued in its case (remote-job.json, so
// that the case library shows it), then publishes it; a job the broker
// did not take is recorded as failed.
func publish(ctx context.Context, ch *amqp.Channel, root string, m workmsg.Message) error {
	c, err := casefile.Open(filepath.Join(root, filepath.FromSlash(m.Case)))
	if err != nil {
		return err
	}
	st := remotejob.State{Job: m.ID, Priority: m.Priority, Submitted: m.Submitted, State: remotejob.Queued}
	if err := remotejob.Write(c, st); err != nil {
		return fmt.Errorf("job %s: %w", m.ID, err)
	}
	if err := broker.PublishJob(ctx, ch, m, nil); err != nil {
		err = fmt.Errorf("job %s (%s): not published: %w", m.ID, m.Case, err)
		st.State, st.Reason = remotejob.Failed, err.Error()
		return errors.Join(err, remotejob.Write(c, st))
	}
	return nil
}

// Cancel cancels the job last submitted for a case folder (its
// remote-job.json, package remotejob) and returns its ID; its worker skips
// it, or stops it within a second.
func Cancel(dir string) (string, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return "", err
	}
	s, ok, err := remotejob.Read(c)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", fmt.Errorf("%s: no job submitted (no %s)", dir, filepath.Base(c.RemoteJobPath()))
	}
	if l, err := caselease.Read(dir); err == nil && l.Done == s.Job {
		return s.Job, fmt.Errorf("%s: job %s finished already", dir, s.Job)
	}
	done, err := remotejob.Cancel(c, s.Job)
	if err == nil && !done {
		err = fmt.Errorf("%s: job %s is %s already", dir, s.Job, s.State)
	}
	return s.Job, err
}

// leaseCheck is how often follow looks in the leases of the jobs it waits
// for.
var leaseCheck = 5 * time.Second

// follow passes on the pending jobs' events until each has ended: a final
// event, or its case's lease naming it as done. When events closes (the
// connection lost), rewatch is tried with a doubling backoff.
func follow(ctx context.Context, events <-chan broker.Event, rewatch func() (<-chan broker.Event, error), root string,
	pending map[string]workmsg.Message, on func(broker.Event)) error {
	tick := time.NewTicker(leaseCheck)
	defer tick.Stop()
	backoff := 250 * time.Millisecond
	var retry <-chan time.Time
	dead := 0
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-events:
			if !ok {
				events, retry = nil, time.After(backoff)
				continue
			}
			if _, mine := pending[e.Job]; !mine {
				continue
			}
			on(e)
			if e.Final() {
				delete(pending, e.Job)
				if e.State == broker.Dead {
					dead++
				}
			}
		case <-retry:
			var err error
			if events, err = rewatch(); err != nil {
				backoff = min(2*backoff, 10*time.Second)
				retry = time.After(backoff)
				continue
			}
			retry, backoff = nil, 250*time.Millisecond
		case <-tick.C:
			for id, m := range pending {
				s, err := caselease.Read(filepath.Join(root, filepath.FromSlash(m.Case)))
				if err == nil && s.Done == id {
					// Its event was lost with the connection.
					on(broker.Event{Job: id, Case: m.Case, Worker: "(lease)", State: broker.Done, Fraction: 1,
						Time: time.Now().UTC(), Submitted: m.Submitted})
					delete(pending, id)
				}
			}
		}
	}
	if dead > 0 {
		return fmt.Errorf("%d job(s) dead-lettered", dead)
	}
	return nil
}

// writeEvent writes an event as one line of text or JSON.
func writeEvent(w io.Writer, e broker.Event, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(e)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	line := fmt.Sprintf("%s job %s (%s) %s: %s", e.Time.Local().Format("15:04:05"), e.Job, e.Case, e.Worker, e.State)
	if e.Stage != "" {
		line += fmt.Sprintf(" %s %s %3.0f%%", e.Stage, e.StageState, 100*e.Fraction)
	}
	if e.Error != "" {
		line += ": " + e.Error
	}
	fmt.Fprintln(w, line)
}
