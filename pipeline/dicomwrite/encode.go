package dicomwrite

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Transfer syntaxes Encode writes.
const (
	ImplicitLE = "1.2.840.10008.1.2"
	ExplicitLE = "1.2.840.10008.1.2.1"
	ExplicitBE = "1.2.840.10008.1.2.2"
)

// Slice is one image file's content: one greyscale frame of 16-bit words
// and the attributes kidney3d reads.
type Slice struct {
	Syntax      string // ImplicitLE, ExplicitLE (default) or ExplicitBE
	NoPreamble  bool   // write the dataset alone, without preamble and meta group
	StudyUID    string
	SeriesUID   string
	SOPUID      string
	Description string
	ImageType   string // e.g. `ORIGINAL\PRIMARY\AXIAL`
	Acquisition int
	AcqTime     string
	Modality    string // "" is CT
	Contrast    string // Contrast/Bolus Agent
	ContrastAt  string // Contrast/Bolus Start Time
	Protocol    string
	StudyDate   string
	SeriesTime  string
	PatientID   string
	SeriesNum   int
	Instance    int
	PatientName string
	Rows, Cols  int
	Spacing     [2]float64 // row spacing, column spacing
	Orientation [6]float64
	Position    [3]float64
	Thickness   float64
	BitsStored  int
	Signed      bool
	Slope       float64
	Intercept   float64
	Words       []uint16 // stored words, row by row; nil: a ramp
	PixelBytes  []byte   // raw pixel data value instead of Words (for defects)
	Omit        []string // attributes to leave out, by keyword ("ImagePositionPatient")
}

type element struct {
	group, elem uint16
	vr          string
	value       []byte
	keyword     string
}

// Encode is the Part 10 file of one slice (without preamble and meta
// group when NoPreamble), its elements in tag order; empty attributes are
// written empty (type 2), those named in Omit left out.
func Encode(s Slice) []byte { return encode(s, nil) }

// multiFrame is what turns a slice's attributes into an enhanced
// multi-frame object's: its frame count, functional group sequences (in
// the slice's byte order) and all frames' pixel data.
type multiFrame struct {
	frames int
	groups func(explicit bool, order binary.AppendByteOrder) []element
	pixels func(order binary.ByteOrder) []byte
}

// perFrameKeywords are the attributes an enhanced object holds in its
// functional groups instead.
var perFrameKeywords = []string{"ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness", "RescaleIntercept", "RescaleSlope"}

// enhancedCT is the Enhanced CT Image Storage SOP class.
const enhancedCT = "1.2.840.10008.5.1.4.1.1.2.1"

