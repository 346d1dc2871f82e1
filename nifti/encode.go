package nifti

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
)

// EncodeOptions controls Encode. A nil *EncodeOptions means gzip at the
// default level.
type EncodeOptions struct {
	// Gzip compresses the output (a .nii.gz); false writes a plain .nii.
	Gzip bool
	// Level is the gzip level, 1 (fastest) to 9 (smallest), HuffmanOnly or
	// Stored;
	// 0 means klauspost/compress's default, which is level 5.
	Level int
}

// HuffmanOnly is the Level that Huffman-codes the bytes without looking for
// repeats (deflate's -2): on CT about 2.5 times as fast as level 1, the file
// about 6% larger, inflated as fast.
const HuffmanOnly = flate.HuffmanOnly

// Stored is the Level that stores the bytes in deflate's uncompressed
// blocks: a gzip stream as large as the image that costs little more than
// its checksum to write, and nothing to inflate.
const Stored = -3

// Encode writes img to w as a single-file NIfTI image, NIfTI-1 ("n+1") or
// NIfTI-2 ("n+2") after img.Header.Version, in the byte order of
// img.Header.ByteOrder, with no header extensions. bitpix and vox_offset are
// derived from the datatype and the layout, whatever the header holds. Gzip
// output is a standard gzip stream of independent members, compressed in
// parallel, that Decode inflates in parallel (see members.go); the same
// image and options always give the same bytes.
func Encode(w io.Writer, img *Image, opts *EncodeOptions) error {
	return encode(w, img.Header, img.Data, nil, opts)
}

// EncodeRegion writes, as Encode does, the image whose header is
// r.Header and whose voxels are r.Data in the box [r.Lo, r.Hi) and zero
// everywhere else, without making that image: the bytes are those Encode
// writes for it. Whole members of zeros cost next to nothing, so a mask is
// written in the time its box takes.
func EncodeRegion(w io.Writer, r *Region, opts *EncodeOptions) error {
	return encode(w, r.Header, r.Data, r, opts)
}

// encode writes the image of header h whose voxels are data, or when r is
// not nil data in the box of r and zero elsewhere.
func encode(w io.Writer, h Header, data any, r *Region, opts *EncodeOptions) error {
	h, hdr, level, err := prepare(h, opts)
	if err != nil {
		return err
	}
	dt, b, ok := dataBytes(data)
	if !ok {
		return &Error{Field: "data", Err: fmt.Errorf("%w: Image.Data is a %T", ErrUnsupported, data)}
	}
	if dt != h.Datatype {
		return &Error{Field: "datatype", Err: fmt.Errorf("%w: header says %s, Image.Data is []%s", ErrFormat, h.Datatype, dt)}
	}
	n := h.numVoxels()
	if r == nil {
		if len(b) != n*dt.Size() {
			return &Error{Field: "data", Err: fmt.Errorf("%w: %d voxels, the header's dim %v needs %d", ErrFormat, len(b)/dt.Size(), h.Dim[1:h.Dim[0]+1], n)}
		}
	} else {
		shape := h.Shape()
		m := 1
		for a := range 3 {
			if r.Lo[a] < 0 || r.Hi[a] < r.Lo[a] || r.Hi[a] > shape[a] {
				return &Error{Field: "data", Err: fmt.Errorf("%w: box %v–%v is not inside the image's %v voxels", ErrFormat, r.Lo, r.Hi, shape)}
			}
			m *= r.Hi[a] - r.Lo[a]
		}
		if len(b) != m*dt.Size() {
			return &Error{Field: "data", Err: fmt.Errorf("%w: %d voxels for the box %v–%v, which has %d", ErrFormat, len(b)/dt.Size(), r.Lo, r.Hi, m)}
		}
	}
	swap := isLittle(h.byteOrder()) != nativeLittle
	write := func(w io.Writer) error {
		if _, err := w.Write(hdr); err != nil {
			return &Error{Field: "header", Err: err}
		}
		var err error
		if r == nil {
			err = writeVoxels(w, b, dt.Size(), swap)
		} else {
			err = writeRegion(w, layoutOf(&h), r.Lo, r.Hi, b, swap)
		}
		if err != nil {
			return &Error{Field: "data", Err: err}
		}
		return nil
	}
	if level == noGzip {
		return write(w)
	}
	zw := newMemberWriter(w, level, int64(len(hdr))+int64(n)*int64(dt.Size()))
	if err := write(zw); err != nil {
		zw.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		return &Error{Field: "data", Err: err}
	}
	return nil
}

