package dicompixel

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"

	"kidney3d/pipeline/dicomwalk"
	"kidney3d/pipeline/limits"
)

// ReadFile parses the DICOM file at path and decodes its one frame, laid
// out as f says (the file's own header, read beforehand), into dst. The
// transfer syntax is the file meta information's; a file without one is
// read as implicit VR little endian.
func ReadFile(path string, f Format, dst []int32) error {
	b, err := limits.ReadFile(path, limits.MaxImageBytes())
	if err != nil {
		return &FileError{File: path, Reason: "cannot read", Err: err}
	}
	if err := dicomwalk.Check(b); err != nil {
		return &FileError{File: path, Reason: "not a readable DICOM file", Err: err}
	}
	ds, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil, dicom.SkipProcessingPixelDataValue(), dicom.AllowMissingMetaElementGroupLength(), dicom.AllowUnknownSpecificCharacterSet())
	if err != nil {
		return &FileError{File: path, Reason: "not a readable DICOM file", Err: err}
	}
	return named(path, decodeDataset(&ds, f, dst))
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
