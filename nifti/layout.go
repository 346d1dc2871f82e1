package nifti

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// Sizes and magics of the two header versions.
const (
	sizeofHdr1 = 348
	sizeofHdr2 = 540
	// A single file has a 4-byte extension flag after the header, so its
	// voxels start at 352 (NIfTI-1) or 544 (NIfTI-2) at the earliest.
	minVoxOffset1 = sizeofHdr1 + 4
	minVoxOffset2 = sizeofHdr2 + 4
)

var (
	magic1     = []byte("n+1\x00")
	magic2     = []byte("n+2\x00")
	pairMagic1 = []byte("ni1\x00")
	pairMagic2 = []byte("ni2\x00")
	eolCheck   = []byte{'\r', '\n', 0x1a, '\n'}
)

// Limits on what a header may ask for.
const (
	// MaxDataBytes is the largest voxel array Decode allocates (16 GiB); a
	// header asking for more is rejected.
	MaxDataBytes = 1 << 34
	// maxVoxOffset bounds the header extensions that Decode skips.
	maxVoxOffset = 1 << 30
)

// field is a cursor over a header's bytes in one byte order.
type field struct {
	b []byte
	o binary.ByteOrder
}

func (f field) i16(off int) int64   { return int64(int16(f.o.Uint16(f.b[off:]))) }
func (f field) i32(off int) int64   { return int64(int32(f.o.Uint32(f.b[off:]))) }
func (f field) i64(off int) int64   { return int64(f.o.Uint64(f.b[off:])) }
func (f field) f32(off int) float64 { return float64(math.Float32frombits(f.o.Uint32(f.b[off:]))) }
func (f field) f64(off int) float64 { return math.Float64frombits(f.o.Uint64(f.b[off:])) }

// str returns the NUL-terminated string in b[off:off+n].
func (f field) str(off, n int) string {
	s := f.b[off : off+n]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s)
}

// sniffSizeofHdr returns the version and byte order that the first four
// bytes of a header (sizeof_hdr) announce.
func sniffSizeofHdr(b []byte) (version int, order binary.ByteOrder, err error) {
	for _, o := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		switch o.Uint32(b) {
		case sizeofHdr1:
			return 1, o, nil
		case sizeofHdr2:
			return 2, o, nil
		}
	}
	return 0, nil, &Error{Field: "sizeof_hdr", Err: fmt.Errorf("%w: first 4 bytes are % x, want 348 or 540 in either byte order", ErrFormat, b[:4])}
}

