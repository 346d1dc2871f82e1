package dicomscan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomtest"
)

func TestSniff(t *testing.T) {
	part10 := dicomtest.Encode(dicomtest.Default())
	bare := dicomtest.Default()
	bare.NoPreamble = true
	implicit := bare
	implicit.Syntax = dicomtest.ImplicitLE
	for _, tc := range []struct {
		name string
		head []byte
		want bool
	}{
		{"part 10", part10[:dicomscan.SniffLen], true},
		{"no preamble, explicit VR", dicomtest.Encode(bare)[:dicomscan.SniffLen], true},
		{"no preamble, implicit VR", dicomtest.Encode(implicit)[:dicomscan.SniffLen], true},
		{"NIfTI", append([]byte{92, 1, 0, 0}, make([]byte, 200)...), false},
		{"text", []byte("hello, this is a README file and not an image at all, certainly not DICOM ... .... ... ... ... ... ... ... ... ... ... ... ...."), false},
		{"empty", nil, false},
	} {
		if got := dicomscan.Sniff(tc.head); got != tc.want {
			t.Errorf("%s: Sniff = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScanSkipsWhatIsNotAnImage(t *testing.T) {
	dir := t.TempDir()
	dicomtest.WriteAll(t, filepath.Join(dir, "deep", "er"), dicomtest.Stack(dicomtest.Default(), 3, [3]float64{0, 0, 1}))
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not DICOM"), 0o644)
	os.WriteFile(filepath.Join(dir, "deep", "x.nii"), make([]byte, 400), 0o644)
	noPixels := dicomtest.Default()
	noPixels.Omit = []string{"PixelData"}
	os.WriteFile(filepath.Join(dir, "report"), dicomtest.Encode(noPixels), 0o644)
	res, err := dicomscan.Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Instances) != 3 || res.NotDICOM != 2 || res.NotImages != 1 || res.Files != 6 {
		t.Errorf("instances %d, not DICOM %d, not images %d, files %d; want 3, 2, 1, 6", len(res.Instances), res.NotDICOM, res.NotImages, res.Files)
	}
	in := res.Instances[0]
	if in.SeriesInstanceUID != "1.2.3.4" || in.RescaleIntercept != -1024 || in.Format.BitsStored != 12 || in.PixelSpacing != [2]float64{0.5, 0.75} || in.ImageType[2] != "AXIAL" {
		t.Errorf("header %+v", in)
	}
}

func TestTruncatedFileIsNamed(t *testing.T) {
	dir := t.TempDir()
	b := dicomtest.Encode(dicomtest.Default())
	path := filepath.Join(dir, "cut")
	os.WriteFile(path, b[:len(b)-10], 0o644)
	_, err := dicomscan.Scan(context.Background(), []string{dir})
	var fe *dicomscan.FileError
	if !errors.As(err, &fe) || fe.File != path || !strings.Contains(err.Error(), "DICOM") {
		t.Fatalf("error %v, want a *FileError naming %s", err, path)
	}
}

func TestMalformedNumberIsNamed(t *testing.T) {
	s := dicomtest.Default()
	s.Description = "x"
	b := dicomtest.Encode(s)
	// Turn Slice Thickness "2 " into "2x".
	i := strings.Index(string(b), "DS\x02\x002 ")
	b[i+5] = 'x'
	_, err := dicomscan.ParseBytes(b, "f")
	if err == nil || !strings.Contains(err.Error(), `Slice Thickness (0018,0050) is "2x"`) {
		t.Fatalf("error %v", err)
	}
}

func TestDICOMDIRStandsForItsFolder(t *testing.T) {
	dir := t.TempDir()
	dicomtest.WriteAll(t, filepath.Join(dir, "IMAGES", "S1"), dicomtest.Stack(dicomtest.Default(), 2, [3]float64{0, 0, 1}))
	os.WriteFile(filepath.Join(dir, "DICOMDIR"), []byte("an index"), 0o644)
	res, err := dicomscan.Scan(context.Background(), []string{filepath.Join(dir, "DICOMDIR")})
	if err != nil || len(res.Instances) != 2 {
		t.Fatalf("%v, %+v", err, res)
	}
}

func TestLinksAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	real := dicomtest.WriteAll(t, filepath.Join(t.TempDir(), "real"), dicomtest.Stack(dicomtest.Default(), 2, [3]float64{0, 0, 1}))
	os.Symlink(filepath.Join(real, "s000"), filepath.Join(dir, "a"))
	os.Symlink(filepath.Join(real, "s001"), filepath.Join(dir, "b"))
	os.Symlink(real, filepath.Join(dir, "folder")) // not followed
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skip(err)
	}
	res, err := dicomscan.Scan(context.Background(), []string{dir})
	if err != nil || len(res.Instances) != 2 || res.Files != 2 {
		t.Fatalf("%v, %+v", err, res)
	}
	res, err = dicomscan.Scan(context.Background(), []string{filepath.Join(dir, "folder")})
	if err != nil || len(res.Instances) != 2 {
		t.Fatalf("a source that links to a folder: %v, %+v", err, res)
	}
}

// TestReadHeaderOfALargeFile reads a file larger than the header prefix
// (256×256 words) by its prefix alone: the instance is the one the whole
// file gives, in every syntax; cut short inside its pixel data, it is
// refused as truncated.
func TestReadHeaderOfALargeFile(t *testing.T) {
	for _, syntax := range []string{dicomtest.ExplicitLE, dicomtest.ImplicitLE, dicomtest.ExplicitBE} {
		s := dicomtest.Default()
		s.Syntax, s.Rows, s.Cols = syntax, 256, 256
		s.Words = make([]uint16, 256*256)
		b := dicomtest.Encode(s)
		path := filepath.Join(t.TempDir(), "big")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := dicomscan.ReadHeader(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := dicomscan.ParseBytes(b, path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || !got.Has.PixelData {
			t.Errorf("%s: read by its prefix\n%+v\nwhole\n%+v", syntax, got, want)
		}
		if err := os.WriteFile(path, b[:len(b)-1000], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := dicomscan.ReadHeader(path); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: cut short: %v", syntax, err)
		}
	}
}
