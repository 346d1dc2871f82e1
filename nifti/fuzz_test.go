package nifti

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/limits"
)

// addSeeds adds the conformance files and a few encoded images to the
// fuzzing corpus.
func addSeeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join(testdataDir, "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if filepath.Ext(p) == ".json" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, dt := range []Datatype{Uint8, Float32} {
		for _, version := range []int{1, 2} {
			img := testImage(dt, version, binary.BigEndian)
			f.Add(encoded(f, img, &EncodeOptions{}))
			f.Add(encoded(f, img, &EncodeOptions{Gzip: true, Level: 1}))
		}
	}
	// Over the size limit that the fuzz targets set (fuzzMaxVoxels), raw,
	// gzip-compressed and as K3 members.
	raw := encoded(f, testImage(Int16, 1, binary.LittleEndian), &EncodeOptions{})
	big := patched(raw, func(b []byte) { binary.LittleEndian.PutUint16(b[42:], 30000) })
	f.Add(big)
	f.Add(encodedGzip(f, big))
	f.Add(encodedMembers(f, big))
	// Data after the image: in the same gzip stream, in a second stream,
	// and in K3 members whose total says so.
	f.Add(gzipWithTrailing(f, raw, 4096))
	f.Add(append(encodedGzip(f, raw), encodedGzip(f, make([]byte, 100))...))
	f.Add(encodedMembers(f, append(bytes.Clone(raw), 0)))
	// A file of several K3 members.
	defer func(n int) { memberSize = n }(memberSize)
	memberSize = 200
	f.Add(encoded(f, testImage(Int16, 1, binary.LittleEndian), nil))
}

// fuzzMaxVoxels is the image size limit while fuzzing: small, so that
// small inputs reach both sides of it.
const fuzzMaxVoxels = "20000"

// FuzzDecode checks that Decode never panics, fails only with an *Error,
// agrees with DecodeHeader and with itself on an unsized reader, and that
// what it decodes encodes and decodes to the same image.
func FuzzDecode(f *testing.F) {
	f.Setenv(limits.MaxVoxelsEnv, fuzzMaxVoxels)
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Decode(bytes.NewReader(b))
		img2, err2 := Decode(struct{ io.Reader }{bytes.NewReader(b)})
		if (err == nil) != (err2 == nil) {
			t.Fatalf("sized reader: %v, unsized reader: %v", err, err2)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.As(err2, &e) {
				t.Fatalf("errors %v, %v are not *Error", err, err2)
			}
			if img != nil || img2 != nil {
				t.Fatal("image returned with an error")
			}
			return
		}
		checkSame(t, img, img2)
		if err := img.Header.CheckLimits(); err != nil {
			t.Fatalf("decoded an image over the limit: %v", err)
		}
		shape := img.Header.Shape()
		if n := dataLen(img.Data); n != shape[0]*shape[1]*shape[2] {
			t.Fatalf("%d voxels for shape %v", n, shape)
		}
		h, err := DecodeHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Decode works but DecodeHeader fails: %v", err)
		}
		if !sameHeader(t, h, &img.Header) {
			t.Fatalf("DecodeHeader %+v, Decode %+v", *h, img.Header)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, img, &EncodeOptions{}); err != nil {
			t.Fatalf("Encode of a decoded image: %v", err)
		}
		again, err := Decode(&buf)
		if err != nil {
			t.Fatalf("Decode of an encoded image: %v", err)
		}
		checkSame(t, img, again)
	})
}

// FuzzDecodeHeader checks that DecodeHeader never panics and fails only with
// an *Error, and that a header it accepts has a usable geometry.
func FuzzDecodeHeader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(bytes.NewReader(b))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		for _, s := range h.Shape() {
			if s < 1 {
				t.Fatalf("Shape() = %v", h.Shape())
			}
		}
		h.Affine()
		h.Zooms()
	})
}

// checkSame fails unless a and b have the same header encoding and the same
// voxel bytes (so that NaN equals NaN).
func checkSame(t *testing.T, a, b *Image) {
	t.Helper()
	if !sameHeader(t, &a.Header, &b.Header) {
		t.Fatalf("headers differ: %+v, %+v", a.Header, b.Header)
	}
	_, da, _ := dataBytes(a.Data)
	_, db, _ := dataBytes(b.Data)
	if !bytes.Equal(da, db) {
		t.Fatal("voxels differ")
	}
}

// FuzzReadRegion checks that ReadRegionFile and ReadNonzeroFile never
// panic, fail only with an *Error naming the file, never return an image
// over the size limit, and, when Decode reads the same bytes, return the
// voxels of Decode's image in their box; and that ReadRegion and
// ReadNonzero, reading the same bytes from memory (io.ReaderAt), give the
// same regions, or fail where the file forms fail.
func FuzzReadRegion(f *testing.F) {
	f.Setenv(limits.MaxVoxelsEnv, fuzzMaxVoxels)
	addSeeds(f)
	path := filepath.Join(f.TempDir(), "in.nii.gz")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		img, derr := Decode(bytes.NewReader(b))
		lo, hi := [3]int{1, 0, 1}, [3]int{3, 1 << 20, 2}
		for _, read := range []struct{ file, mem func() (*Region, error) }{
			{func() (*Region, error) { return ReadRegionFile(path, lo, hi) },
				func() (*Region, error) { return ReadRegion(bytes.NewReader(b), int64(len(b)), lo, hi) }},
			{func() (*Region, error) { return ReadNonzeroFile(path) },
				func() (*Region, error) { return ReadNonzero(bytes.NewReader(b), int64(len(b))) }},
		} {
			r, err := read.file()
			m, merr := read.mem()
			if (err == nil) != (merr == nil) {
				t.Fatalf("from the file: %v; from memory: %v", err, merr)
			}
			if err == nil {
				_, mb, _ := dataBytes(m.Data)
				_, rb, _ := dataBytes(r.Data)
				if m.Lo != r.Lo || m.Hi != r.Hi || !bytes.Equal(mb, rb) {
					t.Fatalf("from memory box %v-%v, from the file %v-%v, or other voxels", m.Lo, m.Hi, r.Lo, r.Hi)
				}
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.File != path {
					t.Fatalf("error %v is not an *Error naming the file", err)
				}
				continue
			}
			if err := r.Header.CheckLimits(); err != nil {
				t.Fatalf("read a region of an image over the limit: %v", err)
			}
			n := 1
			for a := range 3 {
				if r.Lo[a] < 0 || r.Hi[a] > r.Header.Shape()[a] || r.Hi[a] < r.Lo[a] {
					t.Fatalf("box %v-%v outside the shape %v", r.Lo, r.Hi, r.Header.Shape())
				}
				n *= r.Hi[a] - r.Lo[a]
			}
			_, got, _ := dataBytes(r.Data)
			if len(got) != n*r.Header.Datatype.Size() {
				t.Fatalf("%d bytes for box %v-%v", len(got), r.Lo, r.Hi)
			}
			if derr != nil {
				continue
			}
			l := layoutOf(&img.Header)
			_, all, _ := dataBytes(img.Data)
			want := make([]byte, len(got))
			l.copyRows(want, r.Lo, r.Hi, all, l.vox)
			if !bytes.Equal(got, want) {
				t.Fatalf("box %v-%v differs from Decode's voxels", r.Lo, r.Hi)
			}
		}
	})
}
