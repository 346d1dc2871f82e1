package nifti

import (
	"fmt"
	"io"

	"kidney3d/pipeline/limits"
)

// Extension is one header extension of a NIfTI file: its code (ecode) and
// its esize - 8 bytes of content, padding included.
type Extension struct {
	Code int32
	Data []byte
}

// MaxExtensionBytes bounds the header extensions DecodeExtensions reads
// (the bytes between the header and vox_offset): 16 MiB.
const MaxExtensionBytes = 16 << 20

// DecodeExtensions reads the header from r, then the header extensions
// that follow it up to vox_offset (NIfTI-1 §"extension"): a 4-byte
// extender whose first byte says whether any follow, then records of
// esize (a whole record's bytes), ecode and content. A file with no
// extensions, or a header of a .hdr/.img pair, gives none. A record that
// runs past vox_offset is an *Error of field "extension".
func DecodeExtensions(r io.Reader) ([]Extension, error) {
	h, src, gz, done, err := headerFrom(r)
	if err != nil {
		return nil, err
	}
	defer done()
	hdrSize := int64(sizeofHdr1)
	if h.Version == 2 {
		hdrSize = sizeofHdr2
	}
	n := h.VoxOffset - hdrSize
	if n < 4 {
		return nil, nil
	}
	if n > MaxExtensionBytes {
		return nil, &Error{Field: "extension", Err: fmt.Errorf("%w: %d bytes of extensions, over the limit of %d", ErrTooLarge, n, MaxExtensionBytes)}
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(src, b); err != nil {
		return nil, readError("extension", gz, err)
	}
	if b[0] == 0 {
		return nil, nil
	}
	order := h.byteOrder()
	var out []Extension
	for off := int64(4); off+8 <= n; {
		esize := int64(int32(order.Uint32(b[off:])))
		if esize < 8 || off+esize > n {
			return nil, &Error{Field: "extension", Err: fmt.Errorf("%w: esize %d at byte %d runs past vox_offset %d", ErrFormat, esize, hdrSize+off, h.VoxOffset)}
		}
		out = append(out, Extension{Code: int32(order.Uint32(b[off+4:])), Data: b[off+8 : off+esize]})
		off += esize
	}
	return out, nil
}

// ReadExtensionsFile reads the header extensions of the NIfTI image at
// path (DecodeExtensions), a regular file as for ReadFile. Its errors are
// *Error values naming path.
func ReadExtensionsFile(path string) ([]Extension, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, withFile(path, err)
	}
	defer f.Close()
	exts, err := DecodeExtensions(f)
	return exts, withFile(path, err)
}
