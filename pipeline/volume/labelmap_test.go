package volume

import (
	"path/filepath"
	"strings"
	"testing"
)

// writeLabels writes a small label map of voxel type T with the values 1
// (a ball), 6 (a bar) and 200 (one voxel), each times scale.
func writeLabels[T Voxel](t *testing.T, scale float64) string {
	t.Helper()
	g := Grid{Dims: [3]int{20, 16, 12}, Affine: Affine{{-1, 0, 0, 10}, {0, -1, 0, 8}, {0, 0, 2, -5}, {0, 0, 0, 1}}}
	v := New[T](g)
	for k := 0; k < 12; k++ {
		for j := 0; j < 16; j++ {
			for i := 0; i < 20; i++ {
				x, y, z := float64(i)-6, float64(j)-7, float64(k)-6
				switch {
				case x*x+y*y+4*z*z <= 16:
					v.Set(i, j, k, T(1*scale))
				case i >= 14 && i <= 15 && k >= 3 && k <= 4:
					v.Set(i, j, k, T(6*scale))
				case i == 18 && j == 2 && k == 10:
					v.Set(i, j, k, T(200*scale))
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "labels.nii.gz")
	if err := Save(path, v); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadLabelMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		err  string
	}{
		{"uint8", writeLabels[uint8](t, 1), ""},
		{"int16 with label values", writeLabels[int16](t, 1), ""},
		{"values above 255", writeLabels[int16](t, 2), "not a label map"},
		{"fractions", writeLabels[float32](t, 0.5), "not a label map"},
		{"missing file", filepath.Join(t.TempDir(), "none.nii.gz"), "none.nii.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := LoadLabelMap(tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.At(18, 2, 10) != 200 || v.At(6, 7, 6) != 1 {
				t.Errorf("values %d, %d", v.At(18, 2, 10), v.At(6, 7, 6))
			}
		})
	}
}