func encode(s Slice, mf *multiFrame) []byte {
	if s.Syntax == "" {
		s.Syntax = ExplicitLE
	}
	var order interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.LittleEndian
	if s.Syntax == ExplicitBE {
		order = binary.BigEndian
	}
	us := func(v int) []byte { b := make([]byte, 2); order.PutUint16(b, uint16(v)); return b }
	ds := func(v ...float64) []byte {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = trimFloat(x)
		}
		return pad(strings.Join(parts, `\`), ' ')
	}
	is := func(v int) []byte { return pad(fmt.Sprint(v), ' ') }
	str := func(v string) []byte { return pad(v, ' ') }
	uid := func(v string) []byte { return pad(v, 0) }
	px := s.PixelBytes
	if mf != nil {
		px = mf.pixels(order)
	}
	if px == nil {
		px = make([]byte, 2*s.Rows*s.Cols)
		for i := 0; i < s.Rows*s.Cols; i++ {
			w := uint16(i)
			if s.Words != nil {
				w = s.Words[i]
			}
			order.PutUint16(px[2*i:], w)
		}
	}
	sign := 0
	if s.Signed {
		sign = 1
	}
	elems := []element{
		{0x0008, 0x0008, "CS", str(s.ImageType), "ImageType"},
		{0x0008, 0x0016, "UI", uid("1.2.840.10008.5.1.4.1.1.2"), "SOPClassUID"},
		{0x0008, 0x0018, "UI", uid(s.SOPUID), "SOPInstanceUID"},
		{0x0008, 0x0020, "DA", str(s.StudyDate), "StudyDate"},
		{0x0008, 0x0031, "TM", str(s.SeriesTime), "SeriesTime"},
		{0x0008, 0x0032, "TM", str(s.AcqTime), "AcquisitionTime"},
		{0x0008, 0x0060, "CS", str(cmpOr(s.Modality, "CT")), "Modality"},
		{0x0008, 0x103E, "LO", str(s.Description), "SeriesDescription"},
		{0x0010, 0x0010, "PN", str(s.PatientName), "PatientName"},
		{0x0010, 0x0020, "LO", str(s.PatientID), "PatientID"},
		{0x0018, 0x0010, "LO", str(s.Contrast), "ContrastBolusAgent"},
		{0x0018, 0x0050, "DS", ds(s.Thickness), "SliceThickness"},
		{0x0018, 0x1030, "LO", str(s.Protocol), "ProtocolName"},
		{0x0018, 0x1042, "TM", str(s.ContrastAt), "ContrastBolusStartTime"},
		{0x0020, 0x000D, "UI", uid(s.StudyUID), "StudyInstanceUID"},
		{0x0020, 0x000E, "UI", uid(s.SeriesUID), "SeriesInstanceUID"},
		{0x0020, 0x0011, "IS", is(s.SeriesNum), "SeriesNumber"},
		{0x0020, 0x0012, "IS", is(s.Acquisition), "AcquisitionNumber"},
		{0x0020, 0x0013, "IS", is(s.Instance), "InstanceNumber"},
		{0x0020, 0x0032, "DS", ds(s.Position[:]...), "ImagePositionPatient"},
		{0x0020, 0x0037, "DS", ds(s.Orientation[:]...), "ImageOrientationPatient"},
		{0x0028, 0x0002, "US", us(1), "SamplesPerPixel"},
		{0x0028, 0x0004, "CS", str("MONOCHROME2"), "PhotometricInterpretation"},
		{0x0028, 0x0010, "US", us(s.Rows), "Rows"},
		{0x0028, 0x0011, "US", us(s.Cols), "Columns"},
		{0x0028, 0x0030, "DS", ds(s.Spacing[:]...), "PixelSpacing"},
		{0x0028, 0x0100, "US", us(16), "BitsAllocated"},
		{0x0028, 0x0101, "US", us(s.BitsStored), "BitsStored"},
		{0x0028, 0x0102, "US", us(s.BitsStored - 1), "HighBit"},
		{0x0028, 0x0103, "US", us(sign), "PixelRepresentation"},
		{0x0028, 0x1052, "DS", ds(s.Intercept), "RescaleIntercept"},
		{0x0028, 0x1053, "DS", ds(s.Slope), "RescaleSlope"},
		{0x7FE0, 0x0010, "OW", px, "PixelData"},
	}
	sopClass := "1.2.840.10008.5.1.4.1.1.2"
	if mf != nil {
		sopClass = enhancedCT
		elems[1].value = uid(enhancedCT)
		var kept []element
		for _, e := range elems {
			if !contains(perFrameKeywords, e.keyword) {
				kept = append(kept, e)
			}
		}
		elems = append(kept, element{0x0028, 0x0008, "IS", is(mf.frames), "NumberOfFrames"})
		elems = append(elems, mf.groups(s.Syntax != ImplicitLE, order)...)
		sort.SliceStable(elems, func(i, j int) bool {
			return uint32(elems[i].group)<<16|uint32(elems[i].elem) < uint32(elems[j].group)<<16|uint32(elems[j].elem)
		})
	}
	var body []byte
	for _, e := range elems {
		if contains(s.Omit, e.keyword) {
			continue
		}
		body = appendElement(body, e, s.Syntax != ImplicitLE, order)
	}
	if s.NoPreamble {
		return body
	}
	var meta []byte
	for _, e := range []element{
		{0x0002, 0x0001, "OB", []byte{0, 1}, ""},
		{0x0002, 0x0002, "UI", uid(sopClass), ""},
		{0x0002, 0x0003, "UI", uid(s.SOPUID), ""},
		{0x0002, 0x0010, "UI", uid(s.Syntax), ""},
	} {
		meta = appendElement(meta, e, true, binary.LittleEndian)
	}
	out := make([]byte, 128, 128+4+12+len(meta)+len(body))
	out = append(out, "DICM"...)
	out = appendElement(out, element{0x0002, 0x0000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(len(meta))), ""}, true, binary.LittleEndian)
	out = append(out, meta...)
	return append(out, body...)
}

// appendElement encodes one element.
func appendElement(b []byte, e element, explicit bool, order binary.AppendByteOrder) []byte {
	b = order.AppendUint16(b, e.group)
	b = order.AppendUint16(b, e.elem)
	if !explicit {
		b = order.AppendUint32(b, uint32(len(e.value)))
		return append(b, e.value...)
	}
	b = append(b, e.vr...)
	switch e.vr {
	case "OB", "OW", "SQ", "UN", "UT":
		b = append(b, 0, 0)
		b = order.AppendUint32(b, uint32(len(e.value)))
	default:
		b = order.AppendUint16(b, uint16(len(e.value)))
	}
	return append(b, e.value...)
}

func pad(s string, with byte) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		b = append(b, with)
	}
	return b
}

// trimFloat formats a DS value: at most 16 characters, as many
// significant digits as fit.
func trimFloat(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return fmt.Sprint(int64(x))
	}
	for prec := 15; prec > 1; prec-- {
		if s := strconv.FormatFloat(x, 'g', prec, 64); len(s) <= 16 {
			return s
		}
	}
	return strconv.FormatFloat(x, 'g', 1, 64)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
