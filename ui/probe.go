//go:build probe

package ui

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// probeTimeout ends a measuring run that hangs.
const probeTimeout = 15 * time.Minute

// probeTick is how often the probe's ticker calls the UI goroutine.
const probeTick = 10 * time.Millisecond

// How long the probe orbits.
const (
	probeRest = 3 * time.Second
	probeDrag = 4 * time.Second
)

// probeReport is what a measuring run prints.
type probeReport struct {
	Case   string       `json:"case"`
	Window string       `json:"window"` // window size in Fyne units
	Scale  float32      `json:"scale"`
	Phases []probePhase `json:"phases"`
	// SlicesShownS is when the slices of the case were first shown, in
	// seconds from the window's start (the model may come later).
	SlicesShownS float64 `json:"slices_shown_s"`
	Error        string  `json:"error,omitempty"`
}

// probePhase is one part of the run: its length, the event loop's largest
// gap between two 10 ms ticks, and for orbiting the frames shown.
type probePhase struct {
	Name     string  `json:"name"`
	Seconds  float64 `json:"seconds"`
	Ticks    int     `json:"ticks"`
	MaxGapMS float64 `json:"max_gap_ms"`
	P99GapMS float64 `json:"p99_gap_ms"`
	// Frames the painter took during the phase (new images uploaded to the
	// window) and their rate, for the orbit phases.
	Frames int     `json:"frames,omitempty"`
	FPS    float64 `json:"fps,omitempty"`
	// FrameSize is the size of the last frame rendered, in pixels.
	FrameSize string `json:"frame_size,omitempty"`
	// DragEvents is how many drag events the orbit sent.
	DragEvents int `json:"drag_events,omitempty"`

	gaps  []time.Duration
	start time.Time
	p0    int // painted count at the start
}

// probe drives a measuring run; every field is used on the UI goroutine.
type probe struct {
	cw      *CaseWindow
	actions []string
	report  probeReport
	cur     *probePhase
	last    time.Time // the previous tick's callback
	step    func(now time.Time)
	stop    chan struct{}

	started   time.Time // when the window was shown
	deadline  time.Time
	lastNano  atomic.Int64 // p.last, for the stall watch
	dumped    atomic.Bool  // the current stall was dumped
	delivered int          // frames the model view was given
	paintedAt int          // the painted count when the last one was given
	asked     int          // delivered count when the last rest frame was asked
	finished  bool         // the pipeline run ended
	dragging  atomic.Bool
	drags     atomic.Int64
	frameSize string
}

// startProbeFromEnv starts the measuring run that ProbeEnv asks for, if it
// asks for one and the window is not taking a screenshot.
func startProbeFromEnv(cw *CaseWindow) {
	if spec := os.Getenv(ProbeEnv); spec != "" && cw.opts.Screenshot == "" {
		startProbe(cw, spec)
	}
}

// startProbe starts a measuring run of cw for the actions in spec.
func startProbe(cw *CaseWindow, spec string) {
	p := &probe{cw: cw, stop: make(chan struct{}), report: probeReport{Case: cw.opts.Case}}
	for _, a := range strings.Split(spec, ",") {
		if a = strings.TrimSpace(a); a != "" {
			p.actions = append(p.actions, a)
		}
	}
	onFrame := cw.model.OnFrame
	cw.model.OnFrame = func() {
		p.delivered++
		p.paintedAt = cw.model.painted
		b := cw.model.frame.Bounds()
		p.frameSize = fmt.Sprintf("%dx%d", b.Dx(), b.Dy())
		onFrame()
	}
	onFinished := cw.pipe.OnFinished
	cw.pipe.OnFinished = func(err error) {
		p.finished = true
		if err != nil {
			p.report.Error = err.Error()
		}
		onFinished(err)
	}
	p.started = time.Now()
	p.deadline = p.started.Add(probeTimeout)
	p.lastNano.Store(time.Now().UnixNano())
	p.begin("open")
	p.step = p.waitShown(p.next)
	go func() {
		t := time.NewTicker(probeTick)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				fyne.Do(p.tick)
				if d := time.Since(time.Unix(0, p.lastNano.Load())); d > probeStall && !p.dumped.Swap(true) {
					p.dumpMain(d)
				}
			}
		}
	}()
}