// parseHeader decodes a whole header, b holding sizeof_hdr bytes, and
// checks its magic.
func parseHeader(b []byte, version int, order binary.ByteOrder) (*Header, error) {
	f := field{b, order}
	h := &Header{Version: version, ByteOrder: order}
	if version == 1 {
		if err := checkMagic(b[344:348], magic1, pairMagic1); err != nil {
			return nil, err
		}
		h.DimInfo = b[39]
		for i := range 8 {
			h.Dim[i] = f.i16(40 + 2*i)
			h.PixDim[i] = f.f32(76 + 4*i)
		}
		h.IntentP1, h.IntentP2, h.IntentP3 = f.f32(56), f.f32(60), f.f32(64)
		h.IntentCode = int32(f.i16(68))
		h.Datatype = Datatype(f.i16(70))
		h.BitPix = int16(f.i16(72))
		h.SliceStart = f.i16(74)
		vox := f.f32(108)
		if math.IsNaN(vox) || vox < 0 || vox > maxVoxOffset {
			return nil, &Error{Field: "vox_offset", Err: fmt.Errorf("%w: %v is not an offset in the file", ErrFormat, vox)}
		}
		h.VoxOffset = int64(vox) // nibabel truncates a fractional offset too
		h.SclSlope, h.SclInter = f.f32(112), f.f32(116)
		h.SliceEnd = f.i16(120)
		h.SliceCode = b[122]
		h.XYZTUnits = b[123]
		h.CalMax, h.CalMin = f.f32(124), f.f32(128)
		h.SliceDuration, h.TOffset = f.f32(132), f.f32(136)
		h.Descrip = f.str(148, 80)
		h.AuxFile = f.str(228, 24)
		h.QformCode, h.SformCode = int32(f.i16(252)), int32(f.i16(254))
		h.QuaternB, h.QuaternC, h.QuaternD = f.f32(256), f.f32(260), f.f32(264)
		h.QOffsetX, h.QOffsetY, h.QOffsetZ = f.f32(268), f.f32(272), f.f32(276)
		for i := range 3 {
			for j := range 4 {
				h.SRow[i][j] = f.f32(280 + 16*i + 4*j)
			}
		}
		h.IntentName = f.str(328, 16)
		return h, nil
	}
	if err := checkMagic(b[4:8], magic2, pairMagic2); err != nil {
		return nil, err
	}
	if eol := b[8:12]; !bytes.Equal(eol, eolCheck) && !bytes.Equal(eol, make([]byte, 4)) {
		return nil, &Error{Field: "magic", Err: fmt.Errorf("%w: bytes 8-11 are % x, want 0d 0a 1a 0a: the file went through an end-of-line conversion", ErrFormat, eol)}
	}
	h.Datatype = Datatype(f.i16(12))
	h.BitPix = int16(f.i16(14))
	for i := range 8 {
		h.Dim[i] = f.i64(16 + 8*i)
		h.PixDim[i] = f.f64(104 + 8*i)
	}
	h.IntentP1, h.IntentP2, h.IntentP3 = f.f64(80), f.f64(88), f.f64(96)
	h.VoxOffset = f.i64(168)
	if h.VoxOffset < 0 || h.VoxOffset > maxVoxOffset {
		return nil, &Error{Field: "vox_offset", Err: fmt.Errorf("%w: %d is not an offset in the file", ErrFormat, h.VoxOffset)}
	}
	h.SclSlope, h.SclInter = f.f64(176), f.f64(184)
	h.CalMax, h.CalMin = f.f64(192), f.f64(200)
	h.SliceDuration, h.TOffset = f.f64(208), f.f64(216)
	h.SliceStart, h.SliceEnd = f.i64(224), f.i64(232)
	h.Descrip = f.str(240, 80)
	h.AuxFile = f.str(320, 24)
	h.QformCode, h.SformCode = int32(f.i32(344)), int32(f.i32(348))
	h.QuaternB, h.QuaternC, h.QuaternD = f.f64(352), f.f64(360), f.f64(368)
	h.QOffsetX, h.QOffsetY, h.QOffsetZ = f.f64(376), f.f64(384), f.f64(392)
	for i := range 3 {
		for j := range 4 {
			h.SRow[i][j] = f.f64(400 + 32*i + 8*j)
		}
	}
	h.SliceCode = uint8(f.i32(496))
	h.XYZTUnits = uint8(f.i32(500))
	h.IntentCode = int32(f.i32(504))
	h.IntentName = f.str(508, 16)
	h.DimInfo = b[524]
	return h, nil
}

func checkMagic(got, single, pair []byte) error {
	switch {
	case bytes.Equal(got, single):
		return nil
	case bytes.Equal(got, pair):
		return &Error{Field: "magic", Err: fmt.Errorf("%w: magic %q is a .hdr/.img pair; only single files (.nii, .nii.gz) are read", ErrUnsupported, got[:3])}
	}
	return &Error{Field: "magic", Err: fmt.Errorf("%w: magic is %q, want %q", ErrFormat, got, single)}
}

