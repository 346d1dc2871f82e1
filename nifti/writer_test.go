package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"testing"
)

// TestWriterWritesEncodesBytes writes images in parts of several sizes and
// wants Encode's bytes, plain and gzipped over several members, in both
// byte orders.
func TestWriterWritesEncodesBytes(t *testing.T) {
	withMemberSize(t, 64)
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, opts := range []*EncodeOptions{{}, nil, {Gzip: true, Level: HuffmanOnly}, {Gzip: true, Level: Stored}} {
			img := testImage(Int16, 1, order)
			var want bytes.Buffer
			if err := Encode(&want, img, opts); err != nil {
				t.Fatal(err)
			}
			data := img.Data.([]int16)
			for _, part := range []int{1, 7, 35, len(data)} {
				got := writeInParts(t, img.Header, opts, data, part)
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%v %+v parts of %d: %d bytes differ from Encode's %d", order, opts, part, got.Len(), want.Len())
				}
			}
		}
	}
}

// TestWriterRefusesWrongVoxels: too many, too few, or of another type.
func TestWriterRefusesWrongVoxels(t *testing.T) {
	img := testImage(Int16, 1, binary.LittleEndian) // 105 voxels
	for _, c := range []struct {
		name  string
		parts []any
		want  string
	}{
		{"too many", []any{make([]int16, 106)}, "nifti: data: not a valid NIfTI file: 1 voxels more than the header's dim holds"},
		{"too few", []any{make([]int16, 100)}, "nifti: data: not a valid NIfTI file: 5 voxels fewer than the header's dim holds"},
		{"wrong type", []any{make([]float32, 105)}, "nifti: datatype: not a valid NIfTI file: header says int16, voxels are []float32"},
	} {
		w, err := NewWriter(&bytes.Buffer{}, img.Header, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.parts {
			if err = w.Write(p); err != nil {
				break
			}
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err == nil || err.Error() != c.want || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
}

// TestStoredIsStandardGzip reads images encoded at Stored with the
// standard library's gzip reader: one of several members, the last one
// short, and one whose member holds several stored blocks.
func TestStoredIsStandardGzip(t *testing.T) {
	big := &Image{Header: NewHeader([3]int{256, 256, 2}, Int16, oblique)}
	voxels := make([]int16, 256*256*2)
	for i := range voxels {
		voxels[i] = int16(i*31 - 4000)
	}
	big.Data = voxels
	for _, tc := range []struct {
		img    *Image
		member int
	}{{testImage(Int16, 1, binary.LittleEndian), 64}, {big, 1 << 20}} {
		withMemberSize(t, tc.member)
		var b bytes.Buffer
		if err := Encode(&b, tc.img, &EncodeOptions{Gzip: true, Level: Stored}); err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var plain bytes.Buffer
		if err := Encode(&plain, tc.img, &EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain.Bytes()) {
			t.Errorf("members of %d bytes: inflated %d bytes unlike the plain file's %d", tc.member, len(got), plain.Len())
		}
	}
}

// TestStoredWriterZeroMembers writes a mostly zero image at Stored in
// parts of several sizes, so that members start in one part and end in
// the next, some of them all zeros: the bytes are Encode's whatever the
// parts, and inflate to the voxels.
func TestStoredWriterZeroMembers(t *testing.T) {
	withMemberSize(t, 64)
	img := &Image{Header: NewHeader([3]int{16, 16, 4}, Int16, oblique)}
	voxels := make([]int16, 16*16*4)
	for i := 300; i < 340; i++ {
		voxels[i] = int16(i - 320)
	}
	img.Data = voxels
	opts := &EncodeOptions{Gzip: true, Level: Stored}
	var want bytes.Buffer
	if err := Encode(&want, img, opts); err != nil {
		t.Fatal(err)
	}
	for _, part := range []int{1, 7, 32, 35, 100, len(voxels)} {
		got := writeInParts(t, img.Header, opts, voxels, part)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("parts of %d: %d bytes differ from Encode's %d", part, got.Len(), want.Len())
		}
		back, err := Decode(bytes.NewReader(got.Bytes()))
		if err != nil || !slices.Equal(back.Data.([]int16), voxels) {
			t.Fatalf("parts of %d: decoded %v", part, err)
		}
	}
}

// writeInParts writes data through a Writer part voxels at a time.
func writeInParts(t *testing.T, h Header, opts *EncodeOptions, data []int16, part int) *bytes.Buffer {
	t.Helper()
	var got bytes.Buffer
	w, err := NewWriter(&got, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(data); lo += part {
		if err := w.Write(data[lo:min(lo+part, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &got
}
