package nifti

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/pgzip"
)

const (
	// chunkSize is how much Decode reads (and byte-swaps) at a time.
	chunkSize = 1 << 20
	// maxDeflateRatio bounds how much deflate data can expand (1032:1).
	maxDeflateRatio = 1032
)

// DecodeHeader reads and checks a NIfTI header from r, reading no further
// than the header (and, for gzip input, inflating no more than a few
// kilobytes).
func DecodeHeader(r io.Reader) (*Header, error) {
	src, gz, err := sniff(r)
	if err != nil {
		return nil, err
	}
	if gz {
		zr, err := gzip.NewReader(bufio.NewReaderSize(src, 4096))
		if err != nil {
			return nil, gzipError("header", err)
		}
		defer zr.Close()
		src = zr
	}
	return readHeader(src, gz)
}

// Decode reads a NIfTI image, header and voxels, from r. It reads the
// voxels in chunks straight into the slice it returns, so the image is in
// memory once. A gzip stream is inflated to its end, so that its checksum is
// verified; Decode may read ahead in r, which should hold the image alone.
//
// When r is an *os.File, *bytes.Reader, *bytes.Buffer or *strings.Reader,
// Decode checks the header's size against the input before allocating, and
// allocates the voxel slice once. From other readers, or when the trailer of
// a gzip stream does not confirm the size, it allocates at most 64 MiB up
// front and doubles the slice as voxels arrive, so a lying header costs at
// most twice the memory of the data really there.
func Decode(r io.Reader) (*Image, error) {
	in := measure(r)
	src, gz, err := sniff(r)
	if err != nil {
		return nil, err
	}
	var members bool
	var total uint64
	if gz {
		br := bufio.NewReaderSize(src, 64<<10)
		if total, members = peekMembers(br); members {
			zr := newMemberReader(br)
			defer zr.Close()
			src = zr
		} else {
			zr, err := pgzip.NewReader(br)
			if err != nil {
				return nil, gzipError("header", err)
			}
			defer zr.Close()
			src = zr
		}
	}
	h, err := readHeader(src, gz)
	if err != nil {
		return nil, err
	}
	nvox := h.numVoxels()
	end := h.VoxOffset + int64(nvox)*int64(h.Datatype.Size())
	trusted := false
	if in.sized {
		if !gz && end > in.avail || gz && end > in.avail*maxDeflateRatio {
			return nil, &Error{Field: "data", Err: fmt.Errorf("%w: the header needs %d bytes, the input has %d", io.ErrUnexpectedEOF, end, in.avail)}
		}
		trusted = !gz || in.isize == uint32(end) || members && total == uint64(end)
	}
	hdrSize := int64(sizeofHdr1)
	if h.Version == 2 {
		hdrSize = sizeofHdr2
	}
	if _, err := io.CopyN(io.Discard, src, h.VoxOffset-hdrSize); err != nil {
		return nil, readError("data", gz, err)
	}
	data, err := readVoxels(src, h, nvox, trusted, gz)
	if err != nil {
		return nil, err
	}
	if gz {
		// Inflate to the end so that the gzip checksum is verified.
		if _, err := io.Copy(io.Discard, src); err != nil {
			return nil, readError("gzip", gz, err)
		}
	}
	return &Image{Header: *h, Data: data}, nil
}

// growStep is the most that readVoxels allocates before voxels arrive when
// the size of the input is not confirmed (a variable for the tests).
var growStep = 64 << 20

// readVoxels reads nvox voxels of h's datatype from r into a new typed
// slice, in chunks, byte-swapping each chunk to native order. Unless the
// size is trusted it starts small and doubles the slice as data arrives.
// From a memberReader, members inflate straight into the slice.
func readVoxels(r io.Reader, h *Header, nvox int, trusted, gz bool) (any, error) {
	size := h.Datatype.Size()
	total := nvox * size
	n := nvox
	if !trusted {
		n = min(nvox, growStep/size)
	}
	data, buf := makeData(h.Datatype, n)
	mr, members := r.(*memberReader)
	if members {
		mr.setTarget(buf)
	}
	swap := isLittle(h.ByteOrder) != nativeLittle
	for off := 0; off < total; {
		if off == len(buf) {
			n = min(nvox, 2*n)
			bigger, b := makeData(h.Datatype, n)
			copy(b, buf)
			data, buf = bigger, b
			if members {
				mr.setTarget(buf[off:])
			}
		}
		chunk := buf[off:min(off+chunkSize, len(buf))]
		got, err := io.ReadFull(r, chunk)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &Error{Field: "data", Err: fmt.Errorf("%w: got %d of %d bytes of voxels", io.ErrUnexpectedEOF, off+got, total)}
			}
			return nil, readError("data", gz, err)
		}
		if swap {
			swapBytes(chunk, size)
		}
		off += got
	}
	return data, nil
}

