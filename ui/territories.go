package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// territoryPalette colours the territories, branch 1 first and round
// again after the last: five colours chosen (tools/territory_palette.py)
// for the least CIE ΔE76 between any two of them and between each and the
// structures shown with them (tumour, cyst, artery, vein, collecting
// system), for normal vision and simulated protanopia and deuteranopia
// (Machado 2009): 23.2, above the label palette's threshold of 20.
var territoryPalette = []color.RGBA{
	{255, 102, 0, 255},   // orange
	{102, 136, 204, 255}, // periwinkle
	{17, 119, 119, 255},  // dark teal
	{170, 221, 204, 255}, // pale mint
	{102, 238, 119, 255}, // light green
}

// territoryColor is branch b's colour (b ≥ 1).
func territoryColor(b int) color.RGBA { return territoryPalette[(b-1)%len(territoryPalette)] }

// territoryName is branch b's object name in the 3D view, which a pick
// shows as it is.
func territoryName(b int) string { return "Territory of artery branch " + strconv.Itoa(b) }

// territoryView is the arterial territories (output/territories.nii.gz)
// as the views show them: each kidney voxel in its branch's colour, the
// other structures as they are.
type territoryView struct {
	// labels is the case's label map with each kidney voxel given its
	// branch's value: a value neither the label table nor the map uses;
	// colors are the label colours with the branches' at those values.
	labels []uint8
	colors *[256]color.RGBA
	// branch is the map's territories on the case grid, 0 outside the
	// kidneys, for the 3D meshes (meshes).
	branch *volume.Volume[uint8]
}

// territoriesAvailable says whether the case's territory map can be
// shown over its labels, and if not why.
func territoriesAvailable(d *caseData) (bool, string) {
	c := &casefile.Case{Dir: d.dir}
	path := c.ArtefactPath("", stage.Territories)
	switch {
	case d.labels == nil || d.labelsFrom != c.OutputLabelsPath():
		return false, "run the pipeline first"
	case staleness(c, path) != "":
		return false, "out of date: rerun the pipeline"
	}
	if _, err := os.Stat(path); err != nil {
		return false, "not made: run the pipeline's territories stage"
	}
	return true, ""
}

// loadTerritories reads the case's territory map onto its grid and makes
// the views' layers of it. It is slow on a full-size case (a second);
// call it off the UI goroutine.
func loadTerritories(d *caseData) (*territoryView, error) {
	path := (&casefile.Case{Dir: d.dir}).ArtefactPath("", stage.Territories)
	m, err := onGrid[uint8](path, d.grid, volume.Nearest, 0)
	if err != nil {
		return nil, err
	}
	var kidney [256]bool
	for _, k := range nephrometry.Kidneys {
		if l, ok := d.table.ByName(k.Name); ok {
			kidney[l.Value] = true
		}
	}
	var used [256]bool
	for _, v := range d.present {
		used[v] = true
	}
	for _, l := range d.table.Labels {
		used[l.Value&255] = true
	}
	// free[b] is branch b's value in labels, from 255 down.
	free := []uint8{0}
	for v := 255; v > 0; v-- {
		if !used[v] {
			free = append(free, uint8(v))
		}
	}
	t := &territoryView{labels: slices.Clone(d.labels.Data), colors: d.colors(), branch: volume.New[uint8](d.grid)}
	for i, b := range m.Data {
		if b == 0 || !kidney[d.labels.Data[i]] {
			continue
		}
		if int(b) >= len(free) {
			return nil, fmt.Errorf("%s: %d territories, more than the label map leaves values for", path, b)
		}
		t.labels[i], t.branch.Data[i] = free[b], b
		t.colors[free[b]] = territoryColor(int(b))
	}
	return t, nil
}

// meshes are the 3D view's objects with the territories: objs without the
// kidneys, and each territory's mesh in its colour. It is slow (seconds
// on a full-size case); call it off the UI goroutine.
func (t *territoryView) meshes(ctx context.Context, objs []meshio.Object) ([]meshio.Object, error) {
	parts, _, err := export.Objects(ctx, t.branch, export.Options{Table: labels.None()})
	if err != nil {
		return nil, err
	}
	var out []meshio.Object
	for _, o := range objs {
		if !slices.ContainsFunc(nephrometry.Kidneys, func(k struct{ Name, Side string }) bool { return k.Name == o.Name }) {
			out = append(out, o)
		}
	}
	for _, o := range parts {
		b, err := strconv.Atoi(strings.TrimPrefix(o.Name, "label_"))
		if err != nil {
			return nil, errors.New("territory mesh " + o.Name + ": not a branch")
		}
		c := territoryColor(b)
		o.Name, o.Color = territoryName(b), [4]uint8{c.R, c.G, c.B, 255}
		out = append(out, o)
	}
	return out, nil
}

// showTerritories shows the arterial territories as colours in the slices
// and the 3D view, or takes them away; the layers and meshes are made the
// first time per case, off the UI goroutine.
func (cw *CaseWindow) showTerritories(on bool) {
	d := cw.slices.data
	if d == nil {
		return
	}
	if !on {
		cw.slices.SetTerritories(nil)
		if d.territoryScene != nil {
			cw.model.UpdateScene(cw.objs)
		}
		return
	}
	show := func() {
		cw.slices.SetTerritories(d.territories)
		if d.territoryScene != nil {
			cw.model.UpdateScene(d.territoryScene)
		}
	}
	if d.territories != nil && (d.territoryScene != nil || cw.objs == nil) {
		show()
		return
	}
	gen, objs, t := cw.gen, cw.objs, d.territories
	cw.model.SetStatus("reading the territories…")
	go func() {
		var err error
		if t == nil {
			t, err = loadTerritories(d)
		}
		var scene []meshio.Object
		if err == nil && objs != nil && cw.model.Available() {
			scene, err = t.meshes(context.Background(), objs)
		}
		fyne.Do(func() {
			if gen != cw.gen {
				return
			}
			cw.model.SetStatus("")
			if err != nil {
				cw.measures.SetTerritories(false, err.Error())
				cw.slices.SetTerritories(nil)
				return
			}
			d.territories, d.territoryScene = t, scene
			if cw.measures.territories.Checked {
				show()
			}
		})
	}()
}
