package nifti

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// encoded returns img encoded with opts.
func encoded(t testing.TB, img *Image, opts *EncodeOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patched returns a copy of b with f applied.
func patched(b []byte, f func(b []byte)) []byte {
	b = append([]byte(nil), b...)
	f(b)
	return b
}

// TestBadInput checks that every kind of damaged or foreign input gives an
// *Error naming the field at fault and wrapping the right reason.
func TestBadInput(t *testing.T) {
	le := binary.LittleEndian
	img := testImage(Int16, 1, le)
	raw := encoded(t, img, &EncodeOptions{})
	gz := encoded(t, noisyImage(), nil)
	raw2 := encoded(t, testImage(Float32, 2, le), &EncodeOptions{})
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	tests := []struct {
		name   string
		in     []byte
		field  string
		reason error
		text   string // in the message
	}{
		{"empty", nil, "header", io.ErrUnexpectedEOF, "unexpected EOF"},
		{"one byte", []byte{0x5c}, "header", io.ErrUnexpectedEOF, ""},
		{"header cut", raw[:100], "header", io.ErrUnexpectedEOF, ""},
		{"header cut nifti2", raw2[:500], "header", io.ErrUnexpectedEOF, ""},
		{"data cut", raw[:len(raw)-10], "data", io.ErrUnexpectedEOF, ""},
		{"extension flag cut", raw[:350], "data", io.ErrUnexpectedEOF, ""},
		{"gzip cut in header", gz[:5], "header", io.ErrUnexpectedEOF, ""},
		{"gzip cut in data", gz[:len(gz)/2], "data", io.ErrUnexpectedEOF, ""},
		{"gzip cut in trailer", gz[:len(gz)-3], "gzip", io.ErrUnexpectedEOF, ""},
		{"gzip bad crc", patched(gz, func(b []byte) { b[len(b)-8] ^= 0xff }), "gzip", ErrCorrupt, "checksum"},
		{"gzip bad size", patched(gz, func(b []byte) { b[len(b)-1] ^= 0x01 }), "gzip", ErrCorrupt, "checksum"},
		{"gzip bad method", patched(gz, func(b []byte) { b[2] = 7 }), "gzip", ErrCorrupt, "header"},
		{"gzip of garbage", encodedGzip(t, bytes.Repeat([]byte("not nifti "), 100)), "sizeof_hdr", ErrFormat, ""},
		{"gzip trailing garbage", append(append([]byte(nil), gz...), "garbage!!!"...), "gzip", ErrCorrupt, ""},
		{"png", png, "sizeof_hdr", ErrFormat, "89 50 4e 47"},
		{"text", []byte("hello, this is a text file and certainly not an image\n"), "sizeof_hdr", ErrFormat, ""},
		{"sizeof_hdr 349", patched(raw, func(b []byte) { le.PutUint32(b, 349) }), "sizeof_hdr", ErrFormat, ""},
		{"bad magic", patched(raw, func(b []byte) { copy(b[344:], "n+3\x00") }), "magic", ErrFormat, `"n+3\x00"`},
		{"magic of version 2 in version 1", patched(raw, func(b []byte) { copy(b[344:], "n+2\x00") }), "magic", ErrFormat, ""},
		{"pair magic", patched(raw, func(b []byte) { copy(b[344:], "ni1\x00") }), "magic", ErrUnsupported, ".hdr/.img"},
		{"nifti2 eol converted", patched(raw2, func(b []byte) { copy(b[8:], "\n\x1a\n\x00") }), "magic", ErrFormat, "end-of-line"},
		{"dim[0] 0", patched(raw, func(b []byte) { le.PutUint16(b[40:], 0) }), "dim[0]", ErrFormat, ""},
		{"dim[0] 8", patched(raw, func(b []byte) { le.PutUint16(b[40:], 8) }), "dim[0]", ErrFormat, ""},
		{"dim[2] 0", patched(raw, func(b []byte) { le.PutUint16(b[44:], 0) }), "dim[2]", ErrFormat, "size 0"},
		{"dim[3] negative", patched(raw, func(b []byte) { le.PutUint16(b[46:], 0xfffd) }), "dim[3]", ErrFormat, "size -3"},
		{"dim[4] 2 volumes", patched(raw, func(b []byte) { le.PutUint16(b[40:], 4); le.PutUint16(b[48:], 2) }), "dim[4]", ErrUnsupported, "2 volumes"},
		{"absurd dims", patched(raw, func(b []byte) {
			for i := 1; i <= 3; i++ {
				le.PutUint16(b[40+2*i:], 32767)
			}
		}), "dim[3]", ErrUnsupported, "bytes"},
		{"absurd nifti2 dim", patched(raw2, func(b []byte) { le.PutUint64(b[24:], 1<<62) }), "dim[1]", ErrUnsupported, ""},
		{"lying dims", patched(raw, func(b []byte) { le.PutUint16(b[42:], 512); le.PutUint16(b[44:], 512) }), "data", io.ErrUnexpectedEOF, "the input has"},
		{"lying dims gzip", encodedGzip(t, patched(raw, func(b []byte) {
			for i := 1; i <= 3; i++ {
				le.PutUint16(b[40+2*i:], 500) // under the size limit
			}
		})), "data", io.ErrUnexpectedEOF, "the input has"},
		{"datatype complex64", patched(raw, func(b []byte) { le.PutUint16(b[70:], 32); le.PutUint16(b[72:], 64) }), "datatype", ErrUnsupported, "32 (complex64)"},
		{"datatype rgb24", patched(raw, func(b []byte) { le.PutUint16(b[70:], 128) }), "datatype", ErrUnsupported, "128 (rgb24)"},
		{"datatype unknown", patched(raw, func(b []byte) { le.PutUint16(b[70:], 3) }), "datatype", ErrUnsupported, "3 (unknown)"},
		{"bitpix", patched(raw, func(b []byte) { le.PutUint16(b[72:], 8) }), "bitpix", ErrFormat, "int16"},
		{"vox_offset in header", patched(raw, func(b []byte) { le.PutUint32(b[108:], math.Float32bits(100)) }), "vox_offset", ErrFormat, ""},
		{"vox_offset zero", patched(raw, func(b []byte) { le.PutUint32(b[108:], 0) }), "vox_offset", ErrFormat, ""},
		{"vox_offset negative", patched(raw, func(b []byte) { le.PutUint32(b[108:], math.Float32bits(-352)) }), "vox_offset", ErrFormat, ""},
		{"vox_offset NaN", patched(raw, func(b []byte) { le.PutUint32(b[108:], math.Float32bits(float32(math.NaN()))) }), "vox_offset", ErrFormat, "NaN"},
		{"vox_offset absurd", patched(raw, func(b []byte) { le.PutUint32(b[108:], math.Float32bits(1e12)) }), "vox_offset", ErrFormat, ""},
		{"vox_offset past the end", patched(raw, func(b []byte) { le.PutUint32(b[108:], math.Float32bits(1e6)) }), "data", io.ErrUnexpectedEOF, ""},
		{"nifti2 vox_offset absurd", patched(raw2, func(b []byte) { le.PutUint64(b[168:], 1<<40) }), "vox_offset", ErrFormat, ""},
		{"scl_inter infinite", patched(raw, func(b []byte) { le.PutUint32(b[116:], math.Float32bits(float32(math.Inf(1)))) }), "scl_inter", ErrFormat, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(bytes.NewReader(tc.in))
			checkError(t, img, err, tc.field, tc.reason, tc.text)
			// The same input from a reader that does not tell its size.
			img, err = Decode(struct{ io.Reader }{bytes.NewReader(tc.in)})
			if err == nil || !errors.Is(err, tc.reason) {
				t.Errorf("unsized reader: got %v, %v, want %v", img, err, tc.reason)
			}
		})
	}
}

