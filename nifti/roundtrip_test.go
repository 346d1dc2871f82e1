package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

var allDatatypes = []Datatype{Uint8, Int8, Int16, Uint16, Int32, Uint32, Float32, Float64}

// oblique is a rotated, slightly sheared, anisotropic voxel-to-world matrix
// with a negative determinant.
var oblique = [4][4]float64{
	{0.6928, 0.35, 0.0523, -120.5},
	{0.4, -0.6062, 0.0872, 80.25},
	{0.0, 0.0872, 1.2435, -40},
	{0, 0, 0, 1},
}

// testData returns n deterministic values of dt covering its range.
func testData(dt Datatype, n int) any {
	data, _ := makeData(dt, n)
	for i := range n {
		f := float64(i)/float64(max(n-1, 1))*2 - 1 // -1 .. 1
		switch d := data.(type) {
		case []uint8:
			d[i] = uint8(255 * (f + 1) / 2)
		case []int8:
			d[i] = int8(127 * f)
		case []int16:
			d[i] = int16(32767 * f)
		case []uint16:
			d[i] = uint16(65535 * (f + 1) / 2)
		case []int32:
			d[i] = int32(math.MaxInt32 * f)
		case []uint32:
			d[i] = uint32(math.MaxUint32 * (f + 1) / 2)
		case []float32:
			d[i] = float32(f * 1e6 / 3)
		case []float64:
			d[i] = f * 1e12 / 7
		}
	}
	return data
}

func testImage(dt Datatype, version int, order binary.ByteOrder) *Image {
	shape := [3]int{7, 5, 3}
	h := NewHeader(shape, dt, oblique)
	h.Version, h.ByteOrder = version, order
	if version == 2 {
		h.VoxOffset = minVoxOffset2
	}
	h.Descrip = "kidney3d round trip"
	h.IntentName, h.AuxFile = "intent", "aux"
	h.CalMin, h.CalMax = -100, 400
	h.SliceDuration, h.TOffset = 0.5, 1.5
	h.IntentCode, h.IntentP1 = 1002, 0.25
	h.SliceStart, h.SliceEnd, h.SliceCode, h.DimInfo = 0, 2, 1, 0x39
	h.SclSlope, h.SclInter = 0.5, -7
	return &Image{Header: h, Data: testData(dt, shape[0]*shape[1]*shape[2])}
}

func encodeDecode(t *testing.T, img *Image, opts *EncodeOptions) *Image {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, opts); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return got
}

// TestRoundTrip encodes and decodes every datatype in every layout: the
// voxels come back identical, the header identical up to NIfTI-1's float32
// fields, and a second round trip changes nothing.
func TestRoundTrip(t *testing.T) {
	layouts := []struct {
		name    string
		version int
		order   binary.ByteOrder
	}{
		{"nifti1-le", 1, binary.LittleEndian},
		{"nifti1-be", 1, binary.BigEndian},
		{"nifti2-le", 2, binary.LittleEndian},
		{"nifti2-be", 2, binary.BigEndian},
	}
	opts := []struct {
		name string
		opts *EncodeOptions
	}{
		{"raw", &EncodeOptions{}},
		{"gzip-default", nil},
		{"gzip-1", &EncodeOptions{Gzip: true, Level: 1}},
		{"gzip-huffman", &EncodeOptions{Gzip: true, Level: HuffmanOnly}},
		{"gzip-stored", &EncodeOptions{Gzip: true, Level: Stored}},
		{"gzip-9", &EncodeOptions{Gzip: true, Level: 9}},
	}
	for _, dt := range allDatatypes {
		for _, l := range layouts {
			for _, o := range opts {
				t.Run(dt.String()+"/"+l.name+"/"+o.name, func(t *testing.T) {
					img := testImage(dt, l.version, l.order)
					got := encodeDecode(t, img, o.opts)
					if !reflect.DeepEqual(got.Data, img.Data) {
						t.Fatalf("voxels differ")
					}
					want := img.Header
					if l.version == 1 {
						want = roundFloat32(want)
					}
					if !reflect.DeepEqual(got.Header, want) {
						t.Fatalf("header\n got %+v\nwant %+v", got.Header, want)
					}
					again := encodeDecode(t, got, o.opts)
					if !reflect.DeepEqual(again, got) {
						t.Fatalf("second round trip changed the image")
					}
				})
			}
		}
	}
}

