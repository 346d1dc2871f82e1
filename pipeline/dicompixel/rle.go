package dicompixel

import (
	"encoding/binary"
	"fmt"
)

// decodeRLE decodes DICOM RLE (PS3.5 annex G): a 64-byte header of the
// segment count and up to 15 offsets, then one PackBits segment per byte
// plane, most significant plane first.
func decodeRLE(f Format, data []byte, dst []int32) error {
	bytesPer := f.BitsAllocated / 8
	if len(data) < 64 {
		return &FileError{Reason: fmt.Sprintf("RLE frame of %d bytes is shorter than its 64-byte header", len(data))}
	}
	n := int(binary.LittleEndian.Uint32(data))
	if n != bytesPer {
		return &FileError{Reason: fmt.Sprintf("RLE frame has %d segments; %d-bit greyscale needs %d", n, f.BitsAllocated, bytesPer)}
	}
	var offsets [16]int
	for s := 0; s < n; s++ {
		offsets[s] = int(binary.LittleEndian.Uint32(data[4+4*s:]))
	}
	offsets[n] = len(data)
	words := make([]uint32, f.Pixels())
	plane := make([]byte, f.Pixels())
	for s := 0; s < n; s++ {
		lo, hi := offsets[s], offsets[s+1]
		if lo < 64 || lo > hi || hi > len(data) {
			return &FileError{Reason: fmt.Sprintf("RLE segment %d at bytes %d…%d of a %d-byte frame", s+1, lo, hi, len(data))}
		}
		if err := unpackBits(data[lo:hi], plane); err != nil {
			return &FileError{Reason: fmt.Sprintf("RLE segment %d: %v", s+1, err)}
		}
		shift := 8 * (n - 1 - s)
		for i, b := range plane {
			words[i] |= uint32(b) << shift
		}
	}
	for i, w := range words {
		dst[i] = f.stored(w)
	}
	return nil
}

// unpackBits fills out from a PackBits segment: a header byte h ≥ 0 is
// followed by h+1 literal bytes, -127 ≤ h ≤ -1 by one byte repeated 1-h
// times, and -128 is skipped. A segment may hold padding after the plane.
func unpackBits(seg []byte, out []byte) error {
	o := 0
	for i := 0; i < len(seg) && o < len(out); {
		h := int(int8(seg[i]))
		i++
		switch {
		case h >= 0:
			n := h + 1
			if i+n > len(seg) || o+n > len(out) {
				return fmt.Errorf("literal run of %d bytes overruns the segment or the plane", n)
			}
			copy(out[o:], seg[i:i+n])
			i, o = i+n, o+n
		case h > -128:
			n := 1 - h
			if i >= len(seg) || o+n > len(out) {
				return fmt.Errorf("repeat run of %d bytes overruns the segment or the plane", n)
			}
			for k := 0; k < n; k++ {
				out[o+k] = seg[i]
			}
			i, o = i+1, o+n
		}
	}
	if o != len(out) {
		return fmt.Errorf("decoded %d of the plane's %d bytes", o, len(out))
	}
	return nil
}
