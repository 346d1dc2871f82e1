package volume

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sizelimits "kidney3d/pipeline/limits"
)

// FuzzLoadMask checks that LoadMask never panics, names the file in every
// error, and returns zeros and ones in a box inside the grid.
func FuzzLoadMask(f *testing.F) {
	f.Setenv(sizelimits.MaxVoxelsEnv, "20000") // small inputs reach both sides of it
	g := Grid{Dims: [3]int{5, 4, 3}, Affine: Identity}
	f32 := make([]float32, g.Len())
	f32[7], f32[20] = 0.3, float32(math.NaN())
	i16 := make([]int16, g.Len())
	i16[3], i16[40] = -1, 256
	u8 := make([]uint8, g.Len())
	u8[11] = 255
	for _, p := range []string{saveStored(f, g, f32, 0, 0), saveStored(f, g, i16, 0, 0), saveStored(f, g, u8, 0.5, 0), saveStored(f, g, u8, 1, 2)} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	path := filepath.Join(f.TempDir(), "mask.nii.gz")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := LoadMask(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for a := range 3 {
			if m.Lo[a] < 0 || m.Lo[a]+m.Box.Dims[a] > m.Dims[a] {
				t.Fatalf("box at %v of %v outside %v", m.Lo, m.Box.Dims, m.Dims)
			}
		}
		if len(m.Box.Data) != m.Box.Len() {
			t.Fatalf("%d voxels in a %v box", len(m.Box.Data), m.Box.Dims)
		}
		for _, x := range m.Box.Data {
			if x > 1 {
				t.Fatalf("value %d in a mask", x)
			}
		}
	})
}
