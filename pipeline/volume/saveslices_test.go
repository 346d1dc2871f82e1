package volume

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/nifti"
)

// TestSaveSlicesWritesStoredGzip writes a volume slice by slice and
// wants SaveFast's bytes; a writer that fails or stops short leaves no
// file.
func TestSaveSlicesWritesStoredGzip(t *testing.T) {
	g := partGrid()
	v := New[int16](g)
	for n := range v.Data {
		v.Data[n] = int16(n%1500 - 1000)
	}
	dir := t.TempDir()
	want, got := filepath.Join(dir, "want.nii.gz"), filepath.Join(dir, "got.nii.gz")
	if err := saveImage(want, ToImage(v), nifti.Stored, nil); err != nil {
		t.Fatal(err)
	}
	plane := g.Dims[0] * g.Dims[1]
	slicesOf := func(n int) func(put func([]int16) error) error {
		return func(put func([]int16) error) error {
			for k := 0; k < n; k++ {
				if err := put(v.Data[k*plane : (k+1)*plane]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := SaveSlices(got, g, slicesOf(g.Dims[2])); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(want)
	b, _ := os.ReadFile(got)
	if !bytes.Equal(a, b) {
		t.Fatalf("SaveSlices wrote %d bytes unlike Encode's %d", len(b), len(a))
	}
	short := filepath.Join(dir, "short.nii.gz")
	if err := SaveSlices(short, g, slicesOf(g.Dims[2]-1)); err == nil || err.Error() != "writing "+short+": nifti: data: not a valid NIfTI file: 3072 voxels fewer than the header's dim holds" {
		t.Errorf("one slice short: got %v", err)
	}
	stop := errors.New("stop")
	if err := SaveSlices(short, g, func(func([]int16) error) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("failing writer: got %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 2 {
		t.Errorf("left behind: %v", names)
	}
}
