package dicomscan

import (
	"fmt"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// Functional group sequences of enhanced multi-frame objects (PS3.3
// C.7.6.16) and the macros kidney3d reads from them.
var (
	sharedGroups    = tag.Tag{Group: 0x5200, Element: 0x9229}
	perFrameGroups  = tag.Tag{Group: 0x5200, Element: 0x9230}
	planePosition   = tag.Tag{Group: 0x0020, Element: 0x9113}
	planeOrient     = tag.Tag{Group: 0x0020, Element: 0x9116}
	pixelMeasures   = tag.Tag{Group: 0x0028, Element: 0x9110}
	valueTransform  = tag.Tag{Group: 0x0028, Element: 0x9145}
	frameContent    = tag.Tag{Group: 0x0020, Element: 0x9111}
	stackID         = tag.Tag{Group: 0x0020, Element: 0x9056}
	temporalIndex   = tag.Tag{Group: 0x0020, Element: 0x9128}
	frameTypeCT     = tag.Tag{Group: 0x0018, Element: 0x9329}
	frameType       = tag.Tag{Group: 0x0008, Element: 0x9007}
	maxFramesPerObj = 1 << 16
)

// Frames are the instances of a file: itself when it has one frame; for
// an enhanced multi-frame object, one per frame, each with the geometry,
// rescaling and frame type its functional groups give (per-frame groups
// first, then the shared ones) and Frame set to its index.
func (in *Instance) Frames() []*Instance {
	if len(in.perFrame) == 0 {
		return []*Instance{in}
	}
	out := make([]*Instance, len(in.perFrame))
	for k, f := range in.perFrame {
		c := *in
		c.perFrame = nil
		c.Frame = k
		c.Position, c.Has.Position = f.position, f.hasPosition
		if f.hasOrientation {
			c.Orientation, c.Has.Orientation = f.orientation, true
		}
		if f.hasSpacing {
			c.PixelSpacing, c.Has.PixelSpacing = f.spacing, true
		}
		if f.thickness != 0 {
			c.SliceThickness = f.thickness
		}
		if f.hasRescale {
			c.RescaleSlope, c.RescaleIntercept = f.slope, f.intercept
		}
		if f.frameType != nil {
			c.ImageType = f.frameType
		}
		c.AcquisitionNumber = f.temporal
		c.Stack = f.stack
		out[k] = &c
	}
	return out
}

// frameInfo is what one frame's functional groups say.
type frameInfo struct {
	position                                [3]float64
	orientation                             [6]float64
	spacing                                 [2]float64
	thickness, slope, intercept             float64
	hasPosition, hasOrientation, hasSpacing bool
	hasRescale                              bool
	frameType                               []string
	temporal                                int
	stack                                   string
}

// readFrames reads the functional groups of a multi-frame object.
func readFrames(ds *dicom.Dataset, n int) ([]frameInfo, error) {
	if n > maxFramesPerObj {
		return nil, fmt.Errorf("%d frames, over the %d a series may hold", n, maxFramesPerObj)
	}
	shared := items(ds, sharedGroups)
	perFrame := items(ds, perFrameGroups)
	if len(perFrame) != n {
		return nil, fmt.Errorf("Per-frame Functional Groups Sequence has %d items for %d frames", len(perFrame), n)
	}
	out := make([]frameInfo, n)
	for k := range out {
		groups := []*dicom.Dataset{perFrame[k]}
		if len(shared) > 0 {
			groups = append(groups, shared[0])
		}
		f := &out[k]
		// macro finds a functional group macro's item, per-frame first.
		macro := func(t tag.Tag) *header {
			for _, g := range groups {
				if it := items(g, t); len(it) > 0 {
					return &header{ds: it[0]}
				}
			}
			return nil
		}
		if h := macro(planePosition); h != nil {
			if v := h.floats(tag.ImagePositionPatient); len(v) == 3 {
				copy(f.position[:], v)
				f.hasPosition = true
			}
			if h.bad != "" {
				return nil, fmt.Errorf("frame %d: %s", k+1, h.bad)
			}
		}
		if h := macro(planeOrient); h != nil {
			if v := h.floats(tag.ImageOrientationPatient); len(v) == 6 {
				copy(f.orientation[:], v)
				f.hasOrientation = true
			}
		}
		if h := macro(pixelMeasures); h != nil {
			if v := h.floats(tag.PixelSpacing); len(v) == 2 {
				f.spacing, f.hasSpacing = [2]float64{v[0], v[1]}, true
			}
			f.thickness = h.float(tag.SliceThickness, 0)
		}
		if h := macro(valueTransform); h != nil {
			f.slope, f.intercept, f.hasRescale = h.float(tag.RescaleSlope, 1), h.float(tag.RescaleIntercept, 0), true
			if f.slope == 0 {
				f.slope = 1
			}
		}
		if h := macro(frameContent); h != nil {
			f.temporal = h.integer(temporalIndex)
			f.stack = h.str(stackID)
		}
		if h := macro(frameTypeCT); h != nil {
			f.frameType = h.strs(frameType)
		}
		for _, h := range []*header{macro(planeOrient), macro(pixelMeasures), macro(valueTransform), macro(frameContent)} {
			if h != nil && h.bad != "" {
				return nil, fmt.Errorf("frame %d: %s", k+1, h.bad)
			}
		}
	}
	return out, nil
}

// items are the items of the sequence t of ds, as datasets.
func items(ds *dicom.Dataset, t tag.Tag) []*dicom.Dataset {
	e, err := ds.FindElementByTag(t)
	if err != nil {
		return nil
	}
	seq, ok := e.Value.GetValue().([]*dicom.SequenceItemValue)
	if !ok {
		return nil
	}
	out := make([]*dicom.Dataset, 0, len(seq))
	for _, it := range seq {
		if elems, ok := it.GetValue().([]*dicom.Element); ok {
			out = append(out, &dicom.Dataset{Elements: elems})
		}
	}
	return out
}
