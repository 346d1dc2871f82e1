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

	"kidney3d/pipeline/limits"
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
	h, _, _, done, err := headerFrom(r)
	if err != nil {
		return nil, err
	}
	defer done()
	return h, nil
}

// headerFrom reads the header from r, inflating a gzip stream through a
// small buffer, and returns it with the stream positioned just after it,
// whether that stream is gzip, and what to call once done with it.
func headerFrom(r io.Reader) (h *Header, rest io.Reader, gz bool, done func(), err error) {
	src, gz, err := sniff(r)
	if err != nil {
		return nil, nil, false, nil, err
	}
	done = func() {}
	if gz {
		zr, err := gzip.NewReader(bufio.NewReaderSize(src, 4096))
		if err != nil {
			return nil, nil, false, nil, gzipError("header", err)
		}
		src, done = zr, func() { zr.Close() }
	}
	if h, err = readHeader(src, gz); err != nil {
		done()
		return nil, nil, false, nil, err
	}
	return h, src, gz, done, nil
}

// Decode reads a NIfTI image, header and voxels, from r. It reads the
// voxels in chunks straight into the slice it returns, so the image is in
// memory once. An image over the size limit of package limits is refused
// from its header, before anything is allocated or inflated (ErrTooLarge).
// A gzip stream must end where the header's data end (vox_offset + the
// voxels' bytes), so that its checksum is verified: a stream that goes on
// is refused (ErrTrailing) after inflating at most a block past that end,
// never the rest. Decode may read ahead in r, which should hold the image
// alone.
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
	if err := h.CheckLimits(); err != nil {
		return nil, err
	}
	nvox := h.numVoxels()
	end := h.dataEnd()
	if members {
		if err := checkEnd(end, total); err != nil {
			return nil, err
		}
	}
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
		if err := streamEnds(src, end); err != nil {
			return nil, err
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

// ReadFile decodes the NIfTI image (.nii or .nii.gz) at path, which must be
// a regular file (limits.OpenRegular: a FIFO or a device is refused before
// any read). Its errors are *Error values naming path.
func ReadFile(path string) (*Image, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, withFile(path, err)
	}
	defer f.Close()
	img, err := Decode(f)
	return img, withFile(path, err)
}

// ReadHeaderFile decodes only the header of the NIfTI image at path, a
// regular file as for ReadFile. Its errors are *Error values naming path.
func ReadHeaderFile(path string) (*Header, error) {
	f, err := limits.OpenRegular(path)
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

// CheckLimits refuses an image over the size limit of package limits
// (limits.CheckImage) with an *Error wrapping ErrTooLarge. Decode and the
// region readers call it before reading any voxel; DecodeHeader does not,
// so that a large image's header can still be shown. h must be a header
// they returned (a validated one).
func (h *Header) CheckLimits() error {
	if err := limits.CheckImage(int64(h.numVoxels()), h.Datatype.Size()); err != nil {
		return &Error{Field: "dim", Err: fmt.Errorf("%w: dim %v of %s: %v", ErrTooLarge, h.Dim[1:h.Dim[0]+1], h.Datatype, err)}
	}
	return nil
}

// dataEnd is where a validated header's voxels end in the (uncompressed)
// stream.
func (h *Header) dataEnd() int64 {
	return h.VoxOffset + int64(h.numVoxels())*int64(h.Datatype.Size())
}

// checkEnd refuses a stream of total uncompressed bytes (from its K3 field)
// that goes on past the header's data end.
func checkEnd(end int64, total uint64) error {
	if total > uint64(end) {
		return trailingError(end, fmt.Sprintf("the stream holds %d", total))
	}
	return nil
}

// streamEnds reads one byte past the data end of a gzip stream: io.EOF,
// which the gzip readers return only once the checksums are verified, is
// the good end; a byte there is trailing data.
func streamEnds(src io.Reader, end int64) error {
	var one [1]byte
	n, err := io.ReadAtLeast(src, one[:], 1)
	switch {
	case n > 0:
		return trailingError(end, "it goes on")
	case err != io.EOF:
		return readError("gzip", true, err)
	}
	return nil
}

func trailingError(end int64, what string) error {
	return &Error{Field: "data", Err: fmt.Errorf("%w: the header's data end at byte %d (vox_offset + voxels) and %s", ErrTrailing, end, what)}
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
