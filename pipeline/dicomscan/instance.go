package dicomscan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"

	"kidney3d/pipeline/dicompixel"
)

// Instance is the header of one DICOM image file: what grouping, geometry,
// rescaling and phase detection need. Missing attributes are zero; Has
// says which of the optional geometric ones were there.
type Instance struct {
	Path   string
	Syntax dicompixel.Syntax

	SOPClassUID, SOPInstanceUID    string
	StudyInstanceUID               string
	SeriesInstanceUID              string
	Modality                       string
	StudyDescription               string
	SeriesDescription, Protocol    string
	SeriesNumber, InstanceNumber   int
	AcquisitionNumber              int
	StudyDate, SeriesDate          string // YYYYMMDD
	SeriesTime, AcquisitionTime    string // HHMMSS.frac
	ContentTime                    string
	ImageType                      []string
	ContrastAgent, ContrastRoute   string
	ContrastStartTime              string
	BodyPart                       string
	PatientName, PatientID         string
	NumberOfFrames                 int
	Photometric                    string
	Format                         dicompixel.Format
	PixelSpacing                   [2]float64 // row spacing (between rows), column spacing, mm
	Orientation                    [6]float64 // Image Orientation (Patient): row then column direction cosines, LPS
	Position                       [3]float64 // Image Position (Patient) of the first voxel, LPS mm
	SliceThickness                 float64
	GantryTilt                     float64 // degrees
	RescaleSlope, RescaleIntercept float64
	Has                            Has
	// Frame is the index of the frame this instance stands for in an
	// enhanced multi-frame object (see Frames); 0 for a single frame.
	Frame int
	// Stack is a multi-frame object's Stack ID of the frame, if any.
	Stack string
	// FramesProblem says why a multi-frame object could not be split into
	// its frames (no functional groups, say); it stays one instance then.
	FramesProblem string

	perFrame []frameInfo // a multi-frame object's frames
}

// Has says which optional attributes an instance's header holds.
type Has struct {
	PixelData, Position, Orientation, PixelSpacing bool
}

// IsLocalizer reports a scout: Image Type says LOCALIZER (or TOPOGRAM, as
// some vendors write).
func (in *Instance) IsLocalizer() bool {
	for _, v := range in.ImageType {
		if v == "LOCALIZER" || v == "TOPOGRAM" {
			return true
		}
	}
	return false
}

// mediaDirectory is the SOP class of a DICOMDIR.
const mediaDirectory = "1.2.840.10008.1.3.10"

