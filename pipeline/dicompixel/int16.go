package dicompixel

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Rescale turns stored values into int16 by whole numbers: value·Slope +
// Intercept, with the rows of a frame stored bottom up (the last row
// first), as a NIfTI grid whose j axis runs against DICOM's columns has
// them.
type Rescale struct {
	Slope, Intercept int32
}

// DecodeInt16 decodes frame n of the file as Decode does and rescales it
// by r into dst, which must hold format.Pixels() values. Native
// little-endian 16-bit words, CT's common case, are rescaled as they are
// read; other pixel data is decoded into *scratch first (made
// format.Pixels() long when it is not). It reports false, dst holding
// garbage, when a value does not fit an int16.
func (f *File) DecodeInt16(n int, format Format, r Rescale, dst []int16, scratch *[]int32) (bool, error) {
	if f.native != nil && f.count == 1 && f.syntax.Coding == Native && format.BitsAllocated == 16 && format.Check() == nil &&
		len(dst) == format.Pixels() && (len(f.native) == 2*len(dst) || len(f.native) == 2*len(dst)+1) {
		return r.words16(format, f.native, dst), nil
	}
	if len(*scratch) != format.Pixels() {
		*scratch = make([]int32, format.Pixels())
	}
	if err := f.Decode(n, format, *scratch); err != nil {
		return false, err
	}
	return r.Int32s(*scratch, format.Columns, dst), nil
}

// Int32s stores src, a frame of nx columns, rescaled into dst; it reports
// false, dst holding garbage, when a value does not fit an int16.
func (r Rescale) Int32s(src []int32, nx int, dst []int16) bool {
	lo, hi := src[0], src[0]
	ny := len(src) / nx
	for row := 0; row < ny; row++ {
		in, out := src[row*nx:(row+1)*nx], dst[(ny-1-row)*nx:(ny-row)*nx]
		out = out[:len(in)]
		for c, x := range in {
			lo, hi = min(lo, x), max(hi, x)
			out[c] = int16(x*r.Slope + r.Intercept)
		}
	}
	return r.fits(int64(lo), int64(hi))
}

// words16 stores little-endian 16-bit words, masked and sign-extended as
// format says (as Decode reads them), rescaled into dst.
func (r Rescale) words16(format Format, data []byte, dst []int16) bool {
	nx := format.Columns
	ny := len(dst) / nx
	bits := uint(format.BitsStored)
	if lo, hi := int64(0), int64(1)<<bits-1; format.Signed && r.fits(-hi/2-1, hi/2) || !format.Signed && r.fits(lo, hi) {
		// Every value the words can hold fits: no need to look. 16-bit
		// arithmetic wraps, but to the right value, which fits.
		shift, mask := 16-bits, uint16(hi)
		slope, inter := int16(r.Slope), int16(r.Intercept)
		for row := 0; row < ny; row++ {
			in, out := data[2*row*nx:2*(row+1)*nx], dst[(ny-1-row)*nx:(ny-row)*nx]
			in = in[:2*len(out)]
			if !format.Signed && slope == 1 {
				addWords(in, out, mask, uint16(inter))
				continue
			}
			if format.Signed {
				for c := range out {
					out[c] = int16(binary.LittleEndian.Uint16(in[2*c:])<<shift)>>shift*slope + inter
				}
				continue
			}
			for c := range out {
				out[c] = int16(binary.LittleEndian.Uint16(in[2*c:])&mask)*slope + inter
			}
		}
		return true
	}
	shift := 32 - bits
	mask := uint32(1)<<bits - 1
	lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
	for row := 0; row < ny; row++ {
		in, out := data[2*row*nx:2*(row+1)*nx], dst[(ny-1-row)*nx:(ny-row)*nx]
		in = in[:2*len(out)]
		for c := range out {
			w := uint32(binary.LittleEndian.Uint16(in[2*c:]))
			var x int32
			if format.Signed {
				x = int32(w<<shift) >> shift
			} else {
				x = int32(w & mask)
			}
			lo, hi = min(lo, x), max(hi, x)
			out[c] = int16(x*r.Slope + r.Intercept)
		}
	}
	return r.fits(int64(lo), int64(hi))
}

// fits reports whether every value from lo to hi fits an int16 rescaled.
func (r Rescale) fits(lo, hi int64) bool {
	a, b := lo*int64(r.Slope)+int64(r.Intercept), hi*int64(r.Slope)+int64(r.Intercept)
	return min(a, b) >= math.MinInt16 && max(a, b) <= math.MaxInt16
}

// littleEndian is whether the machine stores an int16's low byte first,
// as addWords writes them.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// addWords stores the little-endian words of in, masked, plus add (each
// sum wrapping at 16 bits) into out: eight at a time in two uint64s, the
// carry kept within each word (the sum of the low 15 bits, the top bit
// by exclusive or), out seen as its bytes and every slice cut to 16 so
// that the loop checks no bounds.
func addWords(in []byte, out []int16, mask, add uint16) {
	const (
		lanes = 0x0001_0001_0001_0001
		low   = 0x7FFF_7FFF_7FFF_7FFF
		top   = 0x8000_8000_8000_8000
	)
	if !littleEndian {
		for c := range out {
			out[c] = int16(binary.LittleEndian.Uint16(in[2*c:])&mask + add)
		}
		return
	}
	if len(out) == 0 {
		return
	}
	m, a := uint64(mask)*lanes, uint64(add)*lanes
	al, at := a&low, a&top
	ob := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), 2*len(out))
	in = in[:len(ob)]
	n := len(ob) &^ 15
	for i := 0; i < n; i += 16 {
		s, d := in[i:i+16:i+16], ob[i:i+16:i+16]
		x := binary.LittleEndian.Uint64(s) & m
		y := binary.LittleEndian.Uint64(s[8:]) & m
		binary.LittleEndian.PutUint64(d, ((x&low)+al)^(x&top^at))
		binary.LittleEndian.PutUint64(d[8:], ((y&low)+al)^(y&top^at))
	}
	for i := n; i < len(ob); i += 2 {
		binary.LittleEndian.PutUint16(ob[i:], binary.LittleEndian.Uint16(in[i:])&mask+add)
	}
}
