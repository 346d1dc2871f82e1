package nifti

import (
	"fmt"
	"io"
)

// Writer writes a NIfTI image whose voxels come in parts, in file order
// (a volume slice by slice), so that it need never be held whole: the
// bytes are those Encode writes for the same header and voxels, however
// they are split. Write compresses in the background (as Encode does), so
// the caller can make the next part meanwhile.
type Writer struct {
	out  io.Writer     // the file, or zw
	zw   *memberWriter // nil for a plain .nii
	dt   Datatype
	left int64 // voxel bytes still to come
	swap bool
}

// NewWriter checks h and opts as Encode does and writes the header to w.
// Close must be called, even after an error, to stop the compressors.
func NewWriter(w io.Writer, h Header, opts *EncodeOptions) (*Writer, error) {
	h, hdr, level, err := prepare(h, opts)
	if err != nil {
		return nil, err
	}
	nw := &Writer{out: w, dt: h.Datatype, left: int64(h.numVoxels()) * int64(h.Datatype.Size()), swap: isLittle(h.byteOrder()) != nativeLittle}
	if level != noGzip {
		nw.zw = newMemberWriter(w, level, int64(len(hdr))+nw.left)
		nw.out = nw.zw
	}
	if _, err := nw.out.Write(hdr); err != nil {
		return nw, &Error{Field: "header", Err: err}
	}
	return nw, nil
}

// Write writes the next voxels: data is a slice of the header's datatype
// ([]int16 for Int16 …), in native byte order.
func (w *Writer) Write(data any) error {
	dt, b, ok := dataBytes(data)
	switch {
	case !ok:
		return &Error{Field: "data", Err: fmt.Errorf("%w: voxels as a %T", ErrUnsupported, data)}
	case dt != w.dt:
		return &Error{Field: "datatype", Err: fmt.Errorf("%w: header says %s, voxels are []%s", ErrFormat, w.dt, dt)}
	case int64(len(b)) > w.left:
		return &Error{Field: "data", Err: fmt.Errorf("%w: %d voxels more than the header's dim holds", ErrFormat, (int64(len(b))-w.left)/int64(dt.Size()))}
	}
	w.left -= int64(len(b))
	if err := writeVoxels(w.out, b, dt.Size(), w.swap); err != nil {
		return &Error{Field: "data", Err: err}
	}
	return nil
}

// Close writes what is still being compressed and stops the compressors;
// it fails when fewer voxels came than the header's dim holds.
func (w *Writer) Close() error {
	var err error
	if w.zw != nil {
		err = w.zw.Close()
	}
	if w.left != 0 {
		return &Error{Field: "data", Err: fmt.Errorf("%w: %d voxels fewer than the header's dim holds", ErrFormat, w.left/int64(w.dt.Size()))}
	}
	if err != nil {
		return &Error{Field: "data", Err: err}
	}
	return nil
}
