package ui

import (
	"context"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/jobqueue"
)

// QueueSource is what the Queue panel reads and changes: the local queue
// (jobqueue.Queue) in the app, a fake in tests.
type QueueSource interface {
	List(ctx context.Context, all bool) ([]jobqueue.Job, error)
	Cancel(ctx context.Context, id int64) error
}

// QueuePanel is the Queue panel: each job waiting, running or ended (most
// urgent first, as `queue list --all`), with its priority, state, progress
// and stage, and Cancel for a job not finished. Refresh reads the queue
// again; the app calls it every second while the panel shows. A job seen
// waiting or running that is then done or failed sends a desktop
// notification.
type QueuePanel struct {
	src  QueueSource
	jobs []jobqueue.Job
	// states is each job's state at the last Refresh.
	states  map[int64]string
	list    *widget.List
	message *widget.Label
}

// NewQueuePanel shows src's jobs.
func NewQueuePanel(src QueueSource) *QueuePanel {
	p := &QueuePanel{src: src, message: widget.NewLabel("")}
	p.list = widget.NewList(
		func() int { return len(p.jobs) },
		func() fyne.CanvasObject {
			bar := widget.NewProgressBar()
			return container.NewHBox(
				fixedWidth(widget.NewLabel("case name here"), 180),
				fixedWidth(widget.NewLabel("urgent"), 70),
				fixedWidth(widget.NewLabel("cancelled"), 90),
				fixedWidth(bar, 140),
				fixedWidth(widget.NewLabel("reconnect_ureter"), 150),
				widget.NewButton("Cancel", nil))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { p.showJob(p.jobs[i], o.(*fyne.Container)) })
	p.Refresh()
	return p
}

// fixedWidth holds o at width w.
func fixedWidth(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.New(layout.NewGridWrapLayout(fyne.NewSize(w, o.MinSize().Height)), o)
}

// showJob fills a row with a job.
func (p *QueuePanel) showJob(j jobqueue.Job, row *fyne.Container) {
	cell := func(i int) fyne.CanvasObject { return row.Objects[i].(*fyne.Container).Objects[0] }
	cell(0).(*widget.Label).SetText(filepath.Base(j.Dir))
	cell(1).(*widget.Label).SetText(j.Priority.String())
	cell(2).(*widget.Label).SetText(j.State)
	cell(3).(*widget.ProgressBar).SetValue(j.Progress)
	note := j.Stage
	if j.Error != "" {
		note = j.Error
	}
	cell(4).(*widget.Label).SetText(note)
	cancel := row.Objects[5].(*widget.Button)
	cancel.OnTapped = func() { p.Cancel(j.ID) }
	if finished(j.State) {
		cancel.Disable()
	} else {
		cancel.Enable()
	}
}

// finished says whether a job's state is final.
func finished(state string) bool {
	return state == jobqueue.Done || state == jobqueue.Failed || state == jobqueue.Cancelled
}

// notifyJob sends the desktop notification of a queue job that ended:
// done or failed (a cancelled one was the user's doing).
func notifyJob(j jobqueue.Job) {
	name := filepath.Base(j.Dir)
	switch j.State {
	case jobqueue.Done:
		notify("kidney3d: "+name+" done", fmt.Sprintf("queue job %d finished", j.ID))
	case jobqueue.Failed:
		notify("kidney3d: "+name+" failed", fmt.Sprintf("queue job %d: %s", j.ID, j.Error))
	}
}

// Content is the panel.
func (p *QueuePanel) Content() fyne.CanvasObject {
	return container.NewBorder(nil, p.message, nil, nil, p.list)
}

// Refresh reads the queue again.
func (p *QueuePanel) Refresh() {
	jobs, err := p.src.List(context.Background(), true)
	if err != nil {
		p.message.SetText("queue: " + err.Error())
		return
	}
	p.jobs = jobs
	waiting := 0
	states := make(map[int64]string, len(jobs))
	for _, j := range jobs {
		states[j.ID] = j.State
		if !finished(j.State) {
			waiting++
		}
		if before, seen := p.states[j.ID]; seen && !finished(before) {
			notifyJob(j)
		}
	}
	p.states = states
	p.message.SetText(fmt.Sprintf("%d job(s) waiting or running, %d in all", waiting, len(jobs)))
	p.list.Refresh()
}

// Cancel cancels a job, then shows the queue again.
func (p *QueuePanel) Cancel(id int64) {
	if err := p.src.Cancel(context.Background(), id); err != nil {
		p.message.SetText(fmt.Sprintf("job %d: %v", id, err))
		return
	}
	p.Refresh()
}

// States are the jobs' states, in order (for tests).
func (p *QueuePanel) States() []string {
	s := make([]string, len(p.jobs))
	for i, j := range p.jobs {
		s[i] = filepath.Base(j.Dir) + " " + j.State
	}
	return s
}