func checkError(t *testing.T, img *Image, err error, field string, reason error, text string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, %v, want an *Error", img, err)
	}
	if img != nil {
		t.Errorf("got an image with the error %v", err)
	}
	if e.Field != field || !errors.Is(err, reason) || !strings.Contains(err.Error(), text) {
		t.Errorf("got %q (field %q), want field %q, reason %v, text %q", err, e.Field, field, reason, text)
	}
	if !strings.HasPrefix(err.Error(), "nifti: "+field+": ") {
		t.Errorf("message %q does not start with %q", err, "nifti: "+field+": ")
	}
}

// noisyImage returns an int16 image of 64×64×32 random values, whose gzip
// stream has several deflate blocks.
func noisyImage() *Image {
	data := make([]int16, 64*64*32)
	x := uint32(1)
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = int16(x)
	}
	return &Image{Header: NewHeader([3]int{64, 64, 32}, Int16, oblique), Data: data}
}

// TestLyingHeaderAllocatesLittle checks that a header promising far more
// voxels than the input holds costs little memory: a sized input is
// rejected before the allocation, an unsized one allocates at most
// growStep.
func TestLyingHeaderAllocatesLittle(t *testing.T) {
	le := binary.LittleEndian
	raw := encoded(t, testImage(Float64, 1, le), &EncodeOptions{})
	for i := 1; i <= 3; i++ {
		le.PutUint16(raw[40+2*i:], 500) // 1 GB, under the size limit
	}
	gz := encodedGzip(t, raw)
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"raw", bytes.NewReader(raw)},
		{"gzip", bytes.NewReader(gz)},
		{"raw unsized", struct{ io.Reader }{bytes.NewReader(raw)}},
		{"gzip unsized", struct{ io.Reader }{bytes.NewReader(gz)}},
		{"members", bytes.NewReader(encodedMembers(t, raw))},
	}
	for _, tc := range tests {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(tc.r)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: got %v, want io.ErrUnexpectedEOF", tc.name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > uint64(growStep)+16<<20 {
			t.Errorf("%s: allocated %d bytes: %v", tc.name, n, err)
		}
	}
}

