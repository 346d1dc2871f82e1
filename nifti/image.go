package nifti

import (
	"encoding/binary"
	"unsafe"
)

// Image is a NIfTI image: its header and its voxels.
type Image struct {
	Header Header
	// Data holds the stored (unscaled) voxel values in native byte order,
	// x fastest, then y, then z: exactly one of []uint8, []int8, []int16,
	// []uint16, []int32, []uint32, []float32 or []float64, matching
	// Header.Datatype, of length Shape()[0]*Shape()[1]*Shape()[2].
	Data any
}

// Slope returns the scaling of the stored values by nibabel's rule
// (get_slope_inter): a zero, NaN or infinite scl_slope means no scaling,
// reported as (1, 0, false); otherwise (scl_slope, scl_inter, true), the
// real value being stored*slope + inter. Decode rejects a valid slope with
// a non-finite intercept, as nibabel does.
func (img *Image) Slope() (slope, inter float64, scaled bool) {
	return img.Header.slope()
}

// Len returns how many voxels Data holds; -1 when Data is not one of the
// slice types listed with Image.
func (img *Image) Len() int {
	dt, b, ok := dataBytes(img.Data)
	if !ok {
		return -1
	}
	return len(b) / dt.Size()
}

// Float64 returns the scaled value of voxel i (x fastest), as nibabel's
// get_fdata gives it. It panics if i is out of range or Data is not one of
// the slice types listed with Image.
func (img *Image) Float64(i int) float64 {
	var v float64
	switch d := img.Data.(type) {
	case []uint8:
		v = float64(d[i])
	case []int8:
		v = float64(d[i])
	case []int16:
		v = float64(d[i])
	case []uint16:
		v = float64(d[i])
	case []int32:
		v = float64(d[i])
	case []uint32:
		v = float64(d[i])
	case []float32:
		v = float64(d[i])
	case []float64:
		v = d[i]
	default:
		panic("nifti: Image.Data is not a supported slice type")
	}
	if slope, inter, ok := img.Slope(); ok {
		return v*slope + inter
	}
	return v
}

// makeData allocates n voxels of type dt; it returns the typed slice and its
// bytes.
func makeData(dt Datatype, n int) (any, []byte) {
	switch dt {
	case Uint8:
		s := make([]uint8, n)
		return s, s
	case Int8:
		s := make([]int8, n)
		return s, asBytes(s)
	case Int16:
		s := make([]int16, n)
		return s, asBytes(s)
	case Uint16:
		s := make([]uint16, n)
		return s, asBytes(s)
	case Int32:
		s := make([]int32, n)
		return s, asBytes(s)
	case Uint32:
		s := make([]uint32, n)
		return s, asBytes(s)
	case Float32:
		s := make([]float32, n)
		return s, asBytes(s)
	case Float64:
		s := make([]float64, n)
		return s, asBytes(s)
	}
	return nil, nil
}

// dataBytes returns the datatype and the bytes of a Data slice; ok is false
// for any other type.
func dataBytes(data any) (dt Datatype, b []byte, ok bool) {
	switch s := data.(type) {
	case []uint8:
		return Uint8, s, true
	case []int8:
		return Int8, asBytes(s), true
	case []int16:
		return Int16, asBytes(s), true
	case []uint16:
		return Uint16, asBytes(s), true
	case []int32:
		return Int32, asBytes(s), true
	case []uint32:
		return Uint32, asBytes(s), true
	case []float32:
		return Float32, asBytes(s), true
	case []float64:
		return Float64, asBytes(s), true
	}
	return 0, nil, false
}

type number interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~float32 | ~float64
}

// asBytes returns the memory of s as bytes, without copying.
func asBytes[T number](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

// swapBytes reverses the byte order of each size-byte word of b in place.
func swapBytes(b []byte, size int) {
	le, be := binary.LittleEndian, binary.BigEndian
	switch size {
	case 2:
		for i := 0; i+2 <= len(b); i += 2 {
			le.PutUint16(b[i:], be.Uint16(b[i:]))
		}
	case 4:
		for i := 0; i+4 <= len(b); i += 4 {
			le.PutUint32(b[i:], be.Uint32(b[i:]))
		}
	case 8:
		for i := 0; i+8 <= len(b); i += 8 {
			le.PutUint64(b[i:], be.Uint64(b[i:]))
		}
	}
}

// isLittle reports whether o is little-endian.
func isLittle(o binary.ByteOrder) bool { return o.Uint16([]byte{1, 0}) == 1 }

var nativeLittle = isLittle(binary.NativeEndian)