// ReadFile decodes the NIfTI image (.nii or .nii.gz) at path. Its errors are
// *Error values naming path.
func ReadFile(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, withFile(path, err)
	}
	defer f.Close()
	img, err := Decode(f)
	return img, withFile(path, err)
}

// ReadHeaderFile decodes only the header of the NIfTI image at path. Its
// errors are *Error values naming path.
func ReadHeaderFile(path string) (*Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, withFile(path, err)
	}
	defer f.Close()
	h, err := DecodeHeader(f)
	return h, withFile(path, err)
}

// withFile puts path into err, making it an *Error if it is not one.
func withFile(path string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		e.File = path
		return e
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return &Error{File: path, Field: pe.Op, Err: pe.Err}
	}
	return &Error{File: path, Err: err}
}

// sniff reads the first two bytes of r and reports whether they are the
// gzip magic; the returned reader yields the whole stream.
func sniff(r io.Reader) (io.Reader, bool, error) {
	var b [2]byte
	n, err := io.ReadFull(r, b[:])
	if err != nil {
		return nil, false, readError("header", false, err)
	}
	return io.MultiReader(bytes.NewReader(b[:n]), r), b[0] == 0x1f && b[1] == 0x8b, nil
}

// readHeader reads the header from the (decompressed) stream and checks it.
func readHeader(r io.Reader, gz bool) (*Header, error) {
	var b [sizeofHdr2]byte
	if _, err := io.ReadFull(r, b[:4]); err != nil {
		return nil, readError("header", gz, err)
	}
	version, order, err := sniffSizeofHdr(b[:4])
	if err != nil {
		return nil, err
	}
	size := sizeofHdr1
	if version == 2 {
		size = sizeofHdr2
	}
	if _, err := io.ReadFull(r, b[4:size]); err != nil {
		return nil, readError("header", gz, err)
	}
	h, err := parseHeader(b[:size], version, order)
	if err != nil {
		return nil, err
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	return h, nil
}

// readError wraps an error of reading part of the stream: an early end
// becomes io.ErrUnexpectedEOF, damaged gzip data ErrCorrupt.
func readError(field string, gz bool, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Field: field, Err: io.ErrUnexpectedEOF}
	}
	if gz {
		return gzipError(field, err)
	}
	return &Error{Field: field, Err: err}
}

// gzipError classifies an error of a gzip reader.
func gzipError(field string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Field: field, Err: io.ErrUnexpectedEOF}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return &Error{Field: field, Err: err}
	}
	return &Error{Field: "gzip", Err: fmt.Errorf("%w: %s", ErrCorrupt, strings.TrimPrefix(err.Error(), "gzip: "))}
}

// input is what the type of a reader tells about what it holds.
type input struct {
	sized bool
	avail int64  // bytes left to read, when sized
	isize uint32 // the last 4 bytes, a gzip stream's size mod 2³², when sized
}

// measure finds out how many bytes r has left, and its last four bytes,
// without moving it, when its type allows.
func measure(r io.Reader) input {
	var in input
	var tail [4]byte
	switch v := r.(type) {
	case *bytes.Reader:
		in.avail = int64(v.Len())
		in.sized = in.avail < 4 || readFull(v, tail[:], v.Size()-4)
	case *strings.Reader:
		in.avail = int64(v.Len())
		in.sized = in.avail < 4 || readFull(v, tail[:], v.Size()-4)
	case *bytes.Buffer:
		in.avail = int64(v.Len())
		in.sized = true
		copy(tail[:], v.Bytes()[max(v.Len()-4, 0):])
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return input{}
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return input{}
		}
		in.avail = fi.Size() - pos
		in.sized = in.avail < 4 || readFull(v, tail[:], fi.Size()-4)
	}
	in.isize = binary.LittleEndian.Uint32(tail[:])
	return in
}

// readFull reads len(b) bytes at off, reporting success.
func readFull(r io.ReaderAt, b []byte, off int64) bool {
	n, err := r.ReadAt(b, off)
	return n == len(b) && (err == nil || err == io.EOF)
}
