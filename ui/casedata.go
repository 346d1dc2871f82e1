package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sync"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
	"kidney3d/render"
)

// caseData is everything the case window shows, loaded off the UI
// goroutine: the phases and label map on one canonical (RAS) grid, the
// label table and the report's volumes.
type caseData struct {
	// labelsMu guards the voxels of labels, which the editor changes on
	// the UI goroutine while slice images are drawn off it.
	labelsMu sync.RWMutex
	dir      string
	grid     volume.Grid
	// reference is the phase whose grid the labels are on (the arterial
	// phase, else the first of P, D and N the case has), decoded with the
	// case; the others are decoded when first shown (decodePhase).
	reference string
	// sources are the files of the phases other than the reference.
	sources map[string]string
	// registered tells, per phase, whether it is the registered image.
	registered map[string]bool
	mu         sync.Mutex                       // guards phases
	phases     map[string]*volume.Volume[int16] // decoded so far, on grid
	labels     *volume.Volume[uint8]            // on grid; nil when the case has none
	labelsFrom string
	// stale says why the case's results are out of date ("" when they are
	// current); out-of-date labels and volumes are not loaded.
	stale  string
	table  *labels.Table
	report *measure.Report // output/report.json; nil when absent or out of date
	// notice is what the window must carry while it shows the labels: the
	// not-for-clinical-use notice (casefile.Case.Notice), or that they are
	// the truth of a demo case (noticeIsTruth); "" when none.
	notice        string
	noticeIsTruth bool
	present       []int // label values present in the map
	// territories and territoryScene are the territories' layers and 3D
	// objects once shown (showTerritories; UI goroutine only).
	territories    *territoryView
	territoryScene []meshio.Object
}

// loadCase reads a case folder: the reference phase (A, else the first of
// P, D and N: casefile.Case.ReferencePhase), where the other phases are
// (registered onto it when the register stages wrote them and that is
// current, else raw, to be resampled onto its grid when first shown),
// output/labels.nii.gz else truth/labels.nii.gz,
// and output/report.json. Results that are out of date (casefile.Case.Current) are left out, and
// caseData.stale says why: the image is never shown with labels or volumes
// made from another one. caseData.notice is set whenever labels are shown.
func loadCase(dir string) (*caseData, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return nil, err
	}
	ref, ok := c.ReferencePhase()
	if !ok {
		return nil, fmt.Errorf("%s: no phase: want at least one of A.nii.gz, P.nii.gz, D.nii.gz or N.nii.gz", filepath.Dir(c.PhasePath("A")))
	}
	a, err := volume.Load[int16](c.PhasePath(ref))
	if err != nil {
		return nil, err
	}
	a, _ = volume.Canonical(a)
	d := &caseData{dir: dir, grid: a.Grid, phases: map[string]*volume.Volume[int16]{ref: a}, reference: ref,
		sources: map[string]string{}, registered: map[string]bool{}, table: labels.Default()}
	for _, p := range casefile.Phases {
		if p == ref {
			continue
		}
		path, reg := registeredPath(dir, p), true
		if path == "" || staleness(c, path) != "" {
			path, reg = c.PhasePath(p), false
		}
		if _, err := os.Stat(path); err != nil {
			continue
		}
		d.sources[p], d.registered[p] = path, reg
	}
	labelPaths := []string{c.OutputLabelsPath(), c.TruthPath()}
	if d.stale = staleness(c, c.OutputLabelsPath()); d.stale != "" {
		labelPaths = nil
	}
	for _, path := range labelPaths {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		lab, err := volume.LoadLabelMap(path)
		if err != nil {
			return nil, err
		}
		if d.labels, err = regrid(lab, a.Grid, volume.Nearest, 0); err != nil {
			return nil, err
		}
		d.labelsFrom = path
		break
	}
	if d.labels != nil {
		var seen [256]bool
		for _, v := range d.labels.Data {
			seen[v] = true
		}
		for v := 1; v < 256; v++ {
			if seen[v] {
				d.present = append(d.present, v)
			}
		}
	}
	if d.stale == "" {
		d.stale = staleness(c, c.ArtefactPath("", stage.Report))
	}
	if d.stale == "" {
		if d.report, err = c.Report(); err != nil {
			return nil, err
		}
	}
	if err := d.setNotice(c); err != nil {
		return nil, err
	}
	return d, nil
}

// available are the phases the case has, in casefile.Phases order.
func (d *caseData) available() []string {
	var out []string
	for _, p := range casefile.Phases {
		if _, ok := d.sources[p]; ok || p == d.reference {
			out = append(out, p)
		}
	}
	return out
}

// decoded is phase p on the case's grid if it has been decoded, else nil.
func (d *caseData) decoded(p string) *volume.Volume[int16] {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.phases[p]
}

