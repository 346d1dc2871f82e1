package dicomimport

import (
	"context"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/dicomtest"
)

// TestThumbnailIsTheMiddleSliceInTheSoftTissueWindow lists a three-slice
// series whose middle slice holds known HU and checks its thumbnail: the
// soft tissue window maps -160 HU to black, 40 HU to mid grey and 240 HU to
// white, row 0 at the top; scaled down, the aspect is kept.
func TestThumbnailIsTheMiddleSliceInTheSoftTissueWindow(t *testing.T) {
	s := dicomtest.Default()
	s.Intercept = -1000
	// Slice k holds words + 100·k: the middle one (k = 1) words - 900 HU.
	s.Words = []uint16{740, 940, 1140, 740, 940, 940, 940, 940, 1140, 1140, 1140, 1140}
	dir := dicomtest.WriteAll(t, filepath.Join(t.TempDir(), "s"), dicomtest.Stack(s, 3, [3]float64{0, 0, 2}))
	l, err := List(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	img, err := l.Thumbnail(0, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 128, 255, 0, 128, 128, 128, 128, 255, 255, 255, 255}
	if b := img.Bounds(); b.Dx() != 4 || b.Dy() != 3 {
		t.Fatalf("thumbnail %v, want 4×3", b)
	}
	for n, w := range want {
		if got := img.Pix[(n/4)*img.Stride+n%4]; got != w {
			t.Errorf("pixel (%d, %d) = %d, want %d", n%4, n/4, got, w)
		}
	}
	small, err := l.Thumbnail(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b := small.Bounds(); b.Dx() != 2 || b.Dy() != 2 {
		t.Errorf("a 2-pixel thumbnail of a 4×3 slice is %v, want 2×2", b)
	}
	if _, err := l.Thumbnail(1, 4); err == nil {
		t.Error("a thumbnail of a series the listing lacks")
	}
}
