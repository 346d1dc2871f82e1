package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/orchestrate"
)

// RunFunc runs the pipeline on a case; caserun.Run in the app, a fake in
// tests.
type RunFunc func(ctx context.Context, dir string, opts caserun.Options, stdout, stderr io.Writer) error

// PipelinePanel runs and cancels the case's pipeline and shows each
// stage's state, progress and time, the run's error and the case log.
type PipelinePanel struct {
	dir string
	run RunFunc
	// serverRun runs the case on the scale-out workers (SetServerRun);
	// remote says whether the current run is one of those.
	serverRun RunFunc
	remote    bool
	cancel    context.CancelFunc
	// cancelled is set when the user cancelled the running run.
	cancelled bool
	done      chan struct{} // closed when the current run ends
	start     time.Time

	stages    map[string]*stageRow
	order     []string
	rows      *fyne.Container
	runBtn    *widget.Button
	serverBtn *widget.Button // nil without SetServerRun
	stopBtn   *widget.Button
	buttons   *fyne.Container
	status    *widget.Label
	log       *widget.List
	lines     []string // the case log's last lines, formatted
	content   fyne.CanvasObject
	// OnFinished is called on the UI goroutine when a run ends; err is nil
	// on success.
	OnFinished func(err error)
}

// stageRow is one stage's line.
type stageRow struct {
	state *widget.Label
	bar   *widget.ProgressBar
	time  *widget.Label
}

// NewPipelinePanel makes the panel; run is the pipeline to call.
func NewPipelinePanel(run RunFunc) *PipelinePanel {
	p := &PipelinePanel{run: run, stages: map[string]*stageRow{}}
	p.runBtn = widget.NewButton("Run pipeline", p.Run)
	p.stopBtn = widget.NewButton("Cancel", p.Cancel)
	p.stopBtn.Disable()
	p.runBtn.Disable()
	p.status = widget.NewLabel("no case open")
	p.status.Wrapping = fyne.TextWrapWord
	p.rows = container.NewVBox()
	// A list draws only the lines in view, and each is one line of fixed
	// height: a wrapped multi-line label was measured again on every frame
	// of the window, which stalled the UI goroutine.
	p.log = widget.NewList(func() int { return len(p.lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle.Monospace = true
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.lines[i]) })
	p.buttons = container.NewHBox(p.runBtn, p.stopBtn)
	top := container.NewVBox(p.buttons, p.status, p.rows, widget.NewSeparator(), widget.NewLabel("Case log"))
	p.content = container.NewBorder(top, nil, nil, nil, p.log)
	return p
}

// SetServerRun adds "Run on server", which runs the case with run (the
// app's ServerRun) and shows its progress as a local run's.
func (p *PipelinePanel) SetServerRun(run RunFunc) {
	p.serverRun = run
	if p.serverBtn == nil {
		p.serverBtn = widget.NewButton("Run on server", p.RunOnServer)
		p.buttons.Objects = []fyne.CanvasObject{p.runBtn, p.serverBtn, p.stopBtn}
		p.buttons.Refresh()
	}
	p.enableRun(p.dir != "" && !p.Running())
}

// enableRun enables or disables the run buttons.
func (p *PipelinePanel) enableRun(on bool) {
	for _, b := range []*widget.Button{p.runBtn, p.serverBtn} {
		switch {
		case b == nil:
		case on:
			b.Enable()
		default:
			b.Disable()
		}
	}
}

// Content is the panel's canvas object.
func (p *PipelinePanel) Content() fyne.CanvasObject { return p.content }

// SetCase selects the case the Run button runs; the status goes back to
// "ready" when the case is another one.
func (p *PipelinePanel) SetCase(dir string) {
	if dir != p.dir {
		p.status.SetText("ready")
	}
	p.dir = dir
	p.enableRun(!p.Running())
	p.refreshLog()
}

// Running reports whether a run is under way.
func (p *PipelinePanel) Running() bool { return p.cancel != nil }

// Run starts the pipeline in a goroutine.
func (p *PipelinePanel) Run() { p.startRun(p.run, false) }

// RunOnServer submits the case to the scale-out workers and follows its
// job (SetServerRun).
func (p *PipelinePanel) RunOnServer() {
	if p.serverRun != nil {
		p.startRun(p.serverRun, true)
	}
}

// startRun runs run in a goroutine, its events shown as they come.
func (p *PipelinePanel) startRun(run RunFunc, remote bool) {
	if p.dir == "" || p.Running() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done, p.start, p.cancelled, p.remote = cancel, make(chan struct{}), time.Now(), false, remote
	p.stages, p.order = map[string]*stageRow{}, nil
	p.rows.RemoveAll()
	p.enableRun(false)
	p.stopBtn.Enable()
	p.status.SetText("running…")
	if remote {
		p.status.SetText("submitting to the server…")
	}
	dir, done := p.dir, p.done
	opts := caserun.Options{Device: "auto", Events: func(e orchestrate.Event) {
		fyne.Do(func() { p.event(e) })
	}}
	go func() {
		defer close(done)
		err := run(ctx, dir, opts, io.Discard, io.Discard)
		fyne.Do(func() { p.finished(err) })
	}()
}

// Cancel stops the run; stages stop at their next cancellation point.
func (p *PipelinePanel) Cancel() {
	if p.cancel != nil {
		p.cancel()
		p.cancelled = true
		p.status.SetText("cancelling…")
		if p.remote {
			p.status.SetText("cancelling the job on the server…")
		}
		p.stopBtn.Disable()
	}
}

