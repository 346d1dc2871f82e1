// Package dicomtest writes small synthetic DICOM files for tests (through
// package dicomwrite): stacks of slices with defaults a test changes, so
// that every attribute (and every defect) is the test's choice.
package dicomtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/dicomwrite"
)

// Transfer syntaxes Encode writes.
const (
	ImplicitLE = dicomwrite.ImplicitLE
	ExplicitLE = dicomwrite.ExplicitLE
	ExplicitBE = dicomwrite.ExplicitBE
)

// Slice is one image file's content (dicomwrite.Slice). Zero fields take
// the defaults of Default.
type Slice = dicomwrite.Slice

// Encode is the file of one slice (dicomwrite.Encode).
func Encode(s Slice) []byte { return dicomwrite.Encode(s) }

// Default is an axial 4×3 slice at the origin: unsigned 12-bit words,
// slope 1, intercept -1024.
func Default() Slice {
	return Slice{
		Syntax: ExplicitLE, StudyUID: "1.2.3", SeriesUID: "1.2.3.4", Description: "test series",
		ImageType: `ORIGINAL\PRIMARY\AXIAL`, Acquisition: 1, AcqTime: "120000", SeriesNum: 1,
		Rows: 3, Cols: 4, Spacing: [2]float64{0.5, 0.75}, Orientation: [6]float64{1, 0, 0, 0, 1, 0},
		Thickness: 2, BitsStored: 12, Slope: 1, Intercept: -1024,
	}
}

// Stack is n slices of base, slice k at base.Position + k·step, its
// words base.Words (or a ramp) plus 100·k.
func Stack(base Slice, n int, step [3]float64) []Slice {
	out := make([]Slice, n)
	for k := range out {
		s := base
		for a := range s.Position {
			s.Position[a] += float64(k) * step[a]
		}
		s.Instance = k + 1
		s.SOPUID = fmt.Sprintf("%s.%d", base.SeriesUID, k+1)
		s.Words = make([]uint16, s.Rows*s.Cols)
		for i := range s.Words {
			w := uint16(i)
			if base.Words != nil {
				w = base.Words[i]
			}
			s.Words[i] = w + uint16(100*k)
		}
		out[k] = s
	}
	return out
}

// WriteAll writes slices into dir as s000, s001… in reverse order (so that
// no reader can rely on names) and returns dir.
func WriteAll(t testing.TB, dir string, slices []Slice) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, s := range slices {
		name := filepath.Join(dir, fmt.Sprintf("s%03d", len(slices)-1-k))
		if err := os.WriteFile(name, Encode(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
