package nifti

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
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
	// A file of several K3 members.
	defer func(n int) { memberSize = n }(memberSize)
	memberSize = 200
	f.Add(encoded(f, testImage(Int16, 1, binary.LittleEndian), nil))
}

// FuzzDecode checks that Decode never panics, fails only with an *Error,
// agrees with DecodeHeader and with itself on an unsized reader, and that
// what it decodes encodes and decodes to the same image.
func FuzzDecode(f *testing.F) {
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
