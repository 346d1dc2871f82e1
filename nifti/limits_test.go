package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"kidney3d/pipeline/limits"
)

// zeroReader yields n zero bytes.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}

// gzipWithTrailing compresses b followed by n zero bytes as one gzip stream.
func gzipWithTrailing(t testing.TB, b []byte, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(b)
	if _, err := io.Copy(zw, &zeroReader{n}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// TestTooLargeRefusedFromHeader checks that an image over the size limit
// is refused from its header, allocating nothing for its voxels, by every
// reader: Decode (raw, gzip, K3 members), ReadRegionFile and
// ReadNonzeroFile.
func TestTooLargeRefusedFromHeader(t *testing.T) {
	t.Setenv(limits.MaxVoxelsEnv, "1000")
	img := testImage(Int16, 1, binary.LittleEndian) // 4×3×2
	raw := encoded(t, img, &EncodeOptions{})
	binary.LittleEndian.PutUint16(raw[42:], 1000) // 1000×3×2 voxels
	dir := t.TempDir()
	inputs := map[string][]byte{
		"raw.nii":        raw,
		"gzip.nii.gz":    encodedGzip(t, raw),
		"members.nii.gz": encodedMembers(t, raw),
	}
	for name, b := range inputs {
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o644)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(bytes.NewReader(b))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "voxels is over the limit of 1000") {
			t.Errorf("%s: Decode = %v, want ErrTooLarge", name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", name, n)
		}
		if _, err := ReadRegionFile(path, [3]int{}, [3]int{1, 1, 1}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: ReadRegionFile = %v, want ErrTooLarge", name, err)
		}
		if _, err := ReadNonzeroFile(path); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: ReadNonzeroFile = %v, want ErrTooLarge", name, err)
		}
		if _, err := ReadHeaderFile(path); err != nil {
			t.Errorf("%s: ReadHeaderFile = %v: the header alone is not limited", name, err)
		}
	}
	// The byte limit: float64 voxels count four times int16's.
	f64 := encoded(t, testImage(Float64, 1, binary.LittleEndian), &EncodeOptions{})
	binary.LittleEndian.PutUint16(f64[42:], 50) // 300 voxels, 2400 bytes
	if _, err := Decode(bytes.NewReader(f64)); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "2000 bytes") {
		t.Errorf("float64 over the byte limit: %v", err)
	}
	t.Setenv(limits.MaxVoxelsEnv, "")
	if _, err := Decode(bytes.NewReader(inputs["raw.nii"])); errors.Is(err, ErrTooLarge) {
		t.Errorf("under the default limit: %v", err)
	}
}

// TestTrailingDataRefused checks that a gzip stream that goes on after the
// image is refused without being inflated to its end, and that a plain
// file's trailing bytes, which are not read, are ignored.
func TestTrailingDataRefused(t *testing.T) {
	img := noisyImage()
	raw := encoded(t, img, &EncodeOptions{})
	// 512 MiB of zeros after the image: inflating them would take seconds
	// and, through the growing slice, a gigabyte.
	bomb := gzipWithTrailing(t, raw, 512<<20)
	tests := map[string][]byte{
		"one stream":    bomb,
		"second stream": append(encodedGzip(t, raw), encodedGzip(t, make([]byte, 1000))...),
		"one byte":      gzipWithTrailing(t, raw, 1),
		"K3 total":      encodedMembers(t, append(bytes.Clone(raw), 0)),
		"K3 lying":      membersWithTotal(t, append(bytes.Clone(raw), 0), uint64(len(raw))),
	}
	for name, b := range tests {
		for _, sized := range []bool{true, false} {
			var r io.Reader = bytes.NewReader(b)
			if !sized {
				r = struct{ io.Reader }{r}
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Decode(r)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTrailing) {
				t.Errorf("%s (sized %v): %v, want ErrTrailing", name, sized, err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 256<<20 {
				t.Errorf("%s (sized %v): allocated %d bytes", name, sized, n)
			}
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "trailing.nii.gz")
	os.WriteFile(path, tests["K3 total"], 0o644)
	for what, read := range map[string]func() error{
		"ReadFile":        func() error { _, err := ReadFile(path); return err },
		"ReadRegionFile":  func() error { _, err := ReadRegionFile(path, [3]int{}, [3]int{1, 1, 1}); return err },
		"ReadNonzeroFile": func() error { _, err := ReadNonzeroFile(path); return err },
	} {
		if err := read(); !errors.Is(err, ErrTrailing) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want ErrTrailing naming the file", what, err)
		}
	}
	plain, err := Decode(bytes.NewReader(append(bytes.Clone(raw), 1, 2, 3)))
	if err != nil || plain.Header.Shape() != img.Header.Shape() {
		t.Errorf("a plain file with trailing bytes: %v", err)
	}
}

// TestSpecialFilesRefused checks that a FIFO or a device is refused by
// every file reader before it reads (a FIFO with no writer would block).
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "A.nii.gz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.nii.gz")
	os.Symlink("/dev/zero", zero)
	for _, path := range []string{fifo, zero} {
		for what, read := range map[string]func() error{
			"ReadFile":        func() error { _, err := ReadFile(path); return err },
			"ReadHeaderFile":  func() error { _, err := ReadHeaderFile(path); return err },
			"ReadRegionFile":  func() error { _, err := ReadRegionFile(path, [3]int{}, [3]int{1, 1, 1}); return err },
			"ReadNonzeroFile": func() error { _, err := ReadNonzeroFile(path); return err },
		} {
			err := read()
			var e *Error
			if !errors.Is(err, limits.ErrNotRegular) || !errors.As(err, &e) || e.File != path {
				t.Errorf("%s(%s) = %v, want an *Error naming the file wrapping limits.ErrNotRegular", what, path, err)
			}
		}
	}
}

func TestHasXform(t *testing.T) {
	h := NewHeader([3]int{2, 2, 2}, Int16, [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}})
	if !h.HasXform() {
		t.Error("NewHeader's header has no xform")
	}
	h.SformCode, h.QformCode = 0, 7
	if h.HasXform() {
		t.Error("codes 0 and 7 taken as an xform")
	}
	h.QformCode = 1
	if !h.HasXform() {
		t.Error("qform code 1 not taken")
	}
}
