package nifti

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// testdataDir holds the files made by tools/make_nifti_testdata.py.
const testdataDir = "../testdata/nifti"

// expected is nibabel's view of one file, from expected.json.
type expected struct {
	File       string        `json:"file"`
	Path       string        `json:"path"`
	Error      string        `json:"error"`
	Nibabel    string        `json:"nibabel"`
	Version    int           `json:"version"`
	ByteOrder  string        `json:"byte_order"`
	Gzip       bool          `json:"gzip"`
	Shape      []int         `json:"shape"`
	Dtype      string        `json:"dtype"`
	Affine     [4][4]float64 `json:"affine"`
	Zooms      []float64     `json:"zooms"`
	Slope      *float64      `json:"slope"`
	Inter      *float64      `json:"inter"`
	Min        float64       `json:"min"`
	Max        float64       `json:"max"`
	Mean       float64       `json:"mean"`
	DataSHA256 string        `json:"data_sha256"`
	Values     []float64     `json:"values"`
}

func loadExpected(t *testing.T) (files, external []expected) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files    []expected `json:"files"`
		External []expected `json:"external"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Files) == 0 {
		t.Fatal("expected.json lists no files")
	}
	return doc.Files, doc.External
}

// TestConformance reads every file of testdata/nifti and compares it with
// nibabel's view of it.
func TestConformance(t *testing.T) {
	files, _ := loadExpected(t)
	for _, want := range files {
		t.Run(want.File, func(t *testing.T) {
			path := filepath.Join(testdataDir, want.File)
			if want.Error != "" {
				checkRejected(t, path, want.Error)
				return
			}
			checkFile(t, path, want)
		})
	}
}

// TestTotalSegmentatorExamples reads the real CT and label files of
// shared/data and compares them with nibabel's numbers in expected.json.
func TestTotalSegmentatorExamples(t *testing.T) {
	_, external := loadExpected(t)
	if len(external) == 0 {
		t.Fatal("expected.json lists no external files")
	}
	for _, want := range external {
		t.Run(filepath.Base(want.Path), func(t *testing.T) {
			path := filepath.Join("..", want.Path)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s missing (shared/data is not beside the repository): %v", path, err)
			}
			checkFile(t, path, want)
		})
	}
}

func checkRejected(t *testing.T, path, field string) {
	t.Helper()
	_, err := ReadFile(path)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ReadFile: got %v, want an *Error on %s", err, field)
	}
	if e.Field != field || e.File != path {
		t.Errorf("ReadFile: got file %q field %q (%v), want %q %q", e.File, e.Field, err, path, field)
	}
	_, err = ReadHeaderFile(path)
	if !errors.As(err, &e) || e.Field != field {
		t.Errorf("ReadHeaderFile: got %v, want an *Error on %s", err, field)
	}
}

func checkFile(t *testing.T, path string, want expected) {
	t.Helper()
	img, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := &img.Header
	order := "little"
	if !isLittle(h.ByteOrder) {
		order = "big"
	}
	if h.Version != want.Version || order != want.ByteOrder {
		t.Errorf("version %d %s-endian, want %d %s", h.Version, order, want.Version, want.ByteOrder)
	}
	wantShape := [3]int{1, 1, 1}
	for i, s := range want.Shape {
		if i < 3 {
			wantShape[i] = s
		} else if s != 1 {
			t.Fatalf("nibabel shape %v has more than one volume", want.Shape)
		}
	}
	if got := h.Shape(); got != wantShape {
		t.Errorf("Shape() = %v, want %v", got, wantShape)
	}
	if got := h.Datatype.String(); got != want.Dtype {
		t.Errorf("datatype %s, want %s", got, want.Dtype)
	}
	got := h.Affine()
	for i := range 4 {
		for j := range 4 {
			if math.Abs(got[i][j]-want.Affine[i][j]) > 1e-4 {
				t.Errorf("Affine() = %v,\nwant %v", got, want.Affine)
				i = 4
				break
			}
		}
	}
	zooms := h.Zooms()
	for i := range 3 {
		w := 1.0
		if i < len(want.Zooms) {
			w = want.Zooms[i]
		}
		if math.Abs(zooms[i]-w) > 1e-6 {
			t.Errorf("Zooms() = %v, want %v", zooms, want.Zooms)
			break
		}
	}
	slope, inter, scaled := img.Slope()
	if want.Slope == nil {
		if scaled {
			t.Errorf("Slope() = %v, %v, true, want no scaling", slope, inter)
		}
	} else if !scaled || slope != *want.Slope || inter != *want.Inter {
		t.Errorf("Slope() = %v, %v, %v, want %v, %v, true", slope, inter, scaled, *want.Slope, *want.Inter)
	}
	n := len(want.Values)
	if want.Values == nil {
		n = wantShape[0] * wantShape[1] * wantShape[2]
	}
	if got := dataLen(img.Data); got != n {
		t.Fatalf("%d voxels, want %d", got, n)
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for i := range n {
		v := img.Float64(i)
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
		if want.Values != nil && !near(v, want.Values[i], 1e-6) {
			t.Fatalf("voxel %d = %v, want %v", i, v, want.Values[i])
		}
	}
	// The mean may cancel: compare it relative to the largest magnitude.
	if mean := sum / float64(n); lo != want.Min || hi != want.Max || math.Abs(mean-want.Mean) > 1e-9*max(-lo, hi, 1) {
		t.Errorf("min/max/mean %v %v %v, want %v %v %v", lo, hi, mean, want.Min, want.Max, want.Mean)
	}
	if got := littleEndianSHA256(img.Data); got != want.DataSHA256 {
		t.Errorf("sha256 of the stored values %s, want %s", got, want.DataSHA256)
	}
	hdr, err := ReadHeaderFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*hdr, img.Header) && !sameHeader(t, hdr, &img.Header) {
		t.Errorf("ReadHeaderFile = %+v,\nReadFile's header %+v", *hdr, img.Header)
	}
}

// sameHeader compares two headers by their encoding, where NaN equals NaN.
func sameHeader(t *testing.T, a, b *Header) bool {
	t.Helper()
	ma, errA := a.marshal()
	mb, errB := b.marshal()
	if errA != nil || errB != nil {
		t.Fatalf("marshal: %v, %v", errA, errB)
	}
	return string(ma) == string(mb)
}

// near reports whether a and b agree within rel, relative to the larger.
func near(a, b, rel float64) bool {
	return a == b || math.Abs(a-b) <= rel*max(math.Abs(a), math.Abs(b))
}

func dataLen(data any) int {
	return reflect.ValueOf(data).Len()
}

// littleEndianSHA256 hashes the stored values as little-endian bytes.
func littleEndianSHA256(data any) string {
	dt, b, ok := dataBytes(data)
	if !ok {
		return "unsupported data"
	}
	if !nativeLittle {
		b = append([]byte(nil), b...)
		swapBytes(b, dt.Size())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
