package editsession

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/casefile/casefiletest"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

func testCase(t *testing.T) *casefile.Case {
	t.Helper()
	c := casefiletest.New(t)
	lm := volume.New[uint8](volume.Grid{Dims: [3]int{16, 16, 16}, Affine: volume.Identity})
	if err := volume.Save(c.OutputLabelsPath(), lm); err != nil {
		t.Fatal(err)
	}
	return c
}

func paint(label string, x float64) *editops.Op {
	r := 3.0
	return &editops.Op{Op: "paint", Label: label, CenterMM: &[3]float64{x, 8, 8}, RadiusMM: &r}
}

// paintedSession opens a session on a fresh test case and paints one
// tumour stroke.
func paintedSession(t *testing.T) (*casefile.Case, *labels.Table, *Session) {
	t.Helper()
	c := testCase(t)
	table := labels.Default()
	s, err := Open(c, table, Refuse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Do(paint("tumor", 5)); err != nil {
		t.Fatal(err)
	}
	return c, table, s
}

// TestCrashRecovery: strokes, an undo and a redo are journaled; a session
// that ends without saving leaves them, Open refuses until told, and
// Recover rebuilds the same map and history.
func TestCrashRecovery(t *testing.T) {
	c := testCase(t)
	table := labels.Default()
	s, err := Open(c, table, Refuse)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []*editops.Op{paint("tumor", 5), paint("cyst", 8), paint("artery", 11)} {
		if _, err := s.Do(op); err != nil {
			t.Fatal(err)
		}
	}
	s.Undo()
	s.Undo()
	s.Redo()
	want := s.Labels.Clone()
	s.Close() // as a crash: nothing saved

	var unsaved *UnsavedError
	if _, err := Open(c, table, Refuse); !errors.As(err, &unsaved) || unsaved.Strokes != 6 || unsaved.Base != 0 {
		t.Fatalf("reopen: %v, want 6 unsaved strokes on version 0", err)
	}
	s, err = Open(c, table, Recover)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Labels.Data, want.Data) || s.Recovered != 6 {
		t.Fatalf("recovered %d strokes; map restored %v", s.Recovered, bytes.Equal(s.Labels.Data, want.Data))
	}
	// The recovered strokes undo like any others, back to the pipeline's map.
	for range 6 {
		s.Undo()
	}
	for _, v := range s.Labels.Data {
		if v != 0 {
			t.Fatal("undoing every recovered stroke did not give back the pipeline's map")
		}
	}
	for range 6 {
		s.Redo()
	}
	v, err := s.Save(editversions.Saver{Author: "t", Time: time.Now()})
	if err != nil || v.Version != 1 {
		t.Fatalf("save: %v %+v", err, v)
	}
	// Compacted: the journal holds only the save, then what follows it.
	saved := edithistory.Record{Kind: edithistory.Saved, Version: 1}
	if recs, err := edithistory.Read(c.JournalPath()); err != nil || !reflect.DeepEqual(recs, []edithistory.Record{saved}) {
		t.Fatalf("journal after the save: %+v, %v; want only the save", recs, err)
	}
	if _, err := s.Do(paint("cyst", 2)); err != nil {
		t.Fatal(err)
	}
	after := s.Labels.Clone()
	s.Close()
	if recs, _ := edithistory.Read(c.JournalPath()); len(recs) != 2 || recs[0] != saved || recs[1].Tool != "paint" {
		t.Fatalf("journal after the save and a stroke: %+v", recs)
	}
	_, err = Open(c, table, Refuse)
	if !errors.As(err, &unsaved) || unsaved.Strokes != 1 || unsaved.Base != 1 {
		t.Fatalf("after save and a stroke, reopen: %v", err)
	}
	s, err = Open(c, table, Recover)
	if err != nil || !bytes.Equal(s.Labels.Data, after.Data) || s.Base != 1 || s.Recovered != 1 {
		t.Fatalf("after save and a stroke, recover: %v, base %d", err, s.Base)
	}
	if _, err := s.Revert(0, editversions.Saver{Author: "t", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if recs, err := edithistory.Read(c.JournalPath()); err != nil || !reflect.DeepEqual(recs, []edithistory.Record{{Kind: edithistory.Saved, Version: 2}}) {
		t.Errorf("journal after the revert: %+v, %v; want only the save", recs, err)
	}
	s.Close()
	v0, err := editversions.Labels(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(c, table, Refuse)
	if err != nil || !bytes.Equal(s.Labels.Data, v0.Data) || s.Base != 2 {
		t.Fatalf("after the revert to 0, reopen: %v, base %d", err, s.Base)
	}
	s.Close()
}

// TestCutJournalKeepsGoodStrokes: a record cut mid-write is reported and
// dropped; the strokes before it are recovered.
func TestCutJournalKeepsGoodStrokes(t *testing.T) {
	c, table, s := paintedSession(t)
	after1 := s.Labels.Clone()
	s.Do(paint("cyst", 10))
	s.Close()
	data, _ := os.ReadFile(c.JournalPath())
	os.WriteFile(c.JournalPath(), data[:len(data)-3], 0o644)
	s, err := Open(c, table, Recover)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Cut == nil || s.Recovered != 1 || !bytes.Equal(s.Labels.Data, after1.Data) {
		t.Fatalf("cut %v, recovered %d", s.Cut, s.Recovered)
	}
	if !strings.Contains(s.Cut.Error(), "cut short") {
		t.Errorf("cut reported as %q", s.Cut)
	}
}

// TestCutJournalWithNoStroke: a journal whose only record is cut opens,
// with the cut reported.
func TestCutJournalWithNoStroke(t *testing.T) {
	c := testCase(t)
	s, _ := Open(c, labels.Default(), Refuse)
	s.Close()
	f, _ := os.OpenFile(c.JournalPath(), os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{9, 0, 0})
	f.Close()
	s, err := Open(c, labels.Default(), Refuse)
	if err != nil || s.Cut == nil || s.Cut.Offset != 8 {
		t.Fatalf("open: %v, cut %v", err, s.Cut)
	}
	s.Close()
}

// TestSavedButNotJournaled: strokes whose version was saved by a session
// stopped before it journaled the save are not offered again.
func TestSavedButNotJournaled(t *testing.T) {
	c, table, s := paintedSession(t)
	if _, err := editversions.Save(c, s.Labels, table, editversions.Saver{Author: "t"}); err != nil {
		t.Fatal(err)
	}
	want := s.Labels.Clone()
	s.Close()
	s, err := Open(c, table, Refuse)
	if err != nil || s.Base != 1 || !bytes.Equal(s.Labels.Data, want.Data) {
		t.Fatalf("reopen: %v, base %d", err, s.Base)
	}
	s.Close()
}

func TestDiscardAndNoOutput(t *testing.T) {
	c, table, s := paintedSession(t)
	s.Close()
	s, err := Open(c, table, Discard)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(c, table, Refuse)
	if err != nil || s.Recovered != 0 {
		t.Fatalf("after discard: %v", err)
	}
	for _, v := range s.Labels.Data {
		if v != 0 {
			t.Fatal("a discarded stroke came back")
		}
	}
	s.Close()
	os.Remove(c.OutputLabelsPath())
	if _, err := Open(c, table, Refuse); err == nil || !strings.Contains(err.Error(), "run `kidney3d run") {
		t.Errorf("no label map: %v", err)
	}
}

// TestIntensityAndThreshold: the threshold op reads the reference phase on
// the label map's grid; a phase the pipeline has not registered is refused
// by name, and a phase on another grid too.
func TestIntensityAndThreshold(t *testing.T) {
	c := testCase(t)
	g := volume.Grid{Dims: [3]int{16, 16, 16}, Affine: volume.Identity}
	a := volume.New[int16](g)
	for n := range a.Data {
		i, _, _ := a.Coords(n)
		a.Data[n] = int16(100 * i)
	}
	if err := volume.Save(c.PhasePath("A"), a); err != nil {
		t.Fatal(err)
	}
	s, err := Open(c, labels.Default(), Refuse)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hu := [2]float64{250, 450}
	e, err := s.Do(&editops.Op{Op: "threshold", Label: "artery", HU: &hu})
	if err != nil || e.Voxels() != 2*16*16 {
		t.Fatalf("threshold 250–450 on x·100: %v, %d voxels; want 512 (x = 3, 4)", err, e.Voxels())
	}
	if _, err := s.Do(&editops.Op{Op: "threshold", Label: "artery", HU: &hu, Phase: "D"}); err == nil || !strings.Contains(err.Error(), `phase "D": no registered image`) {
		t.Errorf("unregistered phase: %v", err)
	}
	moved := volume.New[int16](volume.Grid{Dims: g.Dims, Affine: g.Affine.Translated([3]float64{5, 0, 0})})
	os.MkdirAll(filepath.Join(c.Dir, "work", "register_P"), 0o755)
	volume.Save(c.ArtefactPath("register_P", "registered/P"), moved)
	if _, err := s.Intensity("P"); err == nil || !strings.Contains(err.Error(), "not on the label map's grid") {
		t.Errorf("phase on another grid: %v", err)
	}
}