// TestGrowingDecode decodes through the path that grows the voxel slice
// (unsized readers, gzip streams whose trailer does not give the size).
func TestGrowingDecode(t *testing.T) {
	defer func(step int) { growStep = step }(growStep)
	growStep = 1000
	img := noisyImage()
	raw := encoded(t, img, &EncodeOptions{})
	gz := encoded(t, img, nil)
	// Two gzip members: the trailer gives only the second one's size.
	multi := append(encodedGzip(t, raw[:5000]), encodedGzip(t, raw[5000:])...)
	// K3 members, filling a slice that grows.
	withMemberSize(t, 3000)
	members := encoded(t, img, nil)
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"raw unsized", struct{ io.Reader }{bytes.NewReader(raw)}},
		{"gzip unsized", struct{ io.Reader }{bytes.NewReader(gz)}},
		{"gzip multistream", bytes.NewReader(multi)},
		{"gzip multistream unsized", struct{ io.Reader }{bytes.NewReader(multi)}},
		{"members unsized", struct{ io.Reader }{bytes.NewReader(members)}},
		{"members lying total", bytes.NewReader(membersWithTotal(t, raw, uint64(len(raw))-1))},
	}
	for _, tc := range tests {
		got, err := Decode(tc.r)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got.Data, img.Data) {
			t.Errorf("%s: voxels differ", tc.name)
		}
	}
}