// fromDataset reads an instance's attributes from its parsed header;
// pixelsAfter says that pixel data follows the header parsed.
func fromDataset(path string, ds *dicom.Dataset, pixelsAfter bool) (*Instance, error) {
	in := &Instance{Path: path, Syntax: dicompixel.SyntaxOf(ds)}
	h := header{ds: ds}
	in.SOPClassUID = h.str(tag.SOPClassUID)
	if in.SOPClassUID == "" {
		in.SOPClassUID = h.str(tag.MediaStorageSOPClassUID)
	}
	in.SOPInstanceUID = h.str(tag.SOPInstanceUID)
	in.StudyInstanceUID = h.str(tag.StudyInstanceUID)
	in.SeriesInstanceUID = h.str(tag.SeriesInstanceUID)
	in.Modality = h.str(tag.Modality)
	in.StudyDescription = h.str(tag.StudyDescription)
	in.SeriesDescription = h.str(tag.SeriesDescription)
	in.Protocol = h.str(tag.ProtocolName)
	in.SeriesNumber = h.integer(tag.SeriesNumber)
	in.InstanceNumber = h.integer(tag.InstanceNumber)
	in.AcquisitionNumber = h.integer(tag.AcquisitionNumber)
	in.StudyDate = h.str(tag.StudyDate)
	in.SeriesDate = h.str(tag.SeriesDate)
	in.SeriesTime = h.str(tag.SeriesTime)
	in.AcquisitionTime = h.str(tag.AcquisitionTime)
	in.ContentTime = h.str(tag.ContentTime)
	in.ImageType = h.strs(tag.ImageType)
	in.ContrastAgent = h.str(tag.ContrastBolusAgent)
	in.ContrastRoute = h.str(tag.ContrastBolusRoute)
	in.ContrastStartTime = h.str(tag.ContrastBolusStartTime)
	in.BodyPart = h.str(tag.BodyPartExamined)
	in.PatientName = h.str(tag.PatientName)
	in.PatientID = h.str(tag.PatientID)
	in.NumberOfFrames = h.integer(tag.NumberOfFrames)
	in.Photometric = h.str(tag.PhotometricInterpretation)
	in.Format = dicompixel.Format{
		Rows:            h.integer(tag.Rows),
		Columns:         h.integer(tag.Columns),
		SamplesPerPixel: h.integerOr(tag.SamplesPerPixel, 1),
		BitsAllocated:   h.integer(tag.BitsAllocated),
		BitsStored:      h.integer(tag.BitsStored),
		Signed:          h.integer(tag.PixelRepresentation) == 1,
	}
	if in.Format.BitsStored == 0 {
		in.Format.BitsStored = in.Format.BitsAllocated
	}
	in.SliceThickness = h.float(tag.SliceThickness, 0)
	in.GantryTilt = h.float(tag.GantryDetectorTilt, 0)
	in.RescaleSlope = h.float(tag.RescaleSlope, 1)
	in.RescaleIntercept = h.float(tag.RescaleIntercept, 0)
	if in.RescaleSlope == 0 {
		in.RescaleSlope = 1
	}
	if v := h.floats(tag.PixelSpacing); len(v) == 2 {
		in.PixelSpacing, in.Has.PixelSpacing = [2]float64{v[0], v[1]}, true
	}
	if v := h.floats(tag.ImageOrientationPatient); len(v) == 6 {
		copy(in.Orientation[:], v)
		in.Has.Orientation = true
	}
	if v := h.floats(tag.ImagePositionPatient); len(v) == 3 {
		copy(in.Position[:], v)
		in.Has.Position = true
	}
	_, err := ds.FindElementByTag(tag.PixelData)
	in.Has.PixelData = err == nil || pixelsAfter
	if h.bad != "" {
		return nil, &FileError{File: path, Reason: h.bad}
	}
	if in.NumberOfFrames > 1 && in.Has.PixelData {
		if in.perFrame, err = readFrames(ds, in.NumberOfFrames); err != nil {
			in.FramesProblem = err.Error()
		}
	}
	return in, nil
}

// header reads attribute values from a dataset, remembering the first
// value that is there but malformed.
type header struct {
	ds  *dicom.Dataset
	bad string
}

func (h *header) strs(t tag.Tag) []string {
	e, err := h.ds.FindElementByTag(t)
	if err != nil {
		return nil
	}
	switch v := e.Value.GetValue().(type) {
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = strings.Trim(s, " \x00")
		}
		return out
	case []int:
		out := make([]string, len(v))
		for i, n := range v {
			out[i] = strconv.Itoa(n)
		}
		return out
	case []float64:
		out := make([]string, len(v))
		for i, f := range v {
			out[i] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		return out
	}
	return nil
}

func (h *header) str(t tag.Tag) string {
	return strings.Join(h.strs(t), `\`)
}

func (h *header) floats(t tag.Tag) []float64 {
	s := h.strs(t)
	if len(s) == 0 || (len(s) == 1 && strings.TrimSpace(s[0]) == "") {
		return nil // absent, or present with no value (type 2)
	}
	out := make([]float64, 0, len(s))
	for _, x := range s {
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			h.fail(t, strings.Join(s, `\`))
			return nil
		}
		out = append(out, f)
	}
	return out
}

func (h *header) float(t tag.Tag, def float64) float64 {
	v := h.floats(t)
	if len(v) == 0 {
		return def
	}
	return v[0]
}

func (h *header) integerOr(t tag.Tag, def int) int {
	v := h.floats(t)
	if len(v) == 0 {
		return def
	}
	if v[0] != math.Trunc(v[0]) || math.Abs(v[0]) > 1<<31 {
		h.fail(t, fmt.Sprint(v[0]))
		return def
	}
	return int(v[0])
}

func (h *header) integer(t tag.Tag) int { return h.integerOr(t, 0) }

func (h *header) fail(t tag.Tag, v string) {
	if h.bad == "" {
		name := t.String()
		if info, err := tag.Find(t); err == nil {
			name = info.Name + " " + name
		}
		h.bad = fmt.Sprintf("%s is %q, not a number", name, v)
	}
}
