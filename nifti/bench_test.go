package nifti

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// Benchmarks run on a synthetic CT: int16, 512×512×N (N from
// NIFTI_BENCH_SLICES, default 48), smooth tissue with noise, compressing
// about 2.6:1 like real CT; or on the .nii.gz at NIFTI_BENCH_FILE. Sizes
// (MB/s) are of the uncompressed image.
//
//	NIFTI_BENCH_SLICES=300 go test -run '^$' -bench . ./nifti/
var benchData = sync.OnceValues(func() (gz, raw []byte) {
	if path := os.Getenv("NIFTI_BENCH_FILE"); path != "" {
		gz, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		zr, err := stdgzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			panic(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			panic(err)
		}
		return gz, raw
	}
	slices := 48
	if s, err := strconv.Atoi(os.Getenv("NIFTI_BENCH_SLICES")); err == nil && s > 0 {
		slices = s
	}
	shape := [3]int{512, 512, slices}
	affine := [4][4]float64{{0.8, 0, 0, -200}, {0, 0.8, 0, -200}, {0, 0, 1, -300}, {0, 0, 0, 1}}
	img := &Image{Header: NewHeader(shape, Int16, affine), Data: syntheticCT(shape, 1)}
	var w bytes.Buffer
	if err := Encode(&w, img, &EncodeOptions{}); err != nil {
		panic(err)
	}
	raw = bytes.Clone(w.Bytes())
	w.Reset()
	if err := Encode(&w, img, nil); err != nil {
		panic(err)
	}
	return w.Bytes(), raw
})

// syntheticCT returns a CT-like int16 volume in HU: air with noise around
// a body ellipse of fat and soft tissue, two brighter kidneys and a spine,
// and -1024 outside the scanner's field of view.
func syntheticCT(shape [3]int, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 1))
	nx, ny, nz := shape[0], shape[1], shape[2]
	v := make([]int16, nx*ny*nz)
	cx, cy := float64(nx)/2, float64(ny)/2
	for z := range nz {
		fz := float64(z) / float64(nz)
		a := 0.36*float64(nx) + 10*math.Sin(6*fz)
		b := 0.26*float64(ny) + 6*math.Cos(4*fz)
		for y := range ny {
			for x := range nx {
				dx, dy := float64(x)-cx, float64(y)-cy
				e := (dx/a)*(dx/a) + (dy/b)*(dy/b)
				var hu float64
				switch {
				case math.Hypot(dx, dy) > 0.49*float64(nx):
					hu = -1024
				case e > 1:
					hu = -1000 + rng.NormFloat64()*8
				case e > 0.8:
					hu = -100 + rng.NormFloat64()*12
				default:
					hu = 40 + 15*math.Sin(dx/23+fz)*math.Cos(dy/31) + rng.NormFloat64()*12
					for _, side := range []float64{-1, 1} {
						kx, ky := dx-side*0.16*float64(nx), dy-0.05*float64(ny)
						if (kx/28)*(kx/28)+(ky/45)*(ky/45) < 1 {
							hu += 140
						}
					}
					if math.Hypot(dx, dy-0.12*float64(ny)) < 0.04*float64(nx) {
						hu = 700 + 200*math.Sin(dx/5) + rng.NormFloat64()*30
					}
				}
				v[(z*ny+y)*nx+x] = int16(math.Round(max(hu, -1024)))
			}
		}
	}
	return v
}

// BenchmarkDecode decodes the .nii.gz from memory.
func BenchmarkDecode(b *testing.B) {
	gz, raw := benchData()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(gz)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRaw decodes the uncompressed .nii from memory.
func BenchmarkDecodeRaw(b *testing.B) {
	_, raw := benchData()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFile reads the .nii.gz from a file, as ReadFile does
// (NIFTI_BENCH_FILE, else the TotalSegmentator example CT).
func BenchmarkDecodeFile(b *testing.B) {
	path := os.Getenv("NIFTI_BENCH_FILE")
	if path == "" {
		path = "../../shared/data/totalseg_example/example_ct.nii.gz"
	}
	img, err := ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	_, data, _ := dataBytes(img.Data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeInflate compares the gzip readers on the same stream,
// inflating into a buffer allocated once.
func BenchmarkDecodeInflate(b *testing.B) {
	gz, raw := benchData()
	readers := []struct {
		name string
		open func(io.Reader) (io.Reader, error)
	}{
		{"stdlib", func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) }},
		{"klauspost", func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) }},
		{"pgzip", func(r io.Reader) (io.Reader, error) { return pgzip.NewReader(r) }},
	}
	buf := make([]byte, len(raw))
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				zr, err := rd.open(bytes.NewReader(gz))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(zr, buf); err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, zr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode encodes the image as .nii.gz at the default level.
func BenchmarkEncode(b *testing.B) {
	_, raw := benchData()
	img, err := Decode(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	var out countWriter
	for b.Loop() {
		if err := Encode(&out, img, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(raw))*float64(b.N)/float64(out), "ratio")
}

// BenchmarkEncodeDeflate compares the gzip writers at the default level.
func BenchmarkEncodeDeflate(b *testing.B) {
	_, raw := benchData()
	writers := []struct {
		name string
		open func(io.Writer) (io.WriteCloser, error)
	}{
		{"stdlib", func(w io.Writer) (io.WriteCloser, error) {
			return stdgzip.NewWriterLevel(w, stdgzip.DefaultCompression)
		}},
		{"klauspost", func(w io.Writer) (io.WriteCloser, error) { return kgzip.NewWriterLevel(w, kgzip.DefaultCompression) }},
		{"pgzip", func(w io.Writer) (io.WriteCloser, error) { return pgzip.NewWriterLevel(w, pgzip.DefaultCompression) }},
	}
	for _, wr := range writers {
		b.Run(wr.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			var out countWriter
			for b.Loop() {
				zw, err := wr.open(&out)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := zw.Write(raw); err != nil {
					b.Fatal(err)
				}
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw))*float64(b.N)/float64(out), "ratio")
		})
	}
}

// countWriter counts what is written to it.
type countWriter int

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}
