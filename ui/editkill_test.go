package ui

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// killChildEnv names the case folder of TestEditKilledWindowRecovers'
// child process: set, the test is the child that edits until killed.
const killChildEnv = "KIDNEY3D_EDIT_KILL_CHILD"

// TestEditKilledWindowRecovers runs a window editing a case in a child
// process (this test binary again, driving the Edit panel through Fyne's
// test driver) which prints the SHA-256 of its label map after each
// stroke the panel reports done, and kills it with SIGKILL after the
// fifth while it goes on editing. Opening the case again offers the
// unsaved strokes; Recover restores the map of the last stroke the child
// committed, exactly.
func TestEditKilledWindowRecovers(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		editUntilKilled(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEditKilledWindowRecovers$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	hashes := map[int]string{} // the map after stroke n
	lines := bufio.NewScanner(out)
	for len(hashes) < 5 && lines.Scan() {
		stroke(t, lines.Text(), hashes)
	}
	if len(hashes) < 5 {
		t.Fatalf("the child stopped after %d strokes", len(hashes))
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for lines.Scan() { // what it printed before the kill
		stroke(t, lines.Text(), hashes)
	}
	cmd.Wait()
	last := len(hashes)

	d := testCaseData(t)
	d.dir = dir
	cw, _ := caseWindowOf(t, d)
	top := cw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("opening the killed window's case offered no recovery")
	}
	recover := findButton(top, "Recover")
	if recover == nil {
		t.Fatal("the recovery dialog has no Recover button")
	}
	test.Tap(recover)
	ed := cw.edit.ed
	if ed == nil {
		t.Fatalf("Recover did not start editing: %s", cw.edit.status.Text)
	}
	n := ed.session.Recovered
	t.Logf("the child printed %d strokes done before the kill; %d recovered", last, n)
	switch {
	case n == last:
	case n == last+1: // committed, then killed before it printed
		cw.edit.Undo()
		if h := mapHash(ed.shown.Data); h != hashes[last] {
			t.Errorf("recovered %d strokes; undoing the last: map %s, the child had %s after stroke %d", n, h, hashes[last], last)
		}
		cw.edit.Redo()
		return
	default:
		t.Fatalf("recovered %d strokes, the child reported %d done", n, last)
	}
	if h := mapHash(ed.shown.Data); h != hashes[n] {
		t.Errorf("recovered %d strokes: map %s, the child had %s", n, h, hashes[n])
	}
	if !strings.Contains(cw.edit.status.Text, fmt.Sprintf("recovered %d unsaved stroke(s)", n)) {
		t.Errorf("status %q", cw.edit.status.Text)
	}
}

// stroke records a child's line "stroke N HASH".
func stroke(t *testing.T, line string, hashes map[int]string) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "stroke" {
		return // the test framework's own
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n != len(hashes)+1 {
		t.Fatalf("child said %q after %d strokes", line, len(hashes))
	}
	hashes[n] = f[2]
}

// editUntilKilled is the child: it edits the case in dir (written as
// caseWindowOf writes it) stroke after stroke (paint drags of the cyst,
// erasing taps, every fourth Ctrl+Z), printing after each one done the
// hash of the map.
func editUntilKilled(t *testing.T, dir string) {
	d := testCaseData(t)
	d.dir = dir
	cw, _, _ := editWindowOf(t, d)
	ed, v := cw.edit, cw.slices.views[0]
	ed.label.SetSelected("cyst")
	ed.radius = 2.5
	done := 0
	changed := ed.OnChanged
	ed.OnChanged = func(b block, ok bool) {
		changed(b, ok)
		if ok {
			done++
			fmt.Printf("stroke %d %s\n", done, mapHash(ed.ed.shown.Data))
		}
	}
	for n := 0; n < 10000; n++ {
		i := 2 + n/3%12
		switch {
		case n%4 == 3:
			shortcut(cw, fyne.KeyZ, 0)
		case n%2 == 0:
			ed.SetTool("paint")
			for j := 1; j < 15; j += 3 {
				v.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: at(v, i, j)}})
			}
			v.DragEnd()
		default:
			ed.SetTool("erase")
			test.TapAt(v, at(v, i, 7))
		}
		settleSlices(t, cw)
	}
	t.Fatal("not killed")
}

// mapHash is the SHA-256 of a label map's voxels, in hex.
func mapHash(data []uint8) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

// findButton is the button with the text in o's tree of objects, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}
