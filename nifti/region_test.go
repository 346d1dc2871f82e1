package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sparseImage is an image of dt whose voxels are zero but in the box
// [lo, hi), where they are nonzero test values.
func sparseImage(dt Datatype, shape, lo, hi [3]int, version int, order binary.ByteOrder) *Image {
	h := NewHeader(shape, dt, oblique)
	h.Version, h.ByteOrder = version, order
	n := shape[0] * shape[1] * shape[2]
	data, b := makeData(dt, n)
	vb := asBytesOf(testData(dt, n))
	size := dt.Size()
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			for i := lo[0]; i < hi[0]; i++ {
				o := ((k*shape[1]+j)*shape[0] + i) * size
				copy(b[o:o+size], vb[o:o+size])
				if allZeroBytes(b[o : o+size]) {
					b[o] = 1 // nonzero in the box
				}
			}
		}
	}
	return &Image{Header: h, Data: data}
}

func asBytesOf(data any) []byte {
	_, b, _ := dataBytes(data)
	return b
}

func allZeroBytes(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// cut is the box [lo, hi) of img (clamped), as ReadRegionFile gives it.
func cut(img *Image, lo, hi [3]int) *Region {
	h := img.Header
	l := layoutOf(&h)
	lo, hi = l.clamp(lo, hi)
	r, buf := newRegion(&h, lo, hi)
	l.copyRows(buf, lo, hi, asBytesOf(img.Data), l.vox)
	return r
}

// files writes img in the forms a reader meets: K3 members (small ones, so
// that rows straddle them), the same at another level, plain .nii, and
// one gzip stream of another tool.
func files(t *testing.T, img *Image) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	write("members.nii.gz", encoded(t, img, &EncodeOptions{Gzip: true}))
	write("members-level1.nii.gz", encoded(t, img, &EncodeOptions{Gzip: true, Level: 1}))
	write("plain.nii", encoded(t, img, &EncodeOptions{}))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(encoded(t, img, &EncodeOptions{}))
	zw.Close()
	write("stream.nii.gz", gz.Bytes())
	return out
}

func sameRegion(t *testing.T, what string, got, want *Region) {
	t.Helper()
	if got.Lo != want.Lo || got.Hi != want.Hi {
		t.Errorf("%s: box %v–%v, want %v–%v", what, got.Lo, got.Hi, want.Lo, want.Hi)
		return
	}
	if !reflect.DeepEqual(got.Data, want.Data) {
		t.Errorf("%s: voxels differ", what)
	}
	if got.Header.Shape() != want.Header.Shape() || got.Header.Datatype != want.Header.Datatype {
		t.Errorf("%s: header %v %v, want %v %v", what, got.Header.Shape(), got.Header.Datatype, want.Header.Shape(), want.Header.Datatype)
	}
}

func TestReadRegionFile(t *testing.T) {
	for _, size := range []int{100, 1000, 1 << 20} {
		withMemberSize(t, size)
		for _, tc := range []struct {
			dt    Datatype
			order binary.ByteOrder
		}{{Uint8, binary.LittleEndian}, {Int16, binary.LittleEndian}, {Int16, binary.BigEndian}, {Float32, binary.LittleEndian}} {
			shape := [3]int{13, 7, 9}
			img := &Image{Header: NewHeader(shape, tc.dt, oblique), Data: testData(tc.dt, shape[0]*shape[1]*shape[2])}
			img.Header.ByteOrder = tc.order
			paths := files(t, img)
			rng := rand.New(rand.NewPCG(uint64(size), uint64(tc.dt)))
			boxes := [][2][3]int{
				{{0, 0, 0}, shape},           // whole
				{{0, 0, 3}, {13, 7, 6}},      // whole slices
				{{0, 2, 4}, {13, 5, 5}},      // whole rows of one slice
				{{3, 4, 5}, {9, 5, 6}},       // part of one row
				{{-3, -2, -1}, {20, 20, 20}}, // beyond the image: clamped
				{{5, 5, 5}, {5, 6, 7}},       // empty
				{{2, 1, 1}, {11, 6, 8}},      // inside
				{{0, 0, 8}, {13, 7, 9}},      // the last slice
			}
			for range 10 {
				var b [2][3]int
				for a := range 3 {
					x, y := rng.IntN(shape[a]+1), rng.IntN(shape[a]+1)
					b[0][a], b[1][a] = min(x, y), max(x, y)
				}
				boxes = append(boxes, b)
			}
			for name, path := range paths {
				for _, b := range boxes {
					got, err := ReadRegionFile(path, b[0], b[1])
					if err != nil {
						t.Fatalf("%s %s: %v", name, tc.dt, err)
					}
					sameRegion(t, name+" "+tc.dt.String(), got, cut(img, b[0], b[1]))
				}
			}
		}
	}
}

func TestReadNonzeroFile(t *testing.T) {
	for _, size := range []int{100, 1000, 1 << 20} {
		withMemberSize(t, size)
		for _, dt := range []Datatype{Uint8, Int16, Float64} {
			shape := [3]int{40, 30, 20}
			for _, box := range [][2][3]int{
				{{3, 4, 5}, {9, 5, 6}},
				{{0, 0, 0}, {1, 1, 1}},
				{{39, 29, 19}, {40, 30, 20}},
				{{10, 0, 2}, {30, 30, 18}},
				{{0, 0, 0}, shape},
				{{5, 5, 5}, {5, 5, 5}}, // all zeros
			} {
				img := sparseImage(dt, shape, box[0], box[1], 1, binary.LittleEndian)
				want := cut(img, box[0], box[1])
				if box[0] == box[1] {
					want = cut(img, [3]int{}, [3]int{})
				}
				for name, path := range files(t, img) {
					got, err := ReadNonzeroFile(path)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					sameRegion(t, name+" "+dt.String(), got, want)
				}
			}
		}
	}
}

