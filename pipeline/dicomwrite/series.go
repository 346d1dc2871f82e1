package dicomwrite

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/volume"
)

// Series is what a series written by WriteSeries says of itself. Every
// slice's SOP Instance UID is SeriesUID.<slice number>.
type Series struct {
	StudyUID, SeriesUID string
	SeriesNumber        int
	Description         string
	Protocol            string
	ImageType           string // e.g. `ORIGINAL\PRIMARY\AXIAL`
	StudyDate           string // YYYYMMDD
	SeriesTime, AcqTime string // HHMMSS
	Contrast            string // Contrast/Bolus Agent; "" for none
	ContrastAt          string // Contrast/Bolus Start Time
	PatientName         string
	PatientID           string
	Syntax              string // ExplicitLE when ""
	// HeadFirst numbers the files from the last slice along the voxel k
	// axis to the first, as scanners that go head to feet do (frames, with
	// MultiFrame).
	HeadFirst bool
	// MultiFrame writes one Enhanced CT object, dir/IM0001, whose frames
	// are the slices (EncodeEnhanced).
	MultiFrame bool
}

// WriteSeries writes v, in HU, into the folder dir as one file per slice
// along its voxel k axis, named IM0001, IM0002…: into a temporary folder
// beside dir first, renamed to dir (replacing it) once every file is
// written and synced, so that a series is there whole or not at all. Slice
// geometry is v's: Image Position and Orientation (Patient) and Pixel
// Spacing in LPS, rows running against voxel axis j, as dcm2niix and
// kidney3d's import read them back to v's grid. Values in -1024…3071 are
// stored as unsigned 12-bit words with intercept -1024 (the usual CT
// encoding), others as signed 16-bit words. v's voxel axes must be at
// right angles.
func WriteSeries(dir string, v *volume.Volume[int16], s Series) error {
	a := v.Affine
	var lps [3][4]float64 // the affine in LPS
	for r := 0; r < 3; r++ {
		sign := 1.0
		if r < 2 {
			sign = -1
		}
		for c := 0; c < 4; c++ {
			lps[r][c] = sign * a[r][c]
		}
	}
	sp := v.Spacing()
	for p := 0; p < 3; p++ {
		for q := p + 1; q < 3; q++ {
			if d := lps[0][p]*lps[0][q] + lps[1][p]*lps[1][q] + lps[2][p]*lps[2][q]; math.Abs(d) > 1e-6*sp[p]*sp[q] {
				return fmt.Errorf("dicomwrite: voxel axes %d and %d are not at right angles", p, q)
			}
		}
	}
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	var orient [6]float64
	for r := 0; r < 3; r++ {
		orient[r] = lps[r][0] / sp[0]    // along a row: voxel axis i
		orient[3+r] = -lps[r][1] / sp[1] // down a column: against voxel axis j
	}
	lo, hi := int16(math.MaxInt16), int16(math.MinInt16)
	for _, x := range v.Data {
		lo, hi = min(lo, x), max(hi, x)
	}
	twelveBit := lo >= -1024 && hi <= 3071
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	frames := make([]Slice, nz)
	for k := 0; k < nz; k++ {
		sl := Slice{
			Syntax: s.Syntax, StudyUID: s.StudyUID, SeriesUID: s.SeriesUID, SOPUID: fmt.Sprintf("%s.%d", s.SeriesUID, k+1),
			Description: s.Description, Protocol: s.Protocol, ImageType: s.ImageType, Acquisition: 1,
			AcqTime: s.AcqTime, SeriesTime: s.SeriesTime, StudyDate: s.StudyDate, Contrast: s.Contrast, ContrastAt: s.ContrastAt,
			SeriesNum: s.SeriesNumber, Instance: k + 1, PatientName: s.PatientName, PatientID: s.PatientID,
			Rows: ny, Cols: nx, Spacing: [2]float64{sp[1], sp[0]}, Orientation: orient, Thickness: sp[2],
			Slope: 1, Words: make([]uint16, nx*ny),
		}
		for r := 0; r < 3; r++ { // voxel (0, ny-1, k): the first pixel of the slice
			sl.Position[r] = lps[r][1]*float64(ny-1) + lps[r][2]*float64(k) + lps[r][3]
		}
		if twelveBit {
			sl.BitsStored, sl.Intercept = 12, -1024
		} else {
			sl.BitsStored, sl.Signed = 16, true
		}
		for row := 0; row < ny; row++ {
			src := v.Data[v.Index(0, ny-1-row, k):]
			for c := 0; c < nx; c++ {
				if twelveBit {
					sl.Words[row*nx+c] = uint16(src[c] + 1024)
				} else {
					sl.Words[row*nx+c] = uint16(src[c])
				}
			}
		}
		n := k + 1
		if s.HeadFirst {
			n = nz - k
		}
		if s.MultiFrame {
			frames[n-1] = sl
			continue
		}
		if err := writeSynced(filepath.Join(tmp, fmt.Sprintf("IM%04d", n)), Encode(sl)); err != nil {
			return err
		}
	}
	if s.MultiFrame {
		if err := writeSynced(filepath.Join(tmp, "IM0001"), EncodeEnhanced(frames)); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(tmp); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := atomicfile.Rename(tmp, dir); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(dir))
}

// writeSynced writes b to a new file at path and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
