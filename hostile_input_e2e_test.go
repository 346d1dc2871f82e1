package main

// End-to-end tests of hostile and unlucky input files (README
// "Reliability"): decompression bombs, gzip streams that go on after the
// image, FIFOs and devices in place of images, masks whose stored values
// are not 0 and 1, misspelt mask files, and phases with non-finite values,
// no geometry, too few slices, absurd scaling or one value everywhere. Each
// must end `kidney3d run` with exit 1 and a message naming the file and the
// reason, within seconds and 500 MB, leaving input/ as it was and writing
// nothing to output/.

import (
	"bytes"
	"compress/flate"
	byteorder "encoding/binary"
	"hash/crc32"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kidney3d/nifti"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// hostileLimits bound every rejected input's run.
const (
	hostileTimeout = 60 * time.Second // killed (and failed) past this
	hostileSeconds = 10.0             // a rejection must take less
	hostileRSSMB   = 500.0
)

// gzipThenZeros is one gzip stream (one member, one deflate stream) of
// prefix followed by zeros zero bytes, made without compressing the zeros:
// a deflate block of 1 MiB of zeros that refers only to itself is repeated.
func gzipThenZeros(t *testing.T, prefix []byte, zeros int64) []byte {
	t.Helper()
	const chunk = 1 << 20
	var body, zchunk bytes.Buffer
	fw, _ := flate.NewWriter(&body, flate.BestSpeed)
	fw.Write(prefix)
	fw.Flush()
	zw, _ := flate.NewWriter(&zchunk, flate.BestSpeed)
	zw.Write(make([]byte, chunk))
	zw.Flush()
	crc := crc32.ChecksumIEEE(prefix)
	zero := make([]byte, chunk)
	for n := zeros; n > 0; n -= chunk {
		body.Write(zchunk.Bytes())
		crc = crc32.Update(crc, crc32.IEEETable, zero)
	}
	if zeros%chunk != 0 {
		t.Fatal("zeros must be whole MiB")
	}
	last, _ := flate.NewWriter(&body, flate.BestSpeed)
	last.Close() // an empty final block
	out := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}, body.Bytes()...)
	out = byteorder.LittleEndian.AppendUint32(out, crc)
	return byteorder.LittleEndian.AppendUint32(out, uint32(int64(len(prefix))+zeros))
}

// rawNIfTI is the uncompressed bytes of the NIfTI file at path.
func rawNIfTI(t *testing.T, path string) []byte {
	t.Helper()
	img, err := nifti.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := nifti.Encode(&b, img, &nifti.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// phaseAs is the arterial phase of dir as values of T.
func phaseAs[T volume.Voxel](t *testing.T, dir string) *volume.Volume[T] {
	t.Helper()
	v, err := volume.Load[T](filepath.Join(dir, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hostileCase is one hostile input: spoil damages a copy of a demo case
// and returns the file the message must name.
type hostileCase struct {
	name  string
	spoil func(t *testing.T, dir string) string
	want  []string // in the message, besides the file
	env   []string
}

// runHostileCases runs `kidney3d run` on each spoiled copy of a small demo
// case and checks how it ended.
func runHostileCases(t *testing.T, cases []hostileCase) {
	template := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", template, "--seed", "3"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCase(t, template)
			file := tc.spoil(t, dir)
			before := snapshot(t, filepath.Join(dir, "input"))
			o := runHostile(t, hostileTimeout, tc.env, "run", dir)
			t.Logf("| %s | exit %d | %.2f s | %.0f MB | %s", tc.name, o.Code, o.Elapsed.Seconds(), o.MaxRSSMB, strings.Join(strings.Fields(o.Stderr), " "))
			if o.Code != 1 || !strings.Contains(o.Stderr, file) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %s", o.Code, o.Stderr, file)
			}
			for _, w := range tc.want {
				if !strings.Contains(o.Stderr, w) {
					t.Errorf("stderr %q lacks %q", o.Stderr, w)
				}
			}
			if o.Elapsed.Seconds() > hostileSeconds || o.MaxRSSMB > hostileRSSMB {
				t.Errorf("took %v and %.0f MB; want under %g s and %g MB", o.Elapsed, o.MaxRSSMB, hostileSeconds, hostileRSSMB)
			}
			if after := snapshot(t, filepath.Join(dir, "input")); after != before {
				t.Error("input/ changed")
			}
			if entries, err := os.ReadDir(filepath.Join(dir, "output")); err == nil && len(entries) > 0 {
				t.Errorf("output/ holds %d entries", len(entries))
			}
		})
	}
}

// TestHostileSizesAndStreams: decompression bombs are refused from the
// header, and gzip data after the image is refused without inflating it.
func TestHostileSizesAndStreams(t *testing.T) {
	// bomb writes an honest int16 2048×2048×1024 image of zeros (8 GiB) as
	// input/name: K3 members of zeros, 9.2 MB.
	bomb := func(name string) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "input", name)
			g := volume.Grid{Dims: [3]int{2048, 2048, 1024}, Affine: volume.Identity}
			if err := volume.SavePart(p, &volume.Part[int16]{Grid: g}); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(p); err == nil {
				t.Logf("%s: %d bytes", name, st.Size())
			}
			return p
		}
	}
	runHostileCases(t, []hostileCase{
		{"8 GiB image in a 9 MB file", bomb("A.nii.gz"), []string{"image too large", "4294967296 voxels is over the limit"}, nil},
		{"8 GiB mask in a 9 MB file", bomb("masks/artery.nii.gz"), []string{"image too large", "4294967296 voxels is over the limit"}, nil},
		{"512×512×120 under KIDNEY3D_MAX_VOXELS=25000000", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "input", "P.nii.gz")
			g := volume.Grid{Dims: [3]int{512, 512, 120}, Affine: volume.Identity}
			if err := volume.SavePart(p, &volume.Part[int16]{Grid: g}); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"image too large", "31457280 voxels is over the limit of 25000000"}, []string{"KIDNEY3D_MAX_VOXELS=25000000"}},
		{"valid image then 8 GiB of zeros in one gzip stream", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "input", "A.nii.gz")
			if err := os.WriteFile(p, gzipThenZeros(t, rawNIfTI(t, p), 8<<30), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"data after the image"}, nil},
	})
}