// roundFloat32 rounds the float fields of h as NIfTI-1 stores them.
func roundFloat32(h Header) Header {
	r := func(p *float64) { *p = float64(float32(*p)) }
	for i := range h.PixDim {
		r(&h.PixDim[i])
	}
	for i := range h.SRow {
		for j := range h.SRow[i] {
			r(&h.SRow[i][j])
		}
	}
	for _, p := range []*float64{&h.SclSlope, &h.SclInter, &h.CalMin, &h.CalMax, &h.QuaternB, &h.QuaternC,
		&h.QuaternD, &h.QOffsetX, &h.QOffsetY, &h.QOffsetZ, &h.IntentP1, &h.IntentP2, &h.IntentP3,
		&h.SliceDuration, &h.TOffset} {
		r(p)
	}
	return h
}

// TestEncodeGzipDetected checks that gzip output starts with the gzip magic
// and plain output with sizeof_hdr, and that nil options compress.
func TestEncodeGzipDetected(t *testing.T) {
	img := testImage(Uint8, 1, binary.LittleEndian)
	for _, tc := range []struct {
		opts   *EncodeOptions
		prefix []byte
	}{
		{nil, []byte{0x1f, 0x8b}},
		{&EncodeOptions{Gzip: true, Level: 3}, []byte{0x1f, 0x8b}},
		{&EncodeOptions{}, []byte{0x5c, 0x01, 0, 0}},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, img, tc.opts); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), tc.prefix) {
			t.Errorf("%+v: output starts % x, want % x", tc.opts, buf.Bytes()[:4], tc.prefix)
		}
	}
}

// TestNewHeader checks the geometry NewHeader writes: the sform is the
// affine, the qform (alone) gives the same affine when it has no shear, and
// the zooms are the column norms.
func TestNewHeader(t *testing.T) {
	rotZ := func(deg float64) [4][4]float64 {
		c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
		return [4][4]float64{{0.8 * c, -0.9 * s, 0, 10}, {0.8 * s, 0.9 * c, 0, -20}, {0, 0, 2.5, 30}, {0, 0, 0, 1}}
	}
	flipX := func(a [4][4]float64) [4][4]float64 {
		for i := range 3 {
			a[i][0] = -a[i][0]
		}
		return a
	}
	tests := []struct {
		name    string
		affine  [4][4]float64
		qfac    float64
		noShear bool
	}{
		{"identity", [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, 1, true},
		{"ras-diag", [4][4]float64{{0.8, 0, 0, -100}, {0, 0.8, 0, 50}, {0, 0, 2, -300}, {0, 0, 0, 1}}, 1, true},
		{"lps-voxels", [4][4]float64{{-0.8, 0, 0, 100}, {0, -0.8, 0, 50}, {0, 0, 2, -300}, {0, 0, 0, 1}}, 1, true},
		{"las-negdet", [4][4]float64{{-0.8, 0, 0, 100}, {0, 0.8, 0, 50}, {0, 0, 2, -300}, {0, 0, 0, 1}}, -1, true},
		{"rot-z-30", rotZ(30), 1, true},
		{"rot-z-180", rotZ(180), 1, true},
		{"rot-z-170-negdet", flipX(rotZ(170)), -1, true},
		{"oblique-sheared", oblique, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHeader([3]int{4, 5, 6}, Int16, tc.affine)
			if h.SformCode != 1 || h.QformCode != 1 || h.PixDim[0] != tc.qfac {
				t.Errorf("sform %d qform %d qfac %v, want 1 1 %v", h.SformCode, h.QformCode, h.PixDim[0], tc.qfac)
			}
			if got := h.Affine(); !affineClose(got, tc.affine, 1e-12) {
				t.Errorf("Affine() = %v, want %v", got, tc.affine)
			}
			for j := range 3 {
				norm := math.Hypot(math.Hypot(tc.affine[0][j], tc.affine[1][j]), tc.affine[2][j])
				if math.Abs(h.PixDim[j+1]-norm) > 1e-12 || math.Abs(h.Zooms()[j]-norm) > 1e-12 {
					t.Errorf("pixdim[%d] = %v, zoom %v, want %v", j+1, h.PixDim[j+1], h.Zooms()[j], norm)
				}
			}
			h.SformCode = 0
			q := h.Affine()
			if tc.noShear && !affineClose(q, tc.affine, 1e-9) {
				t.Errorf("qform affine = %v, want %v", q, tc.affine)
			}
			if !tc.noShear && !affineClose(q, tc.affine, 0.1) {
				t.Errorf("qform affine = %v, too far from %v", q, tc.affine)
			}
		})
	}
	h := NewHeader([3]int{2, 2, 2}, Uint8, [4][4]float64{{1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}})
	if h.QformCode != 0 || h.SformCode != 1 {
		t.Errorf("singular affine: qform %d sform %d, want 0 1", h.QformCode, h.SformCode)
	}
}

