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
	// Level is the gzip level, 1 (fastest) to 9 (smallest); 0 means
	// klauspost/compress's default, which is level 5.
	Level int
}

// Encode writes img to w as a single-file NIfTI image, NIfTI-1 ("n+1") or
// NIfTI-2 ("n+2") after img.Header.Version, in the byte order of
// img.Header.ByteOrder, with no header extensions. bitpix and vox_offset are
// derived from the datatype and the layout, whatever the header holds. Gzip
// output is a standard gzip stream of independent members, compressed in
// parallel, that Decode inflates in parallel (see members.go); the same
// image and options always give the same bytes.
func Encode(w io.Writer, img *Image, opts *EncodeOptions) error {
	if opts == nil {
		opts = &EncodeOptions{Gzip: true}
	}
	level := opts.Level
	if level == 0 {
		level = flate.DefaultCompression
	}
	if opts.Gzip && (level < 1 || level > 9) && level != flate.DefaultCompression {
		return &Error{Field: "gzip", Err: fmt.Errorf("%w: level %d, want 1 to 9", ErrUnsupported, opts.Level)}
	}
	h := img.Header
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
		return err
	}
	if err := h.validate(); err != nil {
		return err
	}
	dt, data, ok := dataBytes(img.Data)
	if !ok {
		return &Error{Field: "data", Err: fmt.Errorf("%w: Image.Data is a %T", ErrUnsupported, img.Data)}
	}
	if dt != h.Datatype {
		return &Error{Field: "datatype", Err: fmt.Errorf("%w: header says %s, Image.Data is []%s", ErrFormat, h.Datatype, dt)}
	}
	if n := h.numVoxels(); len(data) != n*dt.Size() {
		return &Error{Field: "data", Err: fmt.Errorf("%w: %d voxels, the header's dim %v needs %d", ErrFormat, len(data)/dt.Size(), h.Dim[1:h.Dim[0]+1], n)}
	}
	if !opts.Gzip {
		return writeImage(w, hdr, data, dt.Size(), isLittle(h.byteOrder()) != nativeLittle)
	}
	zw := newMemberWriter(w, level, int64(len(hdr)+len(data)))
	if err := writeImage(zw, hdr, data, dt.Size(), isLittle(h.byteOrder()) != nativeLittle); err != nil {
		zw.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		return &Error{Field: "data", Err: err}
	}
	return nil
}

// writeImage writes the header and the voxels, byte-swapping them through a
// small buffer when swap is set.
func writeImage(w io.Writer, hdr, data []byte, size int, swap bool) error {
	if _, err := w.Write(hdr); err != nil {
		return &Error{Field: "header", Err: err}
	}
	if !swap {
		if _, err := w.Write(data); err != nil {
			return &Error{Field: "data", Err: err}
		}
		return nil
	}
	buf := make([]byte, min(chunkSize, len(data)))
	for off := 0; off < len(data); off += len(buf) {
		chunk := buf[:copy(buf, data[off:])]
		swapBytes(chunk, size)
		if _, err := w.Write(chunk); err != nil {
			return &Error{Field: "data", Err: err}
		}
	}
	return nil
}
