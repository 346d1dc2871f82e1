package nifti

import (
	"encoding/binary"
	"math"
)

// Header is a decoded NIfTI-1 or NIfTI-2 header. Its fields hold the values
// of the file, whichever version it was, without the fixes that Affine and
// Zooms apply.
type Header struct {
	Version   int              // 1 or 2; Encode takes 0 as 1
	ByteOrder binary.ByteOrder // byte order of the file; Encode takes nil as little-endian

	Dim       [8]int64   // dim[0] is the number of dimensions, dim[1..] their sizes
	PixDim    [8]float64 // pixdim[0] is qfac, pixdim[1..] the voxel sizes
	Datatype  Datatype
	BitPix    int16 // bits per voxel; Encode derives it from Datatype
	VoxOffset int64 // offset of the voxels in the file; Encode derives it

	SclSlope, SclInter float64 // scaling of stored values; see Image.Slope
	CalMin, CalMax     float64 // display range

	QformCode, SformCode                                       int32
	QuaternB, QuaternC, QuaternD, QOffsetX, QOffsetY, QOffsetZ float64
	SRow                                                       [3][4]float64

	XYZTUnits uint8 // units of pixdim (the low byte of NIfTI-2's int32)
	DimInfo   uint8 // frequency, phase and slice dimensions

	IntentCode                   int32
	IntentP1, IntentP2, IntentP3 float64
	IntentName                   string // at most 16 bytes

	SliceStart, SliceEnd   int64
	SliceCode              uint8 // slice timing order (the low byte of NIfTI-2's int32)
	SliceDuration, TOffset float64

	Descrip string // at most 80 bytes
	AuxFile string // at most 24 bytes
}

// Units of XYZTUnits, as NewHeader sets them.
const (
	unitsMM  = 2
	unitsSec = 8
)

// Shape returns the three spatial sizes: dim[1..3], with 1 for the
// dimensions a 1D or 2D image does not have.
func (h *Header) Shape() [3]int {
	s := [3]int{1, 1, 1}
	for i := range 3 {
		if int64(i) < h.Dim[0] {
			s[i] = int(h.Dim[i+1])
		}
	}
	return s
}

// numVoxels returns the product of dim[1..dim[0]]; only call it on a
// validated header.
func (h *Header) numVoxels() int {
	n := 1
	for i := int64(1); i <= h.Dim[0]; i++ {
		n *= int(h.Dim[i])
	}
	return n
}

// Zooms returns the voxel sizes as nibabel's get_zooms gives them after
// loading: pixdim[1..3], negative values made positive and zeros taken as
// 1; a 1D or 2D image has 1 for its missing dimensions. For the geometry
// use Affine: Zooms need not agree with an sform.
func (h *Header) Zooms() [3]float64 {
	z := h.voxelSizes()
	for i := range 3 {
		if int64(i) >= h.Dim[0] {
			z[i] = 1
		}
	}
	return z
}

// voxelSizes returns pixdim[1..3] with nibabel's load-time fix.
func (h *Header) voxelSizes() [3]float64 {
	var z [3]float64
	for i := range 3 {
		p := h.PixDim[i+1]
		switch {
		case p == 0:
			p = 1
		case p < 0:
			p = -p
		}
		z[i] = p
	}
	return z
}

// validXform reports whether a qform or sform code is one NIfTI defines
// (0 to 5); nibabel takes other codes as 0.
func validXform(code int32) bool { return code >= 1 && code <= 5 }

// HasXform reports whether the header has an sform or a qform that Affine
// uses (code 1 to 5); without one, the geometry rests on pixdim alone.
func (h *Header) HasXform() bool { return validXform(h.SformCode) || validXform(h.QformCode) }