// validate checks what Decode needs from a header before it allocates: the
// datatype, bitpix, dimensions and size, vox_offset and scaling.
func (h *Header) validate() error {
	size := h.Datatype.Size()
	if size == 0 {
		return &Error{Field: "datatype", Err: fmt.Errorf("%w: datatype %s", ErrUnsupported, h.Datatype.describe())}
	}
	if int(h.BitPix) != 8*size {
		return &Error{Field: "bitpix", Err: fmt.Errorf("%w: %d does not match datatype %s (%d bits)", ErrFormat, h.BitPix, h.Datatype, 8*size)}
	}
	if h.Dim[0] < 1 || h.Dim[0] > 7 {
		return &Error{Field: "dim[0]", Err: fmt.Errorf("%w: %d dimensions, want 1 to 7", ErrFormat, h.Dim[0])}
	}
	nbytes := int64(size)
	for i := int64(1); i <= h.Dim[0]; i++ {
		d := h.Dim[i]
		name := fmt.Sprintf("dim[%d]", i)
		if d < 1 {
			return &Error{Field: name, Err: fmt.Errorf("%w: size %d, want at least 1", ErrFormat, d)}
		}
		if i > 3 && d != 1 {
			return &Error{Field: name, Err: fmt.Errorf("%w: %d volumes along dimension %d; only single-volume images are supported", ErrUnsupported, d, i)}
		}
		if d > MaxDataBytes/nbytes {
			return &Error{Field: name, Err: fmt.Errorf("%w: dim %v of %s voxels is more than %d bytes", ErrUnsupported, h.Dim[1:h.Dim[0]+1], h.Datatype, int64(MaxDataBytes))}
		}
		nbytes *= d
	}
	if nbytes > math.MaxInt {
		return &Error{Field: "dim", Err: fmt.Errorf("%w: %d bytes of voxels do not fit in memory here", ErrUnsupported, nbytes)}
	}
	minOffset := int64(minVoxOffset1)
	if h.Version == 2 {
		minOffset = minVoxOffset2
	}
	if h.VoxOffset < minOffset {
		return &Error{Field: "vox_offset", Err: fmt.Errorf("%w: %d is inside the header, want at least %d", ErrFormat, h.VoxOffset, minOffset)}
	}
	if _, inter, ok := h.slope(); ok && (math.IsNaN(inter) || math.IsInf(inter, 0)) {
		return &Error{Field: "scl_inter", Err: fmt.Errorf("%w: %v with valid scl_slope %v", ErrFormat, inter, h.SclSlope)}
	}
	return nil
}

// slope applies nibabel's get_slope_inter rule: a zero or non-finite slope
// means no scaling.
func (h *Header) slope() (slope, inter float64, scaled bool) {
	if h.SclSlope == 0 || math.IsNaN(h.SclSlope) || math.IsInf(h.SclSlope, 0) {
		return 1, 0, false
	}
	return h.SclSlope, h.SclInter, true
}

// marshal encodes h as a single-file header of its version followed by the
// 4-byte extension flag (no extensions), ready to be followed by the voxels.
// It checks that every value fits the version's fields.
func (h *Header) marshal() ([]byte, error) {
	order := h.byteOrder()
	if h.Version == 2 {
		return h.marshal2(order)
	}
	if h.Version != 1 && h.Version != 0 {
		return nil, &Error{Field: "version", Err: fmt.Errorf("%w: NIfTI version %d, want 1 or 2", ErrUnsupported, h.Version)}
	}
	return h.marshal1(order)
}

// putter writes values into a header buffer, recording the first value that
// does not fit.
type putter struct {
	b   []byte
	o   binary.ByteOrder
	err error
}

func (p *putter) i16(off int, v int64, name string) {
	if v < math.MinInt16 || v > math.MaxInt16 {
		if p.err == nil {
			p.err = &Error{Field: name, Err: fmt.Errorf("%w: %d does not fit in NIfTI-1's int16; write NIfTI-2 (Header.Version = 2)", ErrUnsupported, v)}
		}
		return
	}
	p.o.PutUint16(p.b[off:], uint16(v))
}
func (p *putter) i32(off int, v int64) { p.o.PutUint32(p.b[off:], uint32(v)) }
func (p *putter) i64(off int, v int64) { p.o.PutUint64(p.b[off:], uint64(v)) }
func (p *putter) f32(off int, v float64) {
	p.o.PutUint32(p.b[off:], math.Float32bits(float32(v)))
}
func (p *putter) f64(off int, v float64) { p.o.PutUint64(p.b[off:], math.Float64bits(v)) }
func (p *putter) str(off, n int, s, name string) {
	if len(s) > n || bytes.IndexByte([]byte(s), 0) >= 0 {
		if p.err == nil {
			p.err = &Error{Field: name, Err: fmt.Errorf("%w: %q has a NUL or is longer than %d bytes", ErrFormat, s, n)}
		}
		return
	}
	copy(p.b[off:off+n], s)
}

