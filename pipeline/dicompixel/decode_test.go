package dicompixel_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/dicompixel"
	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomtest"
)

// readBack writes s, reads its header and decodes its pixels.
func readBack(t *testing.T, s dicomtest.Slice) ([]int32, error) {
	t.Helper()
	path, in := writeSlice(t, s)
	dst := make([]int32, in.Format.Pixels())
	return dst, dicompixel.ReadFile(path, in.Format, dst)
}

// writeSlice writes s into a file and reads its header back.
func writeSlice(t testing.TB, s dicomtest.Slice) (string, *dicomscan.Instance) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slice")
	if err := os.WriteFile(path, dicomtest.Encode(s), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := dicomscan.ReadHeader(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, in
}

func TestNativeTransferSyntaxes(t *testing.T) {
	words := []uint16{0, 1, 2, 0x0FFF, 0x0800, 0x07FF, 300, 4000, 17, 18, 19, 20}
	for _, tc := range []struct {
		name       string
		syntax     string
		noPreamble bool
		signed     bool
		want       []int32
	}{
		{"explicit little endian", dicomtest.ExplicitLE, false, false, []int32{0, 1, 2, 4095, 2048, 2047, 300, 4000}},
		{"implicit little endian", dicomtest.ImplicitLE, false, false, []int32{0, 1, 2, 4095, 2048, 2047, 300, 4000}},
		{"explicit big endian", dicomtest.ExplicitBE, false, false, []int32{0, 1, 2, 4095, 2048, 2047, 300, 4000}},
		{"no preamble, implicit", dicomtest.ImplicitLE, true, false, []int32{0, 1, 2, 4095, 2048, 2047, 300, 4000}},
		{"signed 12-bit", dicomtest.ExplicitLE, false, true, []int32{0, 1, 2, -1, -2048, 2047, 300, -96}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := dicomtest.Default()
			s.Syntax, s.NoPreamble, s.Signed, s.Words = tc.syntax, tc.noPreamble, tc.signed, words
			got, err := readBack(t, s)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				if got[i] != w {
					t.Fatalf("sample %d = %d, want %d (all %v)", i, got[i], w, got)
				}
			}
		})
	}
}

func TestPixelLengthMustMatchRowsTimesColumns(t *testing.T) {
	s := dicomtest.Default()
	s.PixelBytes = make([]byte, 2*s.Rows*s.Cols-4)
	_, err := readBack(t, s)
	var fe *dicompixel.FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "pixel data holds 20 bytes; rows × columns × 2 bytes is 24") || !strings.HasSuffix(fe.File, "slice") {
		t.Fatalf("error %v, want a *FileError naming the file and the lengths", err)
	}
}

func TestUnsupportedSyntaxIsNamed(t *testing.T) {
	s := dicomtest.Default()
	s.Syntax = "1.2.840.10008.1.2.4.100"
	_, err := readBack(t, s)
	var ue *dicompixel.UnsupportedError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level)") || ue.File == "" {
		t.Fatalf("error %v, want an *UnsupportedError naming the UID, its name and the file", err)
	}
}

// packBits is a PackBits encoder for tests: runs of three or more equal
// bytes are repeat runs, the rest literal runs.
func packBits(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] == b[i] && j-i < 128 {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(int8(1-(j-i))), b[i])
			i = j
			continue
		}
		j = i
		for j < len(b) && j-i < 128 && !(j+2 < len(b) && b[j] == b[j+1] && b[j] == b[j+2]) {
			j++
		}
		out = append(out, byte(j-i-1))
		out = append(out, b[i:j]...)
		i = j
	}
	if len(out)%2 == 1 {
		out = append(out, 0x80) // a no-op pad
	}
	return out
}

// rleFrame is a DICOM RLE frame of 16-bit words.
func rleFrame(words []uint16) []byte {
	hi, lo := make([]byte, len(words)), make([]byte, len(words))
	for i, w := range words {
		hi[i], lo[i] = byte(w>>8), byte(w)
	}
	s1, s2 := packBits(hi), packBits(lo)
	head := make([]byte, 64)
	binary.LittleEndian.PutUint32(head, 2)
	binary.LittleEndian.PutUint32(head[4:], 64)
	binary.LittleEndian.PutUint32(head[8:], uint32(64+len(s1)))
	return append(append(head, s1...), s2...)
}

func TestRLE(t *testing.T) {
	f := dicompixel.Format{Rows: 4, Columns: 50, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 16, Signed: true}
	words := make([]uint16, f.Pixels())
	for i := range words {
		words[i] = uint16(int16(i/7*13 - 1000)) // runs and literals, negative and positive
	}
	dst := make([]int32, f.Pixels())
	if err := dicompixel.Decode(dicompixel.Lookup("1.2.840.10008.1.2.5"), f, [][]byte{rleFrame(words)}, dst); err != nil {
		t.Fatal(err)
	}
	for i, w := range words {
		if dst[i] != int32(int16(w)) {
			t.Fatalf("sample %d = %d, want %d", i, dst[i], int16(w))
		}
	}
	bad := rleFrame(words)
	if err := dicompixel.Decode(dicompixel.Lookup("1.2.840.10008.1.2.5"), f, [][]byte{bad[:len(bad)-9]}, dst); err == nil {
		t.Error("a truncated RLE frame decoded")
	}
}

// TestStreamSizeIsCheckedFirst gives compressed frames that declare a
// huge image in a small header: each is refused before any decoding.
func TestStreamSizeIsCheckedFirst(t *testing.T) {
	f := dicompixel.Format{Rows: 3, Columns: 4, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12}
	siz := []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0}
	siz = binary.BigEndian.AppendUint32(siz, 60000)
	siz = binary.BigEndian.AppendUint32(siz, 60000)
	siz = append(siz, make([]byte, 8+16)...)
	siz = append(siz, 0, 1, 15, 1, 1)
	sof := []byte{0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 16, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0}
	for _, tc := range []struct {
		uid  string
		data []byte
	}{{"1.2.840.10008.1.2.4.90", siz}, {"1.2.840.10008.1.2.4.70", sof}, {"1.2.840.10008.1.2.4.80", sof}} {
		err := dicompixel.Decode(dicompixel.Lookup(tc.uid), f, [][]byte{tc.data}, make([]int32, 12))
		if err == nil || !strings.Contains(err.Error(), "declares 60000×60000") {
			t.Errorf("%s: %v", tc.uid, err)
		}
	}
}
