package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// withExtension is a little-endian NIfTI-1 image of 2×2×2 bytes 0…7 whose
// header has the extension records recs (esize, ecode, content), the
// extender's first byte set, and vox_offset after them.
func withExtension(t testing.TB, recs ...[]byte) []byte {
	t.Helper()
	h := NewHeader([3]int{2, 2, 2}, Uint8, [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}})
	var buf bytes.Buffer
	if err := Encode(&buf, &Image{Header: h, Data: []uint8{0, 1, 2, 3, 4, 5, 6, 7}}, &EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ext := []byte{1, 0, 0, 0}
	for _, r := range recs {
		ext = append(ext, r...)
	}
	out := append(append(slices.Clone(b[:sizeofHdr1]), ext...), b[minVoxOffset1:]...)
	binary.LittleEndian.PutUint32(out[108:], math.Float32bits(float32(sizeofHdr1+len(ext))))
	return out
}

// record is one extension record of content c padded to a multiple of 16.
func record(code int32, c string) []byte {
	size := (8 + len(c) + 15) / 16 * 16
	r := make([]byte, size)
	binary.LittleEndian.PutUint32(r, uint32(size))
	binary.LittleEndian.PutUint32(r[4:], uint32(code))
	copy(r[8:], c)
	return r
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeExtensions(t *testing.T) {
	file := withExtension(t, record(0, "<CaretExtension/>"), record(4, "afni"))
	for _, in := range [][]byte{file, gz(t, file)} {
		exts, err := DecodeExtensions(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if len(exts) != 2 || exts[0].Code != 0 || !bytes.HasPrefix(exts[0].Data, []byte("<CaretExtension/>")) || len(exts[0].Data) != 24 || exts[1].Code != 4 {
			t.Errorf("got %+v", exts)
		}
		img, err := Decode(bytes.NewReader(in))
		if err != nil || !slices.Equal(img.Data.([]uint8), []uint8{0, 1, 2, 3, 4, 5, 6, 7}) {
			t.Errorf("voxels after extensions: %v", err)
		}
	}
	var plain bytes.Buffer
	if err := Encode(&plain, &Image{Header: NewHeader([3]int{1, 1, 1}, Uint8, [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}), Data: []uint8{1}}, &EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if exts, err := DecodeExtensions(&plain); err != nil || exts != nil {
		t.Errorf("no extensions: %v, %v", exts, err)
	}
	bad := withExtension(t, record(0, "x"))
	binary.LittleEndian.PutUint32(bad[352:], 4000)
	if _, err := DecodeExtensions(bytes.NewReader(bad)); !errors.Is(err, ErrFormat) {
		t.Errorf("esize past vox_offset: %v", err)
	}
}

// FuzzDecodeExtensions checks that DecodeExtensions never panics, that
// every record it returns lies within the file, and that its errors are
// *Error values.
func FuzzDecodeExtensions(f *testing.F) {
	file := withExtension(f, record(0, "<CaretExtension/>"))
	f.Add(file)
	f.Add(gz(f, file))
	f.Fuzz(func(t *testing.T, data []byte) {
		exts, err := DecodeExtensions(bytes.NewReader(data))
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("not an *Error: %v", err)
		}
		for _, x := range exts {
			if len(x.Data) > MaxExtensionBytes {
				t.Fatalf("extension of %d bytes", len(x.Data))
			}
		}
	})
}
