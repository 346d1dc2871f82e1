package dicompixel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"

	"kidney3d/pipeline/dicomwalk"
)

// File is a DICOM file read for its pixel data: its transfer syntax and
// its frames, slices of the file's bytes. Close gives the bytes back.
type File struct {
	path   string
	syntax Syntax
	count  int        // frames, as the header says
	native []byte     // native pixel data, all frames
	frames [][][]byte // encapsulated pixel data, fragments per frame
	buf    *[]byte
}

// Open reads the DICOM file at path whole, into a buffer reused from file
// to file, checks its element lengths and finds its pixel data (dicomwalk;
// a deflated file goes through the DICOM parser instead). frames is how
// many frames its header says it has (Number of Frames, 1 when absent):
// encapsulated fragments are shared out between them one per frame, or by
// the basic offset table. The transfer syntax is the file meta
// information's; a file without one is read as implicit VR little endian.
func Open(path string, frames int) (*File, error) {
	f := &File{path: path, buf: dicomwalk.Buffer()}
	err := f.open(frames)
	if err != nil {
		f.Close()
		return nil, named(path, err)
	}
	return f, nil
}

func (f *File) open(frames int) error {
	frames = max(frames, 1)
	f.count = frames
	b, err := dicomwalk.ReadFile(f.path, f.buf)
	if err != nil {
		return &FileError{Reason: "cannot read", Err: err}
	}
	layout, err := dicomwalk.Walk(b)
	if err != nil {
		return &FileError{Reason: "not a readable DICOM file", Err: err}
	}
	if layout.Deflated {
		return f.parse(b, frames)
	}
	s := Lookup(layout.Syntax)
	if layout.Syntax == "" {
		s = Lookup(ImplicitVRLittleEndian)
	}
	f.syntax = s
	switch {
	case !s.Supported:
		return &UnsupportedError{Syntax: s}
	case !layout.HasPixels:
		return &FileError{Reason: "no pixel data element (7FE0,0010)"}
	case layout.Encapsulated != (s.Coding != Native && s.Coding != NativeBig):
		return &FileError{Reason: fmt.Sprintf("pixel data encapsulated: %v, in transfer syntax %s", layout.Encapsulated, s)}
	case !layout.Encapsulated:
		f.native = layout.Pixels
		return nil
	}
	f.frames, err = shareFragments(layout.Fragments, layout.FragmentOffsets, layout.OffsetTable, frames)
	return err
}

// parse reads the pixel data through the DICOM parser.
func (f *File) parse(b []byte, frames int) error {
	ds, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil, dicom.SkipProcessingPixelDataValue(), dicom.AllowMissingMetaElementGroupLength(), dicom.AllowUnknownSpecificCharacterSet())
	if err != nil {
		return &FileError{Reason: "not a readable DICOM file", Err: err}
	}
	f.syntax = SyntaxOf(&ds)
	if !f.syntax.Supported {
		return &UnsupportedError{Syntax: f.syntax}
	}
	e, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return &FileError{Reason: "no pixel data element (7FE0,0010)"}
	}
	info, ok := e.Value.GetValue().(dicom.PixelDataInfo)
	if !ok {
		return &FileError{Reason: fmt.Sprintf("pixel data element holds %T", e.Value.GetValue())}
	}
	native := f.syntax.Coding == Native || f.syntax.Coding == NativeBig
	switch {
	case info.IsEncapsulated && !native:
		var fragments [][]byte
		for _, fr := range info.Frames {
			if fr.Encapsulated {
				fragments = append(fragments, fr.EncapsulatedData.Data)
			}
		}
		f.frames, err = shareFragments(fragments, nil, nil, frames)
		return err
	case info.IntentionallyUnprocessed && native:
		f.native = info.UnprocessedValueData
		return nil
	}
	return &FileError{Reason: fmt.Sprintf("pixel data encapsulated: %v, in transfer syntax %s", info.IsEncapsulated, f.syntax)}
}