func (h *Header) marshal1(order binary.ByteOrder) ([]byte, error) {
	p := &putter{b: make([]byte, minVoxOffset1), o: order}
	p.i32(0, sizeofHdr1)
	p.b[39] = h.DimInfo
	for i := range 8 {
		p.i16(40+2*i, h.Dim[i], fmt.Sprintf("dim[%d]", i))
		p.f32(76+4*i, h.PixDim[i])
	}
	p.f32(56, h.IntentP1)
	p.f32(60, h.IntentP2)
	p.f32(64, h.IntentP3)
	p.i16(68, int64(h.IntentCode), "intent_code")
	p.i16(70, int64(h.Datatype), "datatype")
	p.i16(72, int64(8*h.Datatype.Size()), "bitpix")
	p.i16(74, h.SliceStart, "slice_start")
	p.f32(108, minVoxOffset1)
	p.f32(112, h.SclSlope)
	p.f32(116, h.SclInter)
	p.i16(120, h.SliceEnd, "slice_end")
	p.b[122] = h.SliceCode
	p.b[123] = h.XYZTUnits
	p.f32(124, h.CalMax)
	p.f32(128, h.CalMin)
	p.f32(132, h.SliceDuration)
	p.f32(136, h.TOffset)
	p.str(148, 80, h.Descrip, "descrip")
	p.str(228, 24, h.AuxFile, "aux_file")
	p.i16(252, int64(h.QformCode), "qform_code")
	p.i16(254, int64(h.SformCode), "sform_code")
	p.f32(256, h.QuaternB)
	p.f32(260, h.QuaternC)
	p.f32(264, h.QuaternD)
	p.f32(268, h.QOffsetX)
	p.f32(272, h.QOffsetY)
	p.f32(276, h.QOffsetZ)
	for i := range 3 {
		for j := range 4 {
			p.f32(280+16*i+4*j, h.SRow[i][j])
		}
	}
	p.str(328, 16, h.IntentName, "intent_name")
	copy(p.b[344:], magic1)
	return p.b, p.err
}

func (h *Header) marshal2(order binary.ByteOrder) ([]byte, error) {
	p := &putter{b: make([]byte, minVoxOffset2), o: order}
	p.i32(0, sizeofHdr2)
	copy(p.b[4:], magic2)
	copy(p.b[8:], eolCheck)
	p.o.PutUint16(p.b[12:], uint16(h.Datatype))
	p.o.PutUint16(p.b[14:], uint16(8*h.Datatype.Size()))
	for i := range 8 {
		p.i64(16+8*i, h.Dim[i])
		p.f64(104+8*i, h.PixDim[i])
	}
	p.f64(80, h.IntentP1)
	p.f64(88, h.IntentP2)
	p.f64(96, h.IntentP3)
	p.i64(168, minVoxOffset2)
	p.f64(176, h.SclSlope)
	p.f64(184, h.SclInter)
	p.f64(192, h.CalMax)
	p.f64(200, h.CalMin)
	p.f64(208, h.SliceDuration)
	p.f64(216, h.TOffset)
	p.i64(224, h.SliceStart)
	p.i64(232, h.SliceEnd)
	p.str(240, 80, h.Descrip, "descrip")
	p.str(320, 24, h.AuxFile, "aux_file")
	p.i32(344, int64(h.QformCode))
	p.i32(348, int64(h.SformCode))
	p.f64(352, h.QuaternB)
	p.f64(360, h.QuaternC)
	p.f64(368, h.QuaternD)
	p.f64(376, h.QOffsetX)
	p.f64(384, h.QOffsetY)
	p.f64(392, h.QOffsetZ)
	for i := range 3 {
		for j := range 4 {
			p.f64(400+32*i+8*j, h.SRow[i][j])
		}
	}
	p.i32(496, int64(h.SliceCode))
	p.i32(500, int64(h.XYZTUnits))
	p.i32(504, int64(h.IntentCode))
	p.str(508, 16, h.IntentName, "intent_name")
	p.b[524] = h.DimInfo
	return p.b, p.err
}