func affineClose(a, b [4][4]float64, tol float64) bool {
	for i := range 4 {
		for j := range 4 {
			if math.Abs(a[i][j]-b[i][j]) > tol {
				return false
			}
		}
	}
	return true
}

// TestDatatypeString checks the names of the datatypes.
func TestDatatypeString(t *testing.T) {
	tests := []struct {
		dt   Datatype
		name string
		size int
	}{
		{Uint8, "uint8", 1}, {Int8, "int8", 1}, {Int16, "int16", 2}, {Uint16, "uint16", 2},
		{Int32, "int32", 4}, {Uint32, "uint32", 4}, {Float32, "float32", 4}, {Float64, "float64", 8},
		{1792, "datatype(1792)", 0}, {-1, "datatype(-1)", 0},
	}
	for _, tc := range tests {
		if got := tc.dt.String(); got != tc.name {
			t.Errorf("Datatype(%d).String() = %q, want %q", int16(tc.dt), got, tc.name)
		}
		if got := tc.dt.Size(); got != tc.size {
			t.Errorf("Datatype(%d).Size() = %d, want %d", int16(tc.dt), got, tc.size)
		}
	}
}

// TestSlope checks nibabel's scaling rule.
func TestSlope(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		slope, inter float64
		wantS, wantI float64
		scaled       bool
	}{
		{1, 0, 1, 0, true},
		{2.5, -1024, 2.5, -1024, true},
		{0, 3, 1, 0, false},
		{nan, 5, 1, 0, false},
		{inf, 5, 1, 0, false},
		{-inf, 0, 1, 0, false},
	}
	for _, tc := range tests {
		img := &Image{Header: Header{SclSlope: tc.slope, SclInter: tc.inter}, Data: []int16{-2, 4}}
		s, i, ok := img.Slope()
		if s != tc.wantS || i != tc.wantI || ok != tc.scaled {
			t.Errorf("slope %v inter %v: Slope() = %v, %v, %v, want %v, %v, %v", tc.slope, tc.inter, s, i, ok, tc.wantS, tc.wantI, tc.scaled)
		}
		if got, want := img.Float64(1), 4*tc.wantS+tc.wantI; got != want {
			t.Errorf("slope %v inter %v: Float64(1) = %v, want %v", tc.slope, tc.inter, got, want)
		}
	}
}

// encodedGzip compresses b with the standard library's gzip.
func encodedGzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