// TestReadFileErrors checks that errors name the file.
func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.nii.gz")
	_, err := ReadFile(missing)
	var e *Error
	if !errors.As(err, &e) || e.File != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want an *Error naming the file, wrapping fs.ErrNotExist", err)
	}
	_, err = ReadHeaderFile(missing)
	if !errors.As(err, &e) || e.File != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadHeaderFile(missing) = %v, want an *Error naming the file", err)
	}

	cut := filepath.Join(dir, "cut.nii.gz")
	gz := encoded(t, noisyImage(), nil)
	if err := os.WriteFile(cut, gz[:len(gz)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(cut)
	if want := "nifti: " + cut + ": data: unexpected EOF"; err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadFile(cut) = %v, want %q...", err, want)
	}
	if _, err := ReadHeaderFile(cut); err != nil {
		t.Errorf("ReadHeaderFile(cut) = %v, want the header", err)
	}

	dirErr := filepath.Join(dir, "folder.nii")
	if err := os.Mkdir(dirErr, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(dirErr); !errors.As(err, &e) || e.File != dirErr {
		t.Errorf("ReadFile(folder) = %v, want an *Error naming it", err)
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestEncodeErrors checks what Encode refuses.
func TestEncodeErrors(t *testing.T) {
	le := binary.LittleEndian
	good := func() *Image { return testImage(Int16, 1, le) }
	tests := []struct {
		name   string
		img    func() *Image
		opts   *EncodeOptions
		w      io.Writer
		field  string
		reason error
	}{
		{"data type mismatch", func() *Image { i := good(); i.Data = make([]uint8, 105); return i }, nil, io.Discard, "datatype", ErrFormat},
		{"data length mismatch", func() *Image { i := good(); i.Data = make([]int16, 7); return i }, nil, io.Discard, "data", ErrFormat},
		{"data not a slice", func() *Image { i := good(); i.Data = "voxels"; return i }, nil, io.Discard, "data", ErrUnsupported},
		{"data nil", func() *Image { i := good(); i.Data = nil; return i }, nil, io.Discard, "data", ErrUnsupported},
		{"unsupported datatype", func() *Image { i := good(); i.Header.Datatype = 32; return i }, nil, io.Discard, "datatype", ErrUnsupported},
		{"two volumes", func() *Image {
			i := good()
			i.Header.Dim[0], i.Header.Dim[4] = 4, 2
			i.Data = make([]int16, 210)
			return i
		}, nil, io.Discard, "dim[4]", ErrUnsupported},
		{"dim too big for nifti1", func() *Image {
			i := good()
			i.Header.Dim[1], i.Header.Dim[2], i.Header.Dim[3] = 40000, 1, 1
			i.Data = make([]int16, 40000)
			return i
		}, nil, io.Discard, "dim[1]", ErrUnsupported},
		{"descrip too long", func() *Image { i := good(); i.Header.Descrip = strings.Repeat("x", 81); return i }, nil, io.Discard, "descrip", ErrFormat},
		{"intent_name with NUL", func() *Image { i := good(); i.Header.IntentName = "a\x00b"; return i }, nil, io.Discard, "intent_name", ErrFormat},
		{"version 3", func() *Image { i := good(); i.Header.Version = 3; return i }, nil, io.Discard, "version", ErrUnsupported},
		{"gzip level", good, &EncodeOptions{Gzip: true, Level: 12}, io.Discard, "gzip", ErrUnsupported},
		{"write fails in header", good, &EncodeOptions{}, &failWriter{100}, "header", errDiskFull},
		{"write fails in data", good, &EncodeOptions{}, &failWriter{400}, "data", errDiskFull},
		{"write fails in data, swapped", func() *Image { i := good(); i.Header.ByteOrder = binary.BigEndian; return i }, &EncodeOptions{}, &failWriter{400}, "data", errDiskFull},
		{"write fails in gzip", good, nil, &failWriter{10}, "data", errDiskFull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(tc.w, tc.img(), tc.opts)
			var e *Error
			if !errors.As(err, &e) || e.Field != tc.field || !errors.Is(err, tc.reason) {
				t.Errorf("Encode = %v, want an *Error on %q wrapping %v", err, tc.field, tc.reason)
			}
		})
	}
}

// TestEncodeDefaults checks that a zero Version and nil ByteOrder encode as
// little-endian NIfTI-1.
func TestEncodeDefaults(t *testing.T) {
	img := testImage(Uint16, 1, nil)
	img.Header.Version = 0
	got := encodeDecode(t, img, &EncodeOptions{})
	if got.Header.Version != 1 || got.Header.ByteOrder != binary.LittleEndian {
		t.Errorf("version %d order %v, want 1 little-endian", got.Header.Version, got.Header.ByteOrder)
	}
}
