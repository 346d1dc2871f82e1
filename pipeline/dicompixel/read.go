package dicompixel

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"

	"kidney3d/pipeline/dicomwalk"
)

// ReadFile decodes the one frame of the DICOM file at path, laid out as f
// says (the file's own header, read beforehand), into dst. The transfer
// syntax is the file meta information's; a file without one is read as
// implicit VR little endian. The file is read whole into a buffer reused
// from call to call, its element lengths checked and its pixel data found
// by dicomwalk; a deflated file goes through the DICOM parser instead.
func ReadFile(path string, f Format, dst []int32) error {
	bp := dicomwalk.Buffer()
	defer dicomwalk.Release(bp)
	b, err := dicomwalk.ReadFile(path, bp)
	if err != nil {
		return &FileError{File: path, Reason: "cannot read", Err: err}
	}
	layout, err := dicomwalk.Walk(b)
	if err != nil {
		return &FileError{File: path, Reason: "not a readable DICOM file", Err: err}
	}
	if layout.Deflated {
		return named(path, parseAndDecode(b, f, dst))
	}
	s := Lookup(layout.Syntax)
	if layout.Syntax == "" {
		s = Lookup(ImplicitVRLittleEndian)
	}
	var chunks [][]byte
	switch {
	case !s.Supported:
		return &UnsupportedError{File: path, Syntax: s}
	case !layout.HasPixels:
		return &FileError{File: path, Reason: "no pixel data element (7FE0,0010)"}
	case layout.Encapsulated != (s.Coding != Native && s.Coding != NativeBig):
		return &FileError{File: path, Reason: fmt.Sprintf("pixel data encapsulated: %v, in transfer syntax %s", layout.Encapsulated, s)}
	case layout.Encapsulated:
		chunks = layout.Fragments
	default:
		chunks = [][]byte{layout.Pixels}
	}
	if len(chunks) == 0 {
		return &FileError{File: path, Reason: "pixel data holds no fragment"}
	}
	return named(path, Decode(s, f, chunks, dst))
}

// parseAndDecode decodes a file through the DICOM parser.
func parseAndDecode(b []byte, f Format, dst []int32) error {
	ds, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil, dicom.SkipProcessingPixelDataValue(), dicom.AllowMissingMetaElementGroupLength(), dicom.AllowUnknownSpecificCharacterSet())
	if err != nil {
		return &FileError{Reason: "not a readable DICOM file", Err: err}
	}
	return decodeDataset(&ds, f, dst)
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

// decodeDataset decodes the pixel data element of a dataset parsed with
// SkipProcessingPixelDataValue.
func decodeDataset(ds *dicom.Dataset, f Format, dst []int32) error {
	s := SyntaxOf(ds)
	if !s.Supported {
		return &UnsupportedError{Syntax: s}
	}
	e, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return &FileError{Reason: "no pixel data element (7FE0,0010)"}
	}
	info, ok := e.Value.GetValue().(dicom.PixelDataInfo)
	if !ok {
		return &FileError{Reason: fmt.Sprintf("pixel data element holds %T", e.Value.GetValue())}
	}
	var chunks [][]byte
	switch {
	case info.IsEncapsulated:
		if s.Coding == Native || s.Coding == NativeBig {
			return &FileError{Reason: fmt.Sprintf("encapsulated pixel data in native transfer syntax %s", s)}
		}
		for _, fr := range info.Frames {
			if fr.Encapsulated {
				chunks = append(chunks, fr.EncapsulatedData.Data)
			}
		}
	case info.IntentionallyUnprocessed:
		if s.Coding != Native && s.Coding != NativeBig {
			return &FileError{Reason: fmt.Sprintf("native pixel data in compressed transfer syntax %s", s)}
		}
		chunks = [][]byte{info.UnprocessedValueData}
	default:
		return &FileError{Reason: "pixel data element was not read"}
	}
	if len(chunks) == 0 {
		return &FileError{Reason: "pixel data holds no fragment"}
	}
	return Decode(s, f, chunks, dst)
}
