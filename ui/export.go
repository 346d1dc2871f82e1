package ui

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/render"
)

// The formats File → Export model… offers.
const (
	exportSTL       = "STL, one file per structure"
	exportSTLMerged = "STL, all in one file (3D printing)"
	exportOBJ       = "OBJ + MTL"
	exportGLB       = "GLB in metres (AR and web viewers)"
)

// mergedName is the merged STL's object and file name.
const mergedName = "model"

// exportModel writes the structures named in names, of the meshes the 3D
// view shows (objs: never meshed again), into dir in the chosen formats
// (exportSTL…), each file atomically (meshio.WriteFiles), and returns the
// files written. It runs off the UI goroutine.
func exportModel(dir string, objs []meshio.Object, names, formats []string) ([]string, error) {
	var chosen []meshio.Object
	for _, o := range objs {
		if slices.Contains(names, o.Name) {
			chosen = append(chosen, o)
		}
	}
	if len(chosen) == 0 {
		return nil, errors.New("no structure chosen: tick at least one structure to export")
	}
	var f meshio.Format
	for _, name := range formats {
		switch name {
		case exportSTL:
			f |= meshio.STL
		case exportOBJ:
			f |= meshio.OBJ
		case exportGLB:
			f |= meshio.GLB
		}
	}
	merged := slices.Contains(formats, exportSTLMerged)
	if f == 0 && !merged {
		return nil, errors.New("no format chosen: tick at least one format")
	}
	var written []string
	if f != 0 {
		w, err := meshio.WriteFiles(dir, chosen, f)
		written = append(written, w...)
		if err != nil {
			return written, err
		}
	}
	if merged {
		w, err := meshio.WriteFiles(dir, []meshio.Object{meshio.Merge(mergedName, chosen)}, meshio.STL)
		written = append(written, w...)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// showExportModel asks which structures (those shown in 3D ticked) and
// formats to export, then for a folder, and writes them there.
func (cw *CaseWindow) showExportModel() {
	if len(cw.objs) == 0 {
		dialog.ShowInformation("Export model", "There is no 3D model to export yet.\nOpen a case whose pipeline has run, then try again.", cw.win)
		return
	}
	var names, shown []string
	display := map[string]string{}
	for _, o := range cw.objs {
		d := cw.structs.displayName(o.Name)
		display[d] = o.Name
		names = append(names, d)
		if !cw.model.hidden[o.Name] {
			shown = append(shown, d)
		}
	}
	structs := widget.NewCheckGroup(names, nil)
	structs.Selected = shown
	formats := widget.NewCheckGroup([]string{exportSTL, exportSTLMerged, exportOBJ, exportGLB}, nil)
	formats.Selected = []string{exportSTL}
	items := []*widget.FormItem{widget.NewFormItem("Structures", structs), widget.NewFormItem("Formats", formats)}
	dialog.ShowForm("Export model", "Choose folder…", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		var chosen []string
		for _, d := range structs.Selected {
			chosen = append(chosen, display[d])
		}
		fmts := slices.Clone(formats.Selected)
		objs := cw.objs
		chooseFolder(cw.win, "Export the model into a folder", func(dir string) {
			go func() {
				written, err := exportModel(dir, objs, chosen, fmts)
				fyne.Do(func() { cw.reportExport(dir, written, err) })
			}()
		})
	}, cw.win)
}

// reportExport tells what an export wrote, or why it could not.
func (cw *CaseWindow) reportExport(dir string, written []string, err error) {
	if err != nil {
		dialog.ShowError(fmt.Errorf("the export stopped: %w.\nCheck that %s can be written to and has room, then export again", err, dir), cw.win)
		return
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
	}
	dialog.ShowInformation("Export done", fmt.Sprintf("Wrote %d files into %s:\n%s", len(written), dir, strings.Join(names, ", ")), cw.win)
}

// showExportPicture asks for a picture size, then a folder, and writes
// the 3D view as it is (camera, visibility) at that size as PNG, with the
// case's notice in its bottom as the screenshots carry it.
func (cw *CaseWindow) showExportPicture() {
	if !cw.model.Available() || !cw.model.ready {
		dialog.ShowInformation("Export picture", "There is no 3D view to export yet.\nOpen a case whose pipeline has run, then try again.", cw.win)
		return
	}
	size := widget.NewEntry()
	size.SetText("1920x1080")
	size.Validator = func(s string) error { _, _, err := render.ParseSize(s); return err }
	dialog.ShowForm("Export picture", "Choose folder…", "Cancel", []*widget.FormItem{widget.NewFormItem("Size (pixels)", size)}, func(ok bool) {
		if !ok {
			return
		}
		w, h, err := render.ParseSize(size.Text)
		if err != nil {
			dialog.ShowError(err, cw.win)
			return
		}
		notice, base := cw.notice.Text(), filepath.Base(cw.pipe.dir)
		chooseFolder(cw.win, "Save the picture into a folder", func(dir string) {
			path := filepath.Join(dir, fmt.Sprintf("%s-3d-%dx%d.png", base, w, h))
			cw.model.Picture(w, h, func(img *image.RGBA, err error) {
				if err == nil {
					err = writeShot(path, img, notice)
				}
				fyne.Do(func() {
					if err != nil {
						cw.reportExport(dir, nil, err)
						return
					}
					cw.reportExport(dir, []string{path}, nil)
				})
			})
		})
	}, cw.win)
}
