package caserun

import (
	"fmt"
	"io"
	"os"
	"strings"

	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
)

// bar draws progress for a person: on a terminal, one live line for the
// running stage that is replaced by a permanent line when it ends; in a log
// (not a terminal), only the permanent lines.
type bar struct {
	w     io.Writer
	live  bool
	width int // of the stage-name column
	shown bool
}

func newBar(w io.Writer, names []string) *bar {
	b := &bar{w: w, width: 8}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.live = true
		}
	}
	for _, n := range names {
		b.width = max(b.width, len(n))
	}
	return b
}

func stageNames(stages []stage.Stage) []string {
	var out []string
	for _, s := range stages {
		out = append(out, s.Name())
	}
	return out
}

// update renders one event.
func (b *bar) update(e orchestrate.Event) {
	switch e.State {
	case orchestrate.Queued:
		return
	case orchestrate.Running:
		if !b.live {
			return
		}
		const cells = 24
		n := int(e.Fraction * cells)
		eta := ""
		if e.Estimate > 0 {
			eta = fmt.Sprintf(" ~%.0fs left", e.Estimate)
		}
		fmt.Fprintf(b.w, "\r\033[K%-*s [%s%s] %3.0f%% %5.1fs%s", b.width, e.Stage,
			strings.Repeat("█", n), strings.Repeat("·", cells-n), 100*e.Fraction, e.Elapsed, eta)
		b.shown = true
		return
	}
	b.clear()
	line := fmt.Sprintf("%-*s %-9s", b.width, e.Stage, e.State)
	if e.Elapsed > 0 {
		line += fmt.Sprintf(" %6.1fs", e.Elapsed)
	}
	if e.Message != "" {
		line += "  " + e.Message
	}
	fmt.Fprintln(b.w, line)
}

// clear removes the live line.
func (b *bar) clear() {
	if b.live && b.shown {
		fmt.Fprint(b.w, "\r\033[K")
		b.shown = false
	}
}

func (b *bar) finish() { b.clear() }