// TestZeroMembersAsCompressed checks that the zero members Encode copies
// are the bytes compressing them gives, and that decoding skips nothing.
func TestZeroMembersAsCompressed(t *testing.T) {
	withMemberSize(t, 4096)
	img := sparseImage(Uint8, [3]int{64, 64, 16}, [3]int{10, 10, 7}, [3]int{20, 20, 9}, 1, binary.LittleEndian)
	for _, level := range []int{1, 5, 9, 0, HuffmanOnly} {
		got := encoded(t, img, &EncodeOptions{Gzip: true, Level: level})
		// Every member compressed, as before zero members were copied.
		var want bytes.Buffer
		lvl := level
		if lvl == 0 {
			lvl = -1
		}
		zw := newMemberWriter(&want, lvl, int64(len(encoded(t, img, &EncodeOptions{}))))
		zw.zero = nil
		zw.Write(encoded(t, img, &EncodeOptions{}))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("level %d: Encode's bytes differ from compressing every member", level)
		}
		back, err := Decode(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Data, img.Data) {
			t.Fatalf("level %d: decoded voxels differ", level)
		}
		back, err = Decode(io.MultiReader(bytes.NewReader(got))) // unsized: no target for some members
		if err != nil || !reflect.DeepEqual(back.Data, img.Data) {
			t.Fatalf("level %d: decoded voxels differ from an unsized reader (%v)", level, err)
		}
	}
}

func TestEncodeRegion(t *testing.T) {
	for _, size := range []int{100, 4096, 1 << 20} {
		withMemberSize(t, size)
		shape := [3]int{30, 20, 10}
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			for _, box := range [][2][3]int{
				{{3, 4, 5}, {9, 5, 6}},
				{{0, 0, 2}, {30, 20, 7}},
				{{0, 5, 2}, {30, 9, 7}},
				{{0, 5, 2}, {30, 9, 3}},
				{{0, 0, 0}, shape},
				{{1, 1, 1}, {29, 19, 9}},
				{{5, 5, 5}, {5, 5, 5}},
			} {
				img := sparseImage(Int16, shape, box[0], box[1], 2, order)
				r := cut(img, box[0], box[1])
				for _, opts := range []*EncodeOptions{{Gzip: true}, {}, {Gzip: true, Level: 9}} {
					var got bytes.Buffer
					if err := EncodeRegion(&got, r, opts); err != nil {
						t.Fatal(err)
					}
					if want := encoded(t, img, opts); !bytes.Equal(got.Bytes(), want) {
						t.Errorf("box %v–%v, %v, gzip %v: EncodeRegion's bytes differ from Encode's", box[0], box[1], order, opts.Gzip)
					}
				}
			}
		}
	}
	img := sparseImage(Uint8, [3]int{4, 4, 4}, [3]int{1, 1, 1}, [3]int{2, 2, 2}, 1, binary.LittleEndian)
	for _, r := range []*Region{
		{Header: img.Header, Lo: [3]int{1, 1, 1}, Hi: [3]int{5, 2, 2}, Data: make([]uint8, 4)},
		{Header: img.Header, Lo: [3]int{1, 1, 1}, Hi: [3]int{2, 2, 2}, Data: make([]uint8, 2)},
		{Header: img.Header, Lo: [3]int{1, 1, 1}, Hi: [3]int{2, 2, 2}, Data: make([]int16, 1)},
	} {
		if err := EncodeRegion(io.Discard, r, nil); err == nil {
			t.Errorf("box %v–%v of %T accepted", r.Lo, r.Hi, r.Data)
		}
	}
}

func TestReadRegionDamaged(t *testing.T) {
	withMemberSize(t, 1000)
	shape := [3]int{20, 20, 20}
	img := &Image{Header: NewHeader(shape, Int16, oblique), Data: testData(Int16, 8000)}
	good := encoded(t, img, &EncodeOptions{Gzip: true})
	dir := t.TempDir()
	write := func(b []byte) string {
		p := filepath.Join(dir, "x.nii.gz")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	offs := memberOffsets(t, good)
	// A damaged member in the box is found; one outside it is not read.
	mid := offs[len(offs)/2]
	bad := append([]byte(nil), good...)
	bad[mid+memberHeaderLen+20] ^= 0xff
	p := write(bad)
	_, err := ReadRegionFile(p, [3]int{}, shape)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged member: %v, want ErrCorrupt", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != p {
		t.Errorf("damaged member: %v does not name the file", err)
	}
	if _, err := ReadRegionFile(p, [3]int{}, [3]int{20, 20, 1}); err != nil {
		t.Errorf("first slice, the damage far away: %v", err)
	}
	if _, err := ReadNonzeroFile(p); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ReadNonzeroFile of a damaged file: %v, want ErrCorrupt", err)
	}
	// Cut short.
	p = write(good[:offs[len(offs)-2]])
	if _, err := ReadRegionFile(p, [3]int{}, shape); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := ReadNonzeroFile(p); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadNonzeroFile cut short: %v, want io.ErrUnexpectedEOF", err)
	}
	// Something else after the members.
	p = write(append(append([]byte(nil), good...), 1, 2, 3))
	if _, err := ReadNonzeroFile(p); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing bytes: %v, want ErrCorrupt", err)
	}
	// Not a NIfTI file at all.
	p = write([]byte("hello, world: not an image"))
	if _, err := ReadRegionFile(p, [3]int{}, shape); err == nil {
		t.Error("text accepted")
	}
	if _, err := ReadRegionFile(filepath.Join(dir, "missing.nii.gz"), [3]int{}, shape); err == nil {
		t.Error("missing file accepted")
	}
}