// Affine returns the 4×4 voxel-to-world (RAS+, mm) matrix as nibabel's
// get_best_affine computes it: the sform if sform_code is 1 to 5, else the
// qform if qform_code is 1 to 5, else the fall-back affine of nibabel's
// get_base_affine (voxel sizes on the diagonal, x flipped, the centre of the
// image at the origin).
func (h *Header) Affine() [4][4]float64 {
	switch {
	case validXform(h.SformCode):
		return h.sform()
	case validXform(h.QformCode):
		return h.qform()
	}
	return h.baseAffine()
}

func (h *Header) sform() [4][4]float64 {
	return [4][4]float64{h.SRow[0], h.SRow[1], h.SRow[2], {0, 0, 0, 1}}
}

// qform returns the affine of the quaternion fields, as nibabel's
// get_qform does.
func (h *Header) qform() [4][4]float64 {
	b, c, d := h.QuaternB, h.QuaternC, h.QuaternD
	w := 0.0
	if w2 := 1 - (b*b + c*c + d*d); w2 > 0 {
		w = math.Sqrt(w2)
	}
	r := quatToMat(w, b, c, d)
	vox := h.voxelSizes()
	if h.PixDim[0] == -1 {
		vox[2] = -vox[2]
	}
	a := [4][4]float64{3: {0, 0, 0, 1}}
	for i := range 3 {
		for j := range 3 {
			a[i][j] = r[i][j] * vox[j]
		}
	}
	a[0][3], a[1][3], a[2][3] = h.QOffsetX, h.QOffsetY, h.QOffsetZ
	return a
}

// baseAffine returns nibabel's get_base_affine.
func (h *Header) baseAffine() [4][4]float64 {
	shape := h.Shape()
	zooms := h.Zooms()
	zooms[0] = -zooms[0]
	a := [4][4]float64{3: {0, 0, 0, 1}}
	for i := range 3 {
		a[i][i] = zooms[i]
		a[i][3] = -float64(shape[i]-1) / 2 * zooms[i]
	}
	return a
}