// TestHostileSpecialFiles: a FIFO, a device or a socket in place of an
// image is refused by name before any read (reading would never end).
func TestHostileSpecialFiles(t *testing.T) {
	replace := func(name string, make func(p string) error) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "input", name)
			os.Remove(p)
			if err := make(p); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	link := func(target string) func(p string) error {
		return func(p string) error { return os.Symlink(target, p) }
	}
	runHostileCases(t, []hostileCase{
		{"FIFO as A", replace("A.nii.gz", func(p string) error { return syscall.Mkfifo(p, 0o644) }), []string{"not a regular file", "named pipe"}, nil},
		{"A linked to /dev/zero", replace("A.nii.gz", link("/dev/zero")), []string{"not a regular file", "a device (a symbolic link to /dev/zero)"}, nil},
		{"P linked to /dev/urandom", replace("P.nii.gz", link("/dev/urandom")), []string{"not a regular file", "/dev/urandom"}, nil},
		{"mask linked to /dev/zero", replace("masks/artery.nii.gz", func(p string) error {
			os.MkdirAll(filepath.Dir(p), 0o755)
			return os.Symlink("/dev/zero", p)
		}), []string{"not a regular file"}, nil},
		{"folder as A", replace("A.nii.gz", func(p string) error { return os.Mkdir(p, 0o755) }), []string{"not a regular file", "a folder"}, nil},
		{"socket as D", replace("D.nii.gz", func(p string) error {
			l, err := net.Listen("unix", p)
			if err == nil {
				t.Cleanup(func() { l.Close() })
			}
			return err
		}), []string{"not a regular file", "a socket"}, nil},
	})
}

// TestHostileMasks: NaN in a mask and files in input/masks that are no
// label's mask are errors naming them.
func TestHostileMasks(t *testing.T) {
	runHostileCases(t, []hostileCase{
		{"NaN in a float mask", func(t *testing.T, dir string) string {
			a := phaseAs[float32](t, dir)
			m := make([]float32, a.Len())
			m[a.Index(60, 61, 40)], m[a.Index(70, 70, 50)], m[a.Index(1, 1, 1)] = float32(math.NaN()), float32(math.NaN()), 1
			p := filepath.Join(dir, "input", "masks", "artery.nii.gz")
			volumetest.Save(t, p, a.Grid, m, nil)
			return p
		}, []string{"2 voxels are not finite (NaN or ±Inf), the first at voxel (60, 61, 40)"}, nil},
		{"misspelt mask and a stray file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "input", "masks")
			os.MkdirAll(p, 0o755)
			a := phaseAs[uint8](t, dir)
			volumetest.Save(t, filepath.Join(p, "arterry.nii.gz"), a.Grid, make([]uint8, a.Len()), nil)
			os.WriteFile(filepath.Join(p, "notes.txt"), []byte("from the radiologist"), 0o644)
			return p
		}, []string{"not the mask of a label: arterry.nii.gz, notes.txt", "kidney_left"}, nil},
	})
}

