package demo

import (
	"fmt"
	"math"
	"path/filepath"

	"kidney3d/pipeline/dicomwrite"
	"kidney3d/pipeline/volume"
)

// DICOMDir is the folder, inside the output folder, that WriteDICOM
// writes the series to.
const DICOMDir = "dicom"

// dicomStyle is how a demo study names its series: the descriptions of
// A, P and D, whether the injection time is recorded, and the protocol.
type dicomStyle struct {
	name         string
	descriptions [3]string
	injection    bool
	protocol     string
}

// dicomStyles are the styles seeds take in turn: English words, vendor
// abbreviations, neutral descriptions with the injection time (the delay
// tells the phase), and neutral descriptions without it (the order does).
var dicomStyles = []dicomStyle{
	{"words", [3]string{"Arterial phase 1.0", "Portal venous phase 1.0", "Delayed phase 1.0"}, false, "Abdomen 3-phase"},
	{"abbreviations", [3]string{"AP 1.0 Br40", "PVP 1.0 Br40", "URO 1.0 Br40"}, true, "KIDNEY_3PH"},
	{"delays", [3]string{"Abdomen 1.0 B30f", "Abdomen 1.0 B30f", "Abdomen 1.0 B30f"}, true, "Abdomen"},
	{"order", [3]string{"Body 2.0", "Body 2.0", "Body 2.0"}, false, "Body"},
}

// DICOMStyle is the name of the style a seed's DICOM study takes.
func DICOMStyle(seed int64) string { return dicomStyles[styleOf(seed)].name }

func styleOf(seed int64) int {
	n := int(seed % int64(len(dicomStyles)))
	if n < 0 {
		n += len(dicomStyles)
	}
	return n
}

// WriteDICOM stores c as a DICOM study under dir/dicom, one folder per
// series, with what a scanner records: the phases A, P and D as axial
// series (descriptions, protocol, Contrast/Bolus Agent and, in some styles,
// Start Time, acquisition times that follow the phases' delays; odd seeds
// number the files head first; seeds divisible by 3 write D as one
// Enhanced CT multi-frame object), and a one-image scout. The truth goes to
// dir/truth as Write puts it, so that an imported case can be checked.
func WriteDICOM(dir string, c *Case) error {
	for _, name := range phaseNames {
		if c.Phases[name] == nil {
			return fmt.Errorf("demo: case has no phase %s", name)
		}
	}
	seed := c.Params.Seed
	st := dicomStyles[styleOf(seed)]
	study := fmt.Sprintf("2.25.%d", 1000+seed)
	const start = 10*3600 + 15*60 // the injection, 10:15:00
	tm := func(s float64) string {
		s = math.Mod(s, 24*3600)
		return fmt.Sprintf("%02d%02d%02d", int(s)/3600, int(s)/60%60, int(s)%60)
	}
	base := dicomwrite.Series{
		StudyUID: study, StudyDate: "20260101", Protocol: st.protocol, Contrast: "Iomeron 400",
		PatientName: fmt.Sprintf("Demo^Seed%d", seed), PatientID: fmt.Sprintf("DEMO%d", seed),
		ImageType: `ORIGINAL\PRIMARY\AXIAL`, HeadFirst: seed%2 == 1,
	}
	if st.injection {
		base.ContrastAt = tm(start)
	}
	for i, name := range phaseNames {
		s := base
		s.SeriesUID, s.SeriesNumber = fmt.Sprintf("%s.%d", study, i+2), i+2
		s.Description = st.descriptions[i]
		s.MultiFrame = name == "D" && seed%3 == 0
		s.AcqTime = tm(start + c.Params.Phases[name].DelayS)
		s.SeriesTime = s.AcqTime
		if err := dicomwrite.WriteSeries(filepath.Join(dir, DICOMDir, fmt.Sprintf("S%d_%s", i+2, name)), c.Phases[name], s); err != nil {
			return err
		}
	}
	scout := base
	scout.SeriesUID, scout.SeriesNumber, scout.Description = study+".1", 1, "Topogram 0.6 T20s"
	scout.ImageType, scout.Contrast, scout.ContrastAt, scout.AcqTime = `ORIGINAL\PRIMARY\LOCALIZER`, "", "", tm(start-120)
	a := c.Phases["A"]
	mid := volume.CropGrid(a.Grid, [3]int{0, 0, a.Dims[2] / 2}, [3]int{a.Dims[0], a.Dims[1], a.Dims[2]/2 + 1})
	one := volume.New[int16](mid)
	copy(one.Data, a.Data[a.Index(0, 0, a.Dims[2]/2):])
	if err := dicomwrite.WriteSeries(filepath.Join(dir, DICOMDir, "S1_scout"), one, scout); err != nil {
		return err
	}
	return writeTruth(dir, c)
}