// shareFragments shares encapsulated fragments out between frames: all to
// the one frame, one each when there are as many as frames, else by the
// basic offset table (which gives where each frame's first fragment item
// starts).
func shareFragments(fragments [][]byte, offsets []int, table []byte, frames int) ([][][]byte, error) {
	switch {
	case len(fragments) == 0:
		return nil, &FileError{Reason: "pixel data holds no fragment"}
	case frames == 1:
		return [][][]byte{fragments}, nil
	case len(fragments) == frames:
		out := make([][][]byte, frames)
		for i, fr := range fragments {
			out[i] = [][]byte{fr}
		}
		return out, nil
	case len(table) != 4*frames || len(offsets) != len(fragments):
		return nil, &FileError{Reason: fmt.Sprintf("%d fragments for %d frames and no basic offset table to share them out", len(fragments), frames)}
	}
	out := make([][][]byte, frames)
	n := 0
	for i := range out {
		start := int(binary.LittleEndian.Uint32(table[4*i:]))
		end := int(^uint(0) >> 1)
		if i+1 < frames {
			end = int(binary.LittleEndian.Uint32(table[4*i+4:]))
		}
		if n >= len(offsets) || offsets[n] != start {
			return nil, &FileError{Reason: fmt.Sprintf("basic offset table: frame %d starts at byte %d, where no fragment does", i+1, start)}
		}
		for n < len(offsets) && offsets[n] < end {
			out[i] = append(out[i], fragments[n])
			n++
		}
	}
	return out, nil
}

// Decode decodes frame n (from 0) of the file, laid out as format says,
// into dst.
func (f *File) Decode(n int, format Format, dst []int32) error {
	var chunks [][]byte
	if f.native != nil {
		if err := format.Check(); err != nil {
			return named(f.path, &FileError{Reason: err.Error()})
		}
		size := format.Pixels() * format.BitsAllocated / 8
		switch {
		case f.count == 1:
			chunks = [][]byte{f.native} // its length is checked against one frame's
		case len(f.native) != f.count*size && len(f.native) != f.count*size+1:
			return named(f.path, &FileError{Reason: fmt.Sprintf("pixel data holds %d bytes; %d frames of rows × columns × %d bytes are %d", len(f.native), f.count, format.BitsAllocated/8, f.count*size)})
		case n >= f.count:
			return named(f.path, &FileError{Reason: fmt.Sprintf("no frame %d in %d", n+1, f.count)})
		default:
			chunks = [][]byte{f.native[n*size : (n+1)*size]}
		}
	} else {
		if n >= len(f.frames) {
			return named(f.path, &FileError{Reason: fmt.Sprintf("no frame %d in %d", n+1, len(f.frames))})
		}
		chunks = f.frames[n]
	}
	return named(f.path, Decode(f.syntax, format, chunks, dst))
}

// Close gives the file's bytes back; f must not be used after.
func (f *File) Close() {
	if f.buf != nil {
		dicomwalk.Release(f.buf)
		f.buf = nil
	}
}

// ReadFile decodes the one frame of the DICOM file at path, laid out as
// format says (the file's own header, read beforehand), into dst.
func ReadFile(path string, format Format, dst []int32) error {
	f, err := Open(path, 1)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Decode(0, format, dst)
}

// named puts the file's name into an error of Decode.
func named(path string, err error) error {
	var fe *FileError
	var ue *UnsupportedError
	switch {
	case errors.As(err, &fe):
		if fe.File == "" {
			fe.File = path
		}
	case errors.As(err, &ue):
		if ue.File == "" {
			ue.File = path
		}
	}
	return err
}

// SyntaxOf is the transfer syntax of a parsed dataset's file meta
// information, implicit VR little endian when it has none.
func SyntaxOf(ds *dicom.Dataset) Syntax {
	if e, err := ds.FindElementByTag(tag.TransferSyntaxUID); err == nil {
		if s, ok := e.Value.GetValue().([]string); ok && len(s) > 0 {
			return Lookup(trimUID(s[0]))
		}
	}
	return Lookup(ImplicitVRLittleEndian)
}

// trimUID drops the NUL or space that pads a UID to even length.
func trimUID(s string) string {
	for len(s) > 0 && (s[len(s)-1] == 0 || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}
