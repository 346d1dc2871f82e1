package demo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/volume"
)

// TestDICOMStudiesImportWithTheirPhases writes the DICOM study of seeds
// 1–20 (every style five times, both file orders; 1–8 with -short) and
// checks that the
// import's guesses name A, P and D right, with no --phase; for two seeds it
// imports the study and compares each phase with the case's volume.
func TestDICOMStudiesImportWithTheirPhases(t *testing.T) {
	last := int64(20)
	if testing.Short() {
		last = 8
	}
	for seed := int64(1); seed <= last; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			c, err := Generate(Options{Seed: seed, Size: Small})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := WriteDICOM(dir, c); err != nil {
				t.Fatal(err)
			}
			l, err := dicomimport.List(context.Background(), []string{dir + "/" + DICOMDir})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Series) != 3 || len(l.Dropped) != 1 {
				t.Fatalf("%d series, %d left out", len(l.Series), len(l.Dropped))
			}
			for _, r := range l.Series {
				if want := string("APD"[r.Number-2]); r.Guess.Phase != want {
					t.Errorf("%s style: series %d %q guessed %s (%v), want %s", DICOMStyle(seed), r.Number, r.Description, r.Guess.Phase, r.Guess.Reasons, want)
				}
				// The delayed series of seeds 1–8 shows its excreted
				// contrast in as many of its 16 slices read as measured;
				// the other series none.
				excreted := ""
				switch {
				case r.Number == 4 && seed > 8:
					continue
				case r.Number == 4:
					excreted = fmt.Sprintf("image: excreted contrast (up to %%f HU) in %d of 16 axial slices, beside the spine", []int{4, 2, 3, 3, 3, 2, 4, 3}[seed-1])
				}
				if got := imageReason(r.Guess.Reasons, "image: excreted"); (excreted == "") != (got == "") || excreted != "" && !matches(got, excreted) {
					t.Errorf("series %d: image evidence %q, want %q", r.Number, got, excreted)
				}
			}
			if seed > 2 {
				return
			}
			rec, err := dicomimport.Import(context.Background(), dicomimport.Options{Sources: []string{dir + "/" + DICOMDir}, Case: dir + "/case"})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"A", "P", "D"} {
				got, err := volume.Load[int16](dir + "/case/" + rec.Phases[p].File)
				if err != nil {
					t.Fatal(err)
				}
				g, _ := volume.Canonical(got)
				w, _ := volume.Canonical(c.Phases[p])
				if err := volume.SameGrid(g.Grid, w.Grid, 1e-6); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				for i := range g.Data {
					if g.Data[i] != w.Data[i] {
						t.Fatalf("%s: voxel %d is %d, want %d", p, i, g.Data[i], w.Data[i])
					}
				}
			}
		})
	}
}

// imageReason is the reason that starts with prefix, or "".
func imageReason(reasons []string, prefix string) string {
	for _, r := range reasons {
		if strings.HasPrefix(r, prefix) {
			return r
		}
	}
	return ""
}

// matches says whether s starts with what format prints for some number.
func matches(s, format string) bool {
	var hu float64
	n, _ := fmt.Sscanf(s, format, &hu)
	return n == 1 && hu >= 1000
}
