package volume

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/nifti"
)

// sparseMask is a mask on g that is nonzero in a few blobs.
func sparseMask(g Grid, blobs ...[2][3]int) *Volume[uint8] {
	m := New[uint8](g)
	for n, b := range blobs {
		for k := b[0][2]; k < b[1][2]; k++ {
			for j := b[0][1]; j < b[1][1]; j++ {
				for i := b[0][0]; i < b[1][0]; i++ {
					if (i+j+k)%3 != 0 {
						m.Set(i, j, k, uint8(n+1))
					}
				}
			}
		}
	}
	return m
}

func partGrid() Grid {
	return Grid{Dims: [3]int{64, 48, 40}, Affine: rotation([3]float64{0.8, 0.8, 1.5}, 0.3, -0.2, [3]float64{-100, 20, 33})}
}

func TestLoadPartAndSavePart(t *testing.T) {
	dir := t.TempDir()
	g := partGrid()
	for name, m := range map[string]*Volume[uint8]{
		"blobs": sparseMask(g, [2][3]int{{3, 4, 5}, {9, 8, 12}}, [2][3]int{{40, 30, 20}, {50, 40, 22}}),
		"one":   sparseMask(g, [2][3]int{{63, 47, 39}, {64, 48, 40}}),
		"empty": New[uint8](g),
		"full":  sparseMask(g, [2][3]int{{0, 0, 0}, g.Dims}),
	} {
		path := filepath.Join(dir, name+".nii.gz")
		if err := Save(path, m); err != nil {
			t.Fatal(err)
		}
		// As read back (the file stores the affine in float32).
		m, err := Load[uint8](path)
		if err != nil {
			t.Fatal(err)
		}
		g := m.Grid
		p, err := LoadPart[uint8](path)
		if err != nil {
			t.Fatal(err)
		}
		full := p.Full()
		if full.Grid != m.Grid || !slices.Equal(full.Data, m.Data) {
			t.Fatalf("%s: LoadPart's Full is not the volume saved", name)
		}
		lo, hi, ok := BoundingBox(m)
		plo, phi, pok := PartBoundingBox(p)
		if ok != pok || ok && (lo != plo || hi != phi) {
			t.Errorf("%s: PartBoundingBox %v–%v %v, want %v–%v %v", name, plo, phi, pok, lo, hi, ok)
		}
		if ok && (p.Lo != lo || p.Box.Dims != [3]int{hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}) {
			t.Errorf("%s: box at %v of %v, want the bounding box %v–%v", name, p.Lo, p.Box.Dims, lo, hi)
		}
		// Crops of the part, reaching outside the box and the grid.
		for _, b := range [][2][3]int{{{2, 3, 4}, {12, 10, 14}}, {{-2, -2, -2}, {70, 50, 41}}, {{30, 20, 10}, {31, 21, 11}}} {
			c, want := p.Crop(b[0], b[1]), Crop(m, b[0], b[1])
			if c.Grid != want.Grid || !slices.Equal(c.Data, want.Data) {
				t.Errorf("%s: Crop %v–%v differs from Crop of the whole", name, b[0], b[1])
			}
		}
		// SavePart writes Save's bytes, from the part and from a bigger box.
		ref := filepath.Join(dir, name+".ref.nii.gz")
		if err := Save(ref, m); err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(ref)
		out := filepath.Join(dir, name+".out.nii.gz")
		for _, q := range []*Part[uint8]{p, WholePart(m), CropPart(g, [3]int{1, 2, 3}, Crop(m, [3]int{1, 2, 3}, [3]int{60, 40, 39}))} {
			if q.Lo == [3]int{1, 2, 3} && (name == "one" || name == "full") {
				continue // the crop leaves voxels out
			}
			if err := SavePart(out, q); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
				t.Errorf("%s: SavePart of the box at %v differs from Save", name, q.Lo)
			}
		}
	}
	bad := CropPart(g, [3]int{60, 0, 0}, New[uint8](Grid{Dims: [3]int{10, 1, 1}}))
	if err := SavePart(filepath.Join(dir, "bad.nii.gz"), bad); err == nil {
		t.Error("SavePart of a box beyond the grid succeeded")
	}
}

func TestLoadBoxIsCropOfLoad(t *testing.T) {
	dir := t.TempDir()
	g := partGrid()
	v := randomVolume(g, 3)
	ct := Convert[int16](v)
	path := filepath.Join(dir, "ct.nii.gz")
	if err := Save(path, ct); err != nil {
		t.Fatal(err)
	}
	ct, err := Load[int16](path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][2][3]int{{{0, 0, 0}, g.Dims}, {{5, 6, 7}, {30, 20, 25}}, {{-4, -4, 30}, {70, 10, 45}}, {{0, 0, 10}, {64, 48, 11}}} {
		got, err := LoadBox[int16](path, b[0], b[1])
		if err != nil {
			t.Fatal(err)
		}
		want := Crop(ct, b[0], b[1])
		if got.Grid != want.Grid || !slices.Equal(got.Data, want.Data) {
			t.Errorf("LoadBox %v–%v differs from Crop of Load", b[0], b[1])
		}
		// Converted on the way, as Load converts.
		gf, err := LoadBox[float32](path, b[0], b[1])
		if err != nil {
			t.Fatal(err)
		}
		if wf := Convert[float32](want); !slices.Equal(gf.Data, wf.Data) {
			t.Errorf("LoadBox as float32 %v–%v differs", b[0], b[1])
		}
	}
}

// TestLoadPartScaled checks a mask whose stored zero is not zero: its box
// is the whole grid.
func TestLoadPartScaled(t *testing.T) {
	g := Grid{Dims: [3]int{6, 5, 4}, Affine: diag(1, 1, 1, [3]float64{})}
	img := ToImage(sparseMask(g, [2][3]int{{1, 1, 1}, {3, 3, 2}}))
	img.Header.SclSlope, img.Header.SclInter = 1, 2
	path := filepath.Join(t.TempDir(), "scaled.nii.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := nifti.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p, err := LoadPart[uint8](path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load[uint8](path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Full().Data, want.Data) || want.Data[0] != 2 {
		t.Errorf("scaled mask: LoadPart's Full differs from Load (%v)", want.Data[:3])
	}
}