// decodePhase is phase p on the case's grid, decoded (and resampled when
// it is not the registered image) the first time it is asked for; it runs
// off the UI goroutine.
func (d *caseData) decodePhase(p string) (*volume.Volume[int16], error) {
	if v := d.decoded(p); v != nil {
		return v, nil
	}
	path, ok := d.sources[p]
	if !ok {
		return nil, fmt.Errorf("the case has no phase %s", p)
	}
	v, err := onGrid[int16](path, d.grid, volume.Linear, -1024)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.phases[p]; w != nil {
		return w, nil
	}
	d.phases[p] = v
	return v, nil
}

// setNotice sets what the window must say of the labels it shows: that
// they are the truth of a demo case, or the case's not-for-clinical-use
// notice for them.
func (d *caseData) setNotice(c *casefile.Case) error {
	switch {
	case d.labels == nil:
		return nil
	case d.labelsFrom == c.TruthPath():
		d.notice, d.noticeIsTruth = "Showing the "+casefile.TruthNotice+": run the pipeline for results.", true
		return nil
	}
	names := make([]string, len(d.present))
	for i, v := range d.present {
		names[i] = d.table.Name(v)
	}
	var err error
	d.notice, err = c.Notice(names)
	return err
}

// measured is the report's line for a structure, or nil.
func (d *caseData) measured(name string) *measure.Structure {
	if d.report == nil {
		return nil
	}
	if s, ok := d.report.Structure(name); ok {
		return &s
	}
	return nil
}

// staleness says why the result at path is out of date, or "" when it is
// current or absent. A check that cannot be made (an unreadable manifest)
// counts as out of date, with its reason.
func staleness(c *casefile.Case, path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	var stale *manifest.StaleError
	switch err := c.Current(path); {
	case errors.As(err, &stale):
		return stale.Path + ": " + stale.Reason
	case err != nil:
		return err.Error()
	}
	return ""
}

// registeredPath is the phase registered onto the reference by a register
// stage (work/register_*/registered/<phase>.nii.gz), or "".
func registeredPath(dir, phase string) string {
	m := (&casefile.Case{Dir: dir}).WrittenBy(stage.Registered(phase))
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// onGrid loads a volume and brings it onto g.
func onGrid[T volume.Voxel](path string, g volume.Grid, m volume.Interpolation, fill T) (*volume.Volume[T], error) {
	v, err := volume.Load[T](path)
	if err != nil {
		return nil, err
	}
	return regrid(v, g, m, fill)
}

// regrid returns v on g: reoriented when that suffices, else resampled.
func regrid[T volume.Voxel](v *volume.Volume[T], g volume.Grid, m volume.Interpolation, fill T) (*volume.Volume[T], error) {
	v, _ = volume.Canonical(v)
	if v.Grid == g {
		return v, nil
	}
	return volume.Resample(v, g, m, fill)
}

// axes are the world (RAS) unit directions of the case grid's voxel
// axes, for the slices' orientation letters.
func (d *caseData) axes() [3][3]float64 {
	o := d.grid.VoxelToWorld([3]float64{})
	var out [3][3]float64
	for a := range 3 {
		var e [3]float64
		e[a] = 1
		w := d.grid.VoxelToWorld(e)
		n := math.Sqrt((w[0]-o[0])*(w[0]-o[0]) + (w[1]-o[1])*(w[1]-o[1]) + (w[2]-o[2])*(w[2]-o[2]))
		for i := range 3 {
			out[a][i] = (w[i] - o[i]) / n
		}
	}
	return out
}

// colors are the label table's colours by value, with their alpha (the
// 3D opacity; the slices' overlay takes its own).
func (d *caseData) colors() *[256]color.RGBA {
	var out [256]color.RGBA
	for _, l := range d.table.Labels {
		if l.Value > 0 && l.Value < 256 {
			out[l.Value] = color.RGBA{l.Color[0], l.Color[1], l.Color[2], l.Color[3]}
		}
	}
	return &out
}

// meshObjects are the 3D view's meshes: output/meshes when the label map
// shown is the case's output and its meshes are the current set (what
// `render` draws and the exports hold: render.LoadMeshes), else the label
// map meshed as the mesh stage meshes one (export.Objects). It is slow
// (seconds); call it off the UI goroutine.
func (d *caseData) meshObjects(ctx context.Context) ([]meshio.Object, error) {
	switch {
	case d.labels == nil && d.stale != "":
		return nil, errors.New("results out of date: rerun the pipeline")
	case d.labels == nil:
		return nil, errors.New("the case has no label map yet: run the pipeline")
	}
	if d.labelsFrom == (&casefile.Case{Dir: d.dir}).OutputLabelsPath() {
		if objs, err := render.LoadMeshes(d.dir); err == nil {
			return objs, nil
		}
	}
	objs, _, err := export.Objects(ctx, d.labels, export.Options{Table: d.table})
	return objs, err
}
