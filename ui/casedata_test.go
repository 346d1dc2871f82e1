package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/demo"
)

// TestCaseWithoutTheArterialPhase opens a demo case of P and D only: P is
// the reference phase (the grid of the labels), D is shown on P's grid,
// and the slice panel offers P and D with P selected.
func TestCaseWithoutTheArterialPhase(t *testing.T) {
	test.NewTempApp(t)
	dir := filepath.Join(t.TempDir(), "case")
	dc, err := demo.Generate(demo.Options{Seed: 5, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Write(dir, dc); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "input", "A.nii.gz")); err != nil {
		t.Fatal(err)
	}
	d, err := loadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.reference != "P" || d.grid.Dims != dc.Phases["P"].Grid.Dims || d.phases["D"] == nil || d.phases["A"] != nil {
		t.Fatalf("reference %s, grid %v, phases %v", d.reference, d.grid.Dims, len(d.phases))
	}
	p := NewSlicePanel()
	p.setCase(d)
	if !slices.Equal(p.phases.Options, []string{"P", "D"}) || p.phases.Selected != "P" {
		t.Errorf("phases %v, selected %q; want P and D, P selected", p.phases.Options, p.phases.Selected)
	}
	if r := p.readout.Text; !strings.Contains(r, " P ") || !strings.Contains(r, "(reference)") {
		t.Errorf("read-out %q, want P as the reference", r)
	}

	if err := os.Remove(filepath.Join(dir, "input", "P.nii.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "input", "D.nii.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCase(dir); err == nil || !strings.Contains(err.Error(), "no phase") {
		t.Errorf("a case without phases: %v, want no phase", err)
	}
}
