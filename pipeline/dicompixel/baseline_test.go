package dicompixel_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/dicompixel"
	"kidney3d/pipeline/dicomscan"
)

// An 8-bit greyscale JPEG (baseline, process 1) made here, wrapped as is
// into DICOM by dcmtk's img2dcm (transfer syntax .4.50), decodes within
// one grey level of dcmtk's own decoding of it (dcmdjpeg): IDCT rounding
// may differ by one.
func TestBaselineJPEGAgainstDcmtk(t *testing.T) {
	for _, tool := range []string{"img2dcm", "dcmdjpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing (Debian's dcmtk): %v", tool, err)
		}
	}
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			// a smooth ramp with a disc: edges that rounding can move
			v := 2*x + y
			if math.Hypot(float64(x-48), float64(y-32)) < 20 {
				v = 230 - y
			}
			img.SetGray(x, y, colorGray(v))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	src, wrapped, plain := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "baseline.dcm"), filepath.Join(dir, "plain.dcm")
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"img2dcm", "-q", src, wrapped}, {"dcmdjpeg", "-q", wrapped, plain}} {
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", cmd, err, out)
		}
	}
	if in, err := dicomscan.ReadHeader(wrapped); err != nil || in.Syntax.UID != "1.2.840.10008.1.2.4.50" {
		t.Fatalf("img2dcm wrote %+v, %v; want JPEG baseline (1.2.840.10008.1.2.4.50)", in, err)
	}
	got, ref := decodeFile(t, wrapped), decodeFile(t, plain)
	if len(got) != 96*64 || len(ref) != len(got) {
		t.Fatalf("%d and %d pixels, want %d", len(got), len(ref), 96*64)
	}
	worst := 0
	for n := range got {
		worst = max(worst, abs(int(got[n]-ref[n])))
	}
	t.Logf("largest difference from dcmdjpeg: %d grey levels", worst)
	if worst > 1 {
		t.Errorf("decoded pixels differ from dcmdjpeg's by up to %d grey levels, want at most 1", worst)
	}
}

// decodeFile decodes a single-frame file's pixels after checking that its
// header says what the test made: 8-bit greyscale.
func decodeFile(t *testing.T, path string) []int32 {
	t.Helper()
	in, err := dicomscan.ReadHeader(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Format.BitsAllocated != 8 || in.Format.SamplesPerPixel != 1 {
		t.Fatalf("%s: %+v, want 8-bit greyscale", path, in.Format)
	}
	dst := make([]int32, in.Format.Pixels())
	if err := dicompixel.ReadFile(path, in.Format, dst); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return dst
}

func colorGray(v int) color.Gray { return color.Gray{Y: uint8(min(max(v, 0), 255))} }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