// noGzip is prepare's level for a plain .nii (no flate level).
const noGzip = -100

// prepare checks opts and h as Encode takes them, derives bitpix and
// vox_offset, and marshals the header. level is the flate level to
// compress at, noGzip for none.
func prepare(h Header, opts *EncodeOptions) (Header, []byte, int, error) {
	if opts == nil {
		opts = &EncodeOptions{Gzip: true}
	}
	level := opts.Level
	if level == 0 {
		level = flate.DefaultCompression
	}
	if opts.Gzip && (level < 1 || level > 9) && level != flate.DefaultCompression && level != HuffmanOnly && level != Stored {
		return h, nil, 0, &Error{Field: "gzip", Err: fmt.Errorf("%w: level %d, want 1 to 9, HuffmanOnly or Stored", ErrUnsupported, opts.Level)}
	}
	switch {
	case !opts.Gzip:
		level = noGzip
	case level == Stored:
		level = flate.NoCompression
	}
	if h.Version == 0 {
		h.Version = 1
	}
	h.BitPix = int16(8 * h.Datatype.Size())
	h.VoxOffset = minVoxOffset1
	if h.Version == 2 {
		h.VoxOffset = minVoxOffset2
	}
	hdr, err := h.marshal()
	if err != nil {
		return h, nil, 0, err
	}
	if err := h.validate(); err != nil {
		return h, nil, 0, err
	}
	return h, hdr, level, nil
}

// writeVoxels writes the voxels' bytes b, byte-swapping them through a
// small buffer when swap is set.
func writeVoxels(w io.Writer, b []byte, size int, swap bool) error {
	if !swap {
		_, err := w.Write(b)
		return err
	}
	buf := make([]byte, min(chunkSize, len(b)))
	for off := 0; off < len(b); off += len(buf) {
		chunk := buf[:copy(buf, b[off:])]
		swapBytes(chunk, size)
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// writeRegion writes the voxels of an image of layout l that is b (the
// box [lo, hi)'s bytes) in the box and zero elsewhere, one run of the box
// at a time (a row of it, or more where its rows are whole).
func writeRegion(w io.Writer, l layout, lo, hi [3]int, b []byte, swap bool) error {
	pos := l.vox // file offset written up to
	if !empty(lo, hi) {
		ny := int64(l.shape[1])
		seg := int64((hi[0] - lo[0]) * l.size)
		rows := 1 // rows of the box written at once
		switch {
		case l.contiguous(lo, hi):
			rows = (hi[1] - lo[1]) * (hi[2] - lo[2])
		case lo[0] == 0 && hi[0] == l.shape[0]:
			rows = hi[1] - lo[1]
		}
		n := 0 // rows of the box written
		for k := lo[2]; k < hi[2]; k++ {
			for j := lo[1]; j < hi[1]; j += rows {
				at := l.vox + (int64(k)*ny+int64(j))*l.row + int64(lo[0]*l.size)
				if err := writeZeros(w, at-pos); err != nil {
					return err
				}
				run := b[int64(n)*seg : int64(n+rows)*seg]
				if err := writeVoxels(w, run, l.size, swap); err != nil {
					return err
				}
				n += rows
				pos = at + int64(len(run))
			}
			if rows > hi[1]-lo[1] {
				break
			}
		}
	}
	return writeZeros(w, l.end()-pos)
}

// writeZeros writes n zero bytes to w: cheaply to a memberWriter.
func writeZeros(w io.Writer, n int64) error {
	if n <= 0 {
		return nil
	}
	if zw, ok := w.(*memberWriter); ok {
		return zw.writeZeros(n)
	}
	buf := make([]byte, min(n, chunkSize))
	for n > 0 {
		k, err := w.Write(buf[:min(n, int64(len(buf)))])
		if err != nil {
			return err
		}
		n -= int64(k)
	}
	return nil
}