// quatToMat returns the rotation of the quaternion (w, x, y, z), which need
// not have unit length (nibabel's quat2mat).
func quatToMat(w, x, y, z float64) [3][3]float64 {
	n := w*w + x*x + y*y + z*z
	if n < 2.220446049250313e-16 {
		return [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	}
	s := 2 / n
	X, Y, Z := x*s, y*s, z*s
	wX, wY, wZ := w*X, w*Y, w*Z
	xX, xY, xZ := x*X, x*Y, x*Z
	yY, yZ, zZ := y*Y, y*Z, z*Z
	return [3][3]float64{
		{1 - (yY + zZ), xY - wZ, xZ + wY},
		{xY + wZ, 1 - (xX + zZ), yZ - wX},
		{xZ - wY, yZ + wX, 1 - (xX + yY)},
	}
}

// NewHeader returns a little-endian NIfTI-1 header for a 3D image of the
// given shape and datatype whose voxel-to-world matrix is affine. It sets
// both transforms with code 1 (scanner anatomical), as ITK and dcm2niix
// do: the sform holds affine as it is, the qform the nearest rotation and
// zooms (nibabel's set_qform, shears stripped, qfac = -1 for a negative
// determinant). pixdim[1..3] are the norms of the affine's columns, units
// are mm and seconds, scl_slope is 1 and scl_inter 0, vox_offset 352. When
// the affine's 3×3 part is singular the qform is left out (qform_code 0).
func NewHeader(shape [3]int, dt Datatype, affine [4][4]float64) Header {
	h := Header{
		Version:   1,
		ByteOrder: binary.LittleEndian,
		Dim:       [8]int64{3, int64(shape[0]), int64(shape[1]), int64(shape[2]), 1, 1, 1, 1},
		PixDim:    [8]float64{1, 1, 1, 1, 1, 1, 1, 1},
		Datatype:  dt,
		BitPix:    int16(8 * dt.Size()),
		VoxOffset: 352,
		SclSlope:  1,
		SformCode: 1,
		SRow:      [3][4]float64{affine[0], affine[1], affine[2]},
		XYZTUnits: unitsMM | unitsSec,
	}
	var r [3][3]float64
	for j := range 3 {
		z := math.Sqrt(affine[0][j]*affine[0][j] + affine[1][j]*affine[1][j] + affine[2][j]*affine[2][j])
		h.PixDim[j+1] = z
		for i := range 3 {
			r[i][j] = affine[i][j] / z
		}
	}
	qfac := 1.0
	if det3(r) < 0 {
		qfac = -1
		for i := range 3 {
			r[i][2] = -r[i][2]
		}
	}
	rot, ok := nearestRotation(r)
	if !ok {
		return h
	}
	h.QformCode = 1
	h.PixDim[0] = qfac
	_, h.QuaternB, h.QuaternC, h.QuaternD = matToQuat(rot)
	h.QOffsetX, h.QOffsetY, h.QOffsetZ = affine[0][3], affine[1][3], affine[2][3]
	return h
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// nearestRotation returns the orthogonal factor of the polar decomposition
// of m, the orthogonal matrix nearest to it (nibabel uses an SVD for the
// same), by Newton's iteration X ← (X + X⁻ᵀ)/2. It reports false when m is
// singular or not finite.
func nearestRotation(m [3][3]float64) ([3][3]float64, bool) {
	x := m
	for range 100 {
		d := det3(x)
		if d == 0 || math.IsNaN(d) || math.IsInf(d, 0) {
			return x, false
		}
		// X⁻ᵀ is the cofactor matrix divided by the determinant.
		var next [3][3]float64
		diff := 0.0
		for i := range 3 {
			for j := range 3 {
				i1, i2 := (i+1)%3, (i+2)%3
				j1, j2 := (j+1)%3, (j+2)%3
				cof := x[i1][j1]*x[i2][j2] - x[i1][j2]*x[i2][j1]
				next[i][j] = (x[i][j] + cof/d) / 2
				diff = max(diff, math.Abs(next[i][j]-x[i][j]))
			}
		}
		x = next
		if diff < 1e-15 {
			break
		}
	}
	return x, true
}

// matToQuat returns the unit quaternion (w, x, y, z), w ≥ 0, of the rotation
// matrix m (Shepperd's method).
func matToQuat(m [3][3]float64) (w, x, y, z float64) {
	switch tr := m[0][0] + m[1][1] + m[2][2]; {
	case tr > 0:
		s := 2 * math.Sqrt(tr+1)
		w, x, y, z = s/4, (m[2][1]-m[1][2])/s, (m[0][2]-m[2][0])/s, (m[1][0]-m[0][1])/s
	case m[0][0] > m[1][1] && m[0][0] > m[2][2]:
		s := 2 * math.Sqrt(1+m[0][0]-m[1][1]-m[2][2])
		w, x, y, z = (m[2][1]-m[1][2])/s, s/4, (m[0][1]+m[1][0])/s, (m[0][2]+m[2][0])/s
	case m[1][1] > m[2][2]:
		s := 2 * math.Sqrt(1+m[1][1]-m[0][0]-m[2][2])
		w, x, y, z = (m[0][2]-m[2][0])/s, (m[0][1]+m[1][0])/s, s/4, (m[1][2]+m[2][1])/s
	default:
		s := 2 * math.Sqrt(1+m[2][2]-m[0][0]-m[1][1])
		w, x, y, z = (m[1][0]-m[0][1])/s, (m[0][2]+m[2][0])/s, (m[1][2]+m[2][1])/s, s/4
	}
	if w < 0 {
		w, x, y, z = -w, -x, -y, -z
	}
	return w, x, y, z
}

// byteOrder returns h.ByteOrder, little-endian when it is nil.
func (h *Header) byteOrder() binary.ByteOrder {
	if h.ByteOrder == nil {
		return binary.LittleEndian
	}
	return h.ByteOrder
}
