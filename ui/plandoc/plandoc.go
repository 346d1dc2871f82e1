// Package plandoc gathers a case's printable surgical plan
// (planreport.Plan): the current report.json with its tumours and kidneys
// measured again from output/labels.nii.gz, 3D snapshots from the offscreen
// renderer (render.Snapshots) and key slices through the tumour with the
// label overlay (sliceimg), as the slice viewer draws them.
package plandoc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/planreport"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
	"kidney3d/render"
	"kidney3d/ui/sliceimg"
)

// Options choose what the plan holds.
type Options struct {
	// MarginMM is the resection margin for the kidneys' remaining volume.
	MarginMM float64
	// NoViews leaves the 3D snapshots out (no OpenGL needed).
	NoViews bool
	// Software names the program and its version on the plan.
	Software string
}

// viewSize and sliceSize are the pictures' sizes in pixels.
const (
	viewW, viewH = 600, 600
	sliceSize    = 400
	// sliceReachMM is how far around the tumour the key slices show.
	sliceReachMM = 40
)

// Measure is the case's current report.json with its tumours and kidneys
// measured again from output/labels.nii.gz (nephrometry.Assess) with the
// given resection margin, and the label map. It fails, naming the file,
// when the case has no current report (run the pipeline first).
func Measure(ctx context.Context, c *casefile.Case, marginMM float64) (*measure.Report, *volume.Volume[uint8], error) {
	rep, err := c.Report()
	if err != nil {
		return nil, nil, err
	}
	if rep == nil {
		return nil, nil, fmt.Errorf("%s: no report.json: run `kidney3d run %s` first", c.ArtefactPath("", "report"), c.Dir)
	}
	lab, err := volume.LoadLabelMap(c.OutputLabelsPath())
	if err != nil {
		return nil, nil, err
	}
	if rep.Tumors, rep.Kidneys, err = nephrometry.Assess(ctx, lab, labels.Default(), marginMM); err != nil {
		return nil, nil, err
	}
	rep.Methods = nephrometry.ReportMethods()
	if t := rep.Territories; t != nil {
		territory.Apply(rep, t)
	}
	return rep, lab, nil
}

// Make gathers the plan of the case.
func Make(ctx context.Context, c *casefile.Case, opts Options) (*planreport.Plan, error) {
	rep, lab, err := Measure(ctx, c, opts.MarginMM)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rep.Structures))
	for i, s := range rep.Structures {
		names[i] = s.Name
	}
	p := &planreport.Plan{
		Case: filepath.Base(filepath.Clean(c.Dir)), Study: study(c), Notice: rep.Notice(names),
		Report: rep, Software: opts.Software, Made: time.Now(),
	}
	if !opts.NoViews {
		p.Views, err = views(c, rep)
		if err != nil {
			p.Missing = append(p.Missing, "3D views: "+err.Error())
		}
	}
	if len(rep.Tumors) > 0 {
		p.Slices, err = keySlices(c, lab, rep.Tumors[0])
		if err != nil {
			p.Missing = append(p.Missing, "key slices: "+err.Error())
		}
	}
	return p, nil
}

// study is the study's identifiers from case.json, a line each.
func study(c *casefile.Case) []string {
	data, err := os.ReadFile(c.ImportPath())
	if errors.Is(err, fs.ErrNotExist) {
		return []string{"Study: not imported from DICOM (no case.json)"}
	}
	var rec dicomimport.Record
	if err != nil || json.Unmarshal(data, &rec) != nil {
		return []string{"Study: case.json cannot be read"}
	}
	out := []string{fmt.Sprintf("Study %s: %s, %s", rec.Study.UID, rec.Study.Description, rec.Study.Date)}
	if rec.Study.PatientName != "" || rec.Study.PatientID != "" {
		out = append(out, fmt.Sprintf("Patient %s (ID %s)", rec.Study.PatientName, rec.Study.PatientID))
	}
	for _, ph := range casefile.Phases {
		if s, ok := rec.Phases[ph]; ok {
			out = append(out, fmt.Sprintf("Phase %s: series %s, %s", ph, s.SeriesUID, s.Description))
		}
	}
	return out
}

// views are the anterior and posterior snapshots and the one from the
// side of the first tumour.
func views(c *casefile.Case, rep *measure.Report) ([]planreport.Picture, error) {
	list := []render.View{render.Anterior, render.Posterior}
	if len(rep.Tumors) > 0 {
		for _, k := range nephrometry.Kidneys {
			if k.Name == rep.Tumors[0].Kidney {
				list = append(list, render.View(k.Side))
			}
		}
	}
	imgs, err := render.Snapshots(c.Dir, list, viewW, viewH)
	if err != nil {
		return nil, err
	}
	out := make([]planreport.Picture, len(list))
	for i, v := range list {
		out[i] = planreport.Picture{Caption: string(v) + " view", Image: imgs[i]}
	}
	return out, nil
}

// keySlices are the axial, coronal and sagittal slices through the
// tumour's centroid, sliceReachMM around it, with the label overlay.
func keySlices(c *casefile.Case, lab *volume.Volume[uint8], t measure.Tumor) ([]planreport.Picture, error) {
	phase, ok := c.ReferencePhase()
	if !ok {
		return nil, errors.New("the case has no input phase")
	}
	at, err := lab.WorldToVoxel(t.CentroidMM)
	if err != nil {
		return nil, err
	}
	centre := [3]int{int(at[0] + 0.5), int(at[1] + 0.5), int(at[2] + 0.5)}
	lo, hi := volume.GrowBox(lab.Grid, centre, [3]int{centre[0] + 1, centre[1] + 1, centre[2] + 1}, labelops.Margin(lab.Grid, t.MaxDiameterMM/2+sliceReachMM))
	ct, err := volume.LoadBox[int16](c.PhasePath(phase), lo, hi)
	if err != nil {
		return nil, err
	}
	o := volume.CanonicalOrientation(ct.Grid)
	ct = volume.Reorient(ct, o)
	labBox := volume.ReorientBox(lab, lo, hi, o)
	cross, err := labBox.WorldToVoxel(t.CentroidMM)
	if err != nil {
		return nil, err
	}
	var colors [256]color.RGBA
	for _, l := range labels.Default().Labels {
		colors[l.Value] = color.RGBA{l.Color[0], l.Color[1], l.Color[2], 255}
	}
	colors[0] = color.RGBA{}
	at3 := [3]int{int(cross[0] + 0.5), int(cross[1] + 0.5), int(cross[2] + 0.5)}
	var out []planreport.Picture
	for _, pl := range sliceimg.Planes {
		f := sliceimg.NewFrame(pl, ct.Dims, ct.Spacing(), sliceSize, sliceSize)
		img := image.NewRGBA(image.Rect(0, 0, sliceSize, sliceSize))
		_, _, n := pl.Axes()
		sliceimg.Render(img, f, at3[n], sliceimg.Layers{
			CT: ct.Data, Labels: labBox.Data, Window: sliceimg.Presets[0].Window,
			Colors: &colors, Opacity: 0.45, Cross: at3, NoCross: true,
		})
		out = append(out, planreport.Picture{Caption: fmt.Sprintf("%s slice through tumour %d (R on the left)", pl, t.Index), Image: img})
	}
	return out, nil
}
