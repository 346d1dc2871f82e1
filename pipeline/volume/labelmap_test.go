package volume

import (
	"path/filepath"
	"testing"

	"kidney3d/pipeline/wanterr"
)

// writeLabels writes a small label map of voxel type T holding 1 at
// voxel (6, 7, 6) and 200 at (18, 2, 10), each times scale.
func writeLabels[T Voxel](t *testing.T, scale float64) string {
	t.Helper()
	v := New[T](Grid{Dims: [3]int{20, 16, 12}, Affine: Identity})
	v.Set(6, 7, 6, T(1*scale))
	v.Set(18, 2, 10, T(200*scale))
	path := filepath.Join(t.TempDir(), "labels.nii.gz")
	if err := Save(path, v); err != nil {
		t.Fatal(err)
	}
	return path
}

// scaledBytes writes writeLabels' map as bytes with scl_slope slope.
func scaledBytes(t *testing.T, slope float64) string {
	g := Grid{Dims: [3]int{20, 16, 12}, Affine: Identity}
	data := make([]uint8, g.Len())
	data[g.Index(6, 7, 6)], data[g.Index(18, 2, 10)] = 1, 200
	return saveStored(t, g, data, slope, 0)
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
		{"bytes scaled by 2", scaledBytes(t, 2), "not a label map"},
		{"bytes scaled by the identity", scaledBytes(t, 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := LoadLabelMap(tc.path)
			if wanterr.Check(t, err, tc.err) {
				return
			}
			if v.At(18, 2, 10) != 200 || v.At(6, 7, 6) != 1 {
				t.Errorf("values %d, %d", v.At(18, 2, 10), v.At(6, 7, 6))
			}
		})
	}
}