// probeStall is how long the UI goroutine may not answer before the
// probe writes its stack to stderr, to show where it is stuck.
const probeStall = 80 * time.Millisecond

// dumpMain writes the stack of goroutine 1, the UI goroutine, to stderr.
func (p *probe) dumpMain(d time.Duration) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine 1 ") {
			fmt.Fprintf(os.Stderr, "probe: UI goroutine has not answered for %v:\n%s\n\n", d.Round(time.Millisecond), g)
		}
	}
}

// tick runs on the UI goroutine every probeTick, when it can.
func (p *probe) tick() {
	now := time.Now()
	if p.cur == nil {
		return
	}
	if !p.last.IsZero() {
		p.cur.gaps = append(p.cur.gaps, now.Sub(p.last))
	}
	p.last = now
	p.lastNano.Store(now.UnixNano())
	p.dumped.Store(false)
	if now.After(p.deadline) {
		p.report.Error = fmt.Sprintf("timed out in phase %s", p.cur.Name)
		p.end()
		return
	}
	p.step(now)
}

// begin ends the current phase and starts one named name.
func (p *probe) begin(name string) {
	p.endPhase()
	p.cur = &probePhase{Name: name, start: time.Now(), p0: p.cw.model.painted}
}

// endPhase adds the current phase to the report.
func (p *probe) endPhase() {
	c := p.cur
	if c == nil {
		return
	}
	p.cur = nil
	c.Seconds = time.Since(c.start).Seconds()
	c.Ticks = len(c.gaps)
	if len(c.gaps) > 0 {
		slices.Sort(c.gaps)
		c.MaxGapMS = ms(c.gaps[len(c.gaps)-1])
		c.P99GapMS = ms(c.gaps[len(c.gaps)*99/100])
	}
	if strings.HasPrefix(c.Name, "orbit_") {
		c.Frames = p.cw.model.painted - c.p0
		c.FPS = float64(c.Frames) / c.Seconds
		c.FrameSize = p.frameSize
	}
	p.report.Phases = append(p.report.Phases, *c)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// shown reports whether the case and a frame of its model are on screen.
func (p *probe) shown() bool {
	m := p.cw.model
	return p.cw.caseShown && p.cw.modelShown && (m.ready || m.src == nil) && m.status.Text == ""
}

// waitShown is a step that waits for the case to be shown, then runs then.
func (p *probe) waitShown(then func()) func(time.Time) {
	return func(now time.Time) {
		if p.report.SlicesShownS == 0 && p.cw.slices.data != nil {
			p.report.SlicesShownS = now.Sub(p.started).Seconds()
		}
		if p.shown() {
			then()
		}
	}
}

// next starts the next action, or ends the run.
func (p *probe) next() {
	if len(p.actions) == 0 {
		p.begin("idle")
		end := time.Now().Add(time.Second)
		p.step = func(now time.Time) {
			if now.After(end) {
				p.end()
			}
		}
		return
	}
	a := p.actions[0]
	p.actions = p.actions[1:]
	switch a {
	case "orbit":
		p.orbit()
	case "pipeline":
		p.pipeline()
	case "open":
		p.next() // only the opening, measured already
	case "repaint":
		p.repaint()
	default:
		p.report.Error = fmt.Sprintf("%s: unknown action %q (want open, orbit, repaint or pipeline)", ProbeEnv, a)
		p.end()
	}
}

// orbit turns the model 5° a frame at full quality, each frame asked once
// the one before is shown, then drags it round.
func (p *probe) orbit() {
	m := p.cw.model
	if !m.ready {
		p.report.Error = "orbit: no 3D model"
		p.end()
		return
	}
	p.fitModel()
	p.begin("orbit_rest")
	p.asked = -1
	end := time.Now().Add(probeRest)
	p.step = func(now time.Time) {
		// The next frame once the one asked for is given and painted.
		if p.delivered > p.asked && m.painted > p.paintedAt {
			m.cam.Yaw += 5
			p.asked = p.delivered
			m.redraw(false)
		}
		if now.After(end) {
			p.drag()
		}
	}
}

// fitModel moves the split bars towards the 3D view size in
// ProbeModelEnv, a few times since the view's caption and the bars' own
// width make the relation inexact.
func (p *probe) fitModel() {
	spec := os.Getenv(ProbeModelEnv)
	if spec == "" {
		return
	}
	var w, h float32
	if _, err := fmt.Sscanf(spec, "%gx%g", &w, &h); err != nil || w < 1 || h < 1 {
		p.report.Error = fmt.Sprintf("%s=%q: want WxH", ProbeModelEnv, spec)
		return
	}
	m, cw := p.cw.model, p.cw
	for range 4 {
		s := m.Size()
		if s.Width < 1 || s.Height < 1 {
			return
		}
		sc := float64(m.scale)
		dw, dh := float64(w)/sc-float64(s.Width), float64(h)/sc-float64(s.Height)
		hs, vs := cw.hsplit.Size(), cw.vsplit.Size()
		cw.hsplit.SetOffset(min(0.95, cw.hsplit.Offset+dw/float64(hs.Width)))
		cw.vsplit.SetOffset(max(0.05, cw.vsplit.Offset-dh/float64(vs.Height)))
	}
	m.redraw(false)
}

// repaint has the painter take the 3D view's frame again as soon as it
// has painted it, for probeRest: how fast the window itself is painted.
func (p *probe) repaint() {
	m := p.cw.model
	p.fitModel()
	p.begin("orbit_repaint")
	last := -1
	end := time.Now().Add(probeRest)
	p.step = func(now time.Time) {
		if m.painted != last {
			last = m.painted
			m.raster.Refresh()
		}
		if now.After(end) {
			p.next()
		}
	}
}

// drag sends left-drag events at 125 per second from a goroutine, as a
// mouse does, for probeDrag, then ends the drag and waits for the
// full-quality frame.
func (p *probe) drag() {
	m := p.cw.model
	p.begin("orbit_drag")
	p.dragging.Store(true)
	m.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	go func() {
		t := time.NewTicker(8 * time.Millisecond)
		defer t.Stop()
		for range t.C {
			if !p.dragging.Load() {
				return
			}
			p.drags.Add(1)
			fyne.Do(func() {
				if p.dragging.Load() {
					m.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DX: 3, DY: 0.5}})
				}
			})
		}
	}()
	end := time.Now().Add(probeDrag)
	p.step = func(now time.Time) {
		if now.After(end) {
			p.dragging.Store(false)
			p.cur.DragEvents = int(p.drags.Load())
			m.DragEnd()
			p.begin("orbit_settle")
			p.step = func(time.Time) {
				full := m.request(false)
				if m.frame.Bounds().Size() == image.Pt(full.Width, full.Height) {
					p.next()
				}
			}
		}
	}
}

// pipeline presses Run and waits for the run and the reload of the case
// that follows it.
func (p *probe) pipeline() {
	p.begin("pipeline")
	p.finished = false
	p.cw.pipe.Run()
	p.step = func(time.Time) {
		if !p.finished {
			return
		}
		p.begin("reload")
		// Open marks the model not shown; wait for it to be again.
		p.step = p.waitShown(p.next)
	}
}

// end prints the report and closes the window.
func (p *probe) end() {
	p.endPhase()
	close(p.stop)
	p.step = func(time.Time) {}
	s := p.cw.win.Canvas().Size()
	p.report.Window = fmt.Sprintf("%gx%g", s.Width, s.Height)
	p.report.Scale = p.cw.win.Canvas().Scale()
	b, _ := json.MarshalIndent(p.report, "", "  ")
	fmt.Fprintln(os.Stdout, string(b))
	p.cw.quit()
}