// CancelAndWait cancels the run and calls then on the UI goroutine once it
// has ended.
func (p *PipelinePanel) CancelAndWait(then func()) {
	if !p.Running() {
		then()
		return
	}
	done := p.done
	p.Cancel()
	go func() {
		<-done
		fyne.Do(then)
	}()
}

// event shows one progress event.
func (p *PipelinePanel) event(e orchestrate.Event) {
	r, ok := p.stages[e.Stage]
	if !ok {
		r = &stageRow{state: widget.NewLabel(""), bar: widget.NewProgressBar(), time: widget.NewLabel("")}
		r.bar.TextFormatter = func() string { return "" } // the state and time say it beside the bar
		p.stages[e.Stage] = r
		p.order = append(p.order, e.Stage)
		name := widget.NewLabel(e.Stage)
		p.rows.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(220, name.MinSize().Height), container.NewHBox(name, r.state)), r.time, r.bar))
	}
	state := string(e.State)
	if e.Message != "" {
		state += ": " + e.Message
	}
	r.state.SetText(state)
	frac := e.Fraction
	switch e.State {
	case orchestrate.Done, orchestrate.Reused, orchestrate.Given:
		frac = 1
	}
	r.bar.SetValue(frac)
	t := fmt.Sprintf("%.1f s", e.Elapsed)
	if e.Estimate > 0 {
		t += fmt.Sprintf(" (%.0f s left)", e.Estimate)
	}
	r.time.SetText(t)
	where := ""
	if p.remote {
		where = " on the server"
	}
	p.status.SetText(fmt.Sprintf("running%s… %s", where, time.Since(p.start).Round(time.Second)))
	p.refreshLog()
}

// finished shows the run's outcome.
func (p *PipelinePanel) finished(err error) {
	p.cancel = nil
	p.enableRun(true)
	p.stopBtn.Disable()
	took := time.Since(p.start).Round(100 * time.Millisecond)
	if p.remote {
		p.finishedRemote(err, took)
	} else {
		p.finishedLocal(err, took)
	}
	p.refreshLog()
	if p.OnFinished != nil {
		p.OnFinished(err)
	}
}

// finishedLocal says how a local run ended.
func (p *PipelinePanel) finishedLocal(err error, took time.Duration) {
	switch {
	case err != nil && (p.cancelled || errors.Is(err, context.Canceled)):
		p.status.SetText(fmt.Sprintf("cancelled after %s: the stages that finished are kept; Run goes on from there", took))
	case err != nil:
		p.status.SetText(fmt.Sprintf("failed after %s: %v. The case log below says more; fix the cause and press Run again (finished stages are kept)", took, err))
	default:
		p.status.SetText(fmt.Sprintf("finished in %s", took))
	}
}

// finishedRemote says how a remote job ended, in the panel and in a
// desktop notification: done or failed (a cancelled job, the user's
// doing, is not notified).
func (p *PipelinePanel) finishedRemote(err error, took time.Duration) {
	name := filepath.Base(p.dir)
	switch {
	case err != nil && (p.cancelled || errors.Is(err, context.Canceled)):
		p.status.SetText(fmt.Sprintf("cancelled after %s: the server stops the job within a second or two; the stages that finished are kept", took))
	case err != nil:
		p.status.SetText(fmt.Sprintf("failed after %s: %v", took, err))
		notify("kidney3d: "+name+" failed", err.Error())
	default:
		p.status.SetText(fmt.Sprintf("finished on the server in %s", took))
		notify("kidney3d: "+name+" done", "finished on the server")
	}
}

// logLines is how many lines of log.jsonl the panel shows.
const logLines = 40

// refreshLog reads the tail of the case log off the UI goroutine.
func (p *PipelinePanel) refreshLog() {
	if p.dir == "" {
		return
	}
	path := (&casefile.Case{Dir: p.dir}).LogPath()
	go func() {
		lines := strings.Split(tailLines(path, logLines), "\n")
		for i, l := range lines {
			lines[i] = formatLogLine(l)
		}
		if len(lines) == 1 && lines[0] == "" {
			lines = nil
		}
		fyne.Do(func() {
			if slices.Equal(lines, p.lines) {
				return
			}
			p.lines = lines
			p.log.Refresh()
			p.log.ScrollToBottom()
		})
	}()
}

// formatLogLine shows one slog JSON line of the case log as "15:04:05
// INFO stage: message key=value …", in local time; a line that is not a
// JSON object is shown as it is.
func formatLogLine(line string) string {
	var rec map[string]any
	if json.Unmarshal([]byte(line), &rec) != nil || rec == nil {
		return line
	}
	var b strings.Builder
	if s, ok := rec["time"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			s = t.Local().Format("15:04:05")
		}
		b.WriteString(s + " ")
	}
	if s, ok := rec["level"].(string); ok {
		fmt.Fprintf(&b, "%-5s ", s)
	}
	if s, ok := rec["stage"].(string); ok && s != "" {
		b.WriteString(s + ": ")
	}
	fmt.Fprint(&b, rec["msg"])
	keys := make([]string, 0, len(rec))
	for k := range rec {
		switch k {
		case "time", "level", "stage", "msg", "case":
		default:
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch v := rec[k].(type) {
		case float64:
			fmt.Fprintf(&b, " %s=%.4g", k, v)
		case string:
			if strings.ContainsAny(v, " \"=") {
				v = strconv.Quote(v)
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		default:
			j, _ := json.Marshal(v)
			fmt.Fprintf(&b, " %s=%s", k, j)
		}
	}
	return b.String()
}

// tailLines is the last n lines of a file, or "" when it cannot be read.
func tailLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(0, st.Size()-window)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // the first one is cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