// TestHostilePhases: non-finite voxels, no geometry, too few slices,
// absurd scaling and constant images are refused at load with the reason.
func TestHostilePhases(t *testing.T) {
	phase := func(name string, write func(t *testing.T, p string, a *volume.Volume[float32])) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			a := phaseAs[float32](t, dir)
			p := filepath.Join(dir, "input", name)
			write(t, p, a)
			return p
		}
	}
	runHostileCases(t, []hostileCase{
		{"+Inf voxel in a float CT", phase("A.nii.gz", func(t *testing.T, p string, a *volume.Volume[float32]) {
			a.Data[a.Index(10, 20, 30)] = float32(math.Inf(1))
			volumetest.Save(t, p, a.Grid, a.Data, nil)
		}), []string{"1 voxel is not finite (NaN or ±Inf), at voxel (10, 20, 30)"}, nil},
		{"pixdim 0 and no qform or sform", phase("A.nii.gz", func(t *testing.T, p string, a *volume.Volume[float32]) {
			volumetest.Save(t, p, a.Grid, a.Data, func(h *nifti.Header) { h.QformCode, h.SformCode, h.PixDim[3] = 0, 0, 0 })
		}), []string{"pixdim[3] is 0 and there is no qform or sform"}, nil},
		{"2-slice CT", phase("P.nii.gz", func(t *testing.T, p string, a *volume.Volume[float32]) {
			g := a.Grid
			g.Dims[2] = 2
			volumetest.Save(t, p, g, a.Data[:g.Len()], nil)
		}), []string{"2 slices along an axis", "at least 8"}, nil},
		{"scl_slope 1e38", phase("A.nii.gz", func(t *testing.T, p string, a *volume.Volume[float32]) {
			v := phaseAs[int16](t, filepath.Dir(filepath.Dir(p)))
			volumetest.Save(t, p, v.Grid, v.Data, func(h *nifti.Header) { h.SclSlope = 1e38 })
		}), []string{"after scaling (scl_slope 1e+38", "outside ±32768 HU"}, nil},
		{"all-zero CT", phase("A.nii.gz", func(t *testing.T, p string, a *volume.Volume[float32]) {
			volumetest.Save(t, p, a.Grid, make([]int16, a.Len()), nil)
		}), []string{"every voxel is 0: a constant image"}, nil},
	})
}

// TestMasksAreInsideWhereverNonzero gives masks stored as int16 -1, float
// 0.3 and 0/255, and a config that runs load alone: each is accepted and
// counted whole. A misspelt mask added after that run is reported by the
// next one.
func TestMasksAreInsideWhereverNonzero(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "3"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("stages:\n  - stage: load\n"), 0o644)
	a := phaseAs[uint8](t, dir)
	minus, frac, bytes255 := make([]int16, a.Len()), make([]float32, a.Len()), make([]uint8, a.Len())
	for n := 1000; n < 1100; n++ {
		minus[n], frac[n], bytes255[n] = -1, 0.3, 255
	}
	masks := filepath.Join(dir, "input", "masks")
	volumetest.Save(t, filepath.Join(masks, "artery.nii.gz"), a.Grid, minus, nil)
	volumetest.Save(t, filepath.Join(masks, "vein.nii.gz"), a.Grid, frac, nil)
	volumetest.Save(t, filepath.Join(masks, "ureter.nii.gz"), a.Grid, bytes255, nil)
	o := runHostile(t, hostileTimeout, nil, "run", dir)
	if o.Code != 0 {
		t.Fatalf("exit %d: %s", o.Code, o.Stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "work", "load", "inputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"artery", "vein", "ureter"} {
		if want := "\"file\": \"input/masks/" + label + ".nii.gz\",\n      \"voxels\": 100"; !strings.Contains(string(b), want) {
			t.Errorf("inputs.json lacks %q:\n%s", want, b)
		}
	}
	volumetest.Save(t, filepath.Join(masks, "kidney_lft.nii.gz"), a.Grid, bytes255, nil)
	o = runHostile(t, hostileTimeout, nil, "run", dir)
	if o.Code != 1 || !strings.Contains(o.Stderr, "not the mask of a label: kidney_lft.nii.gz") {
		t.Errorf("a misspelt mask added later: exit %d, %s", o.Code, o.Stderr)
	}
}

// TestMaskOfMinusOneReachesTheOutput runs the whole pipeline on a case
// whose artery is given as an int16 mask of -1 and whose vein as float32
// 0.3: both reach output/labels.nii.gz whole (they used to be read as
// empty masks, and the artery vanished with exit 0).
func TestMaskOfMinusOneReachesTheOutput(t *testing.T) {
	dir := demoCaseWithMasks(t, "4")
	masks := filepath.Join(dir, "input", "masks")
	given := map[string]int{}
	for name, value := range map[string]float64{"artery": -1, "vein": 0.3} {
		p := filepath.Join(masks, name+".nii.gz")
		m, err := volume.Load[uint8](p)
		if err != nil {
			t.Fatal(err)
		}
		i16, f32 := make([]int16, m.Len()), make([]float32, m.Len())
		for n, x := range m.Data {
			if x != 0 {
				i16[n], f32[n] = int16(value), float32(value)
				given[name]++
			}
		}
		if value == -1 {
			volumetest.Save(t, p, m.Grid, i16, nil)
		} else {
			volumetest.Save(t, p, m.Grid, f32, nil)
		}
	}
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	out, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[uint8]int{}
	for _, x := range out.Data {
		counts[x]++
	}
	for name, value := range map[string]uint8{"artery": 5, "vein": 6} {
		t.Logf("%s: %d voxels given, %d in the output", name, given[name], counts[value])
		if got := counts[value]; given[name] == 0 || float64(got) < 0.9*float64(given[name]) {
			t.Errorf("%s: %d voxels in the output, %d given", name, got, given[name])
		}
	}
}
