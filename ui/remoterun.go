package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/jobsubmit"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/remotejob"
)

// serverRow is the pipeline panel's row of a remote job itself: queued,
// running on a worker, retried, done or dead-lettered.
const serverRow = "server"

// ServerRun is a RunFunc that submits the case to the scale-out workers
// (package jobsubmit, as `kidney3d submit --watch` does) with the settings
// it reads at each run, and passes the job's progress on as the pipeline
// panel's events: a serverRow for the job and a row per stage the worker
// runs. It returns when the job is done, with its reason when it was
// dead-lettered. When ctx ends (Cancel), it cancels the job in the case's
// remote-job.json, which the worker reads every second, follows it up to
// cancelWait longer to show it stop, and returns ctx's error.
func ServerRun(settings func() ServerSettings) RunFunc {
	return func(ctx context.Context, dir string, opts caserun.Options, _, _ io.Writer) error {
		s := settings()
		if err := s.check(); err != nil {
			return err
		}
		device := opts.Device
		if device == "" {
			device = "auto"
		}
		ms, err := jobsubmit.Messages(s.Root, []string{dir}, "normal", device, time.Now())
		if err != nil {
			return err
		}
		r := &remoteEvents{to: opts.Events, start: time.Now()}
		follow, stop := context.WithCancel(context.Background())
		defer stop()
		go func() {
			select {
			case <-follow.Done():
			case <-ctx.Done():
				if _, err := remotejob.Cancel(&casefile.Case{Dir: dir}, ms[0].ID); err != nil {
					fyne.LogError("cancelling the remote job", err)
				}
				time.AfterFunc(cancelWait, stop)
			}
		}()
		err = jobsubmit.Submit(follow, s.config().Dial, s.Root, ms, true, r.event)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case r.dead != "":
			return errors.New("on the server: " + r.dead)
		}
		return err
	}
}

// cancelWait is how long a cancelled remote job is followed to show it
// stop.
const cancelWait = 5 * time.Second

// remoteEvents turns a remote job's events into the panel's.
type remoteEvents struct {
	to    func(orchestrate.Event)
	start time.Time
	// stageStart is when each stage was first reported.
	stageStart map[string]time.Time
	dead       string // the reason the job was dead-lettered
}

func (r *remoteEvents) event(e broker.Event) {
	if r.to == nil {
		return
	}
	job := func(state orchestrate.State, msg string) {
		r.to(orchestrate.Event{Stage: serverRow, State: state, Elapsed: time.Since(r.start).Seconds(), Message: msg})
	}
	switch e.State {
	case broker.Submitted:
		job(orchestrate.Queued, "job "+e.Job)
	case broker.Started:
		job(orchestrate.Running, "on "+e.Worker)
	case broker.Progress:
		if r.stageStart == nil {
			r.stageStart = map[string]time.Time{}
		}
		if _, ok := r.stageStart[e.Stage]; !ok {
			r.stageStart[e.Stage] = time.Now()
		}
		state := orchestrate.State(e.StageState)
		if state == "" {
			state = orchestrate.Running
		}
		r.to(orchestrate.Event{Stage: e.Stage, State: state, Fraction: e.Fraction,
			Elapsed: time.Since(r.stageStart[e.Stage]).Seconds(), Message: e.Error})
	case broker.Retry:
		job(orchestrate.Queued, e.Error)
	case broker.Done:
		job(orchestrate.Done, "by "+e.Worker)
	case broker.Skipped:
		job(orchestrate.Done, fmt.Sprintf("by %s: %s", e.Worker, e.Error))
	case broker.Cancelled:
		job(orchestrate.Cancelled, e.Error)
	case broker.Dead:
		r.dead = e.Error
		job(orchestrate.Failed, e.Error)
	}
}
