package main

// End-to-end tests of issue 15's kidney-first presentation: `render` of a
// processed demo case shows the tumour through the perirenal fat with the
// default presentation.

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// tumourColoured reports whether pixel c has the tumour's hue (the label
// table's teal green, 158°) within 25°, clearly saturated: what the
// tumour's shaded surface gives, seen bare or through the fat, and no
// other kidney-side structure's colour.
func tumourColoured(c [3]uint8) bool {
	r, g, b := float64(c[0])/255, float64(c[1])/255, float64(c[2])/255
	hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	if hi < 0.2 || (hi-lo)/hi < 0.3 || hi != g {
		return false
	}
	hue := 60 * (2 + (b-r)/(hi-lo))
	return math.Abs(hue-158) <= 25
}

func TestRenderShowsTheTumourThroughTheFat(t *testing.T) {
	dir := demoCaseWithMasks(t, "3")
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "anterior.png")
	if _, stderr, code := kidney3d(t, "render", dir, "--png", out, "--view", "anterior", "--size", "320x240"); code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	img := readPNG(t, out)
	b := img.Bounds()
	tumour := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			r, g, bl, _ := c.RGBA()
			if tumourColoured([3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}) {
				tumour++
			}
		}
	}
	t.Logf("%d of %d pixels tumour-coloured", tumour, b.Dx()*b.Dy())
	// A 2 cm tumour framed with both kidneys covers about a hundred pixels
	// of 320×240; 30 leaves room for a small or partly hidden one.
	if tumour < 30 {
		t.Errorf("%d tumour-coloured pixels, want ≥ 30: the tumour is not visible through the fat", tumour)
	}
}

// readPNG decodes the PNG at path, failing the test when it cannot.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}
