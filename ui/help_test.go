package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/mesh/meshio/glbtest"
)

func TestHelpMenu(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	m := helpMenu(w)
	if m.Label != "Help" || len(m.Items) != 2 || m.Items[0].Label != "Shortcuts" || m.Items[1].Label != "About kidney3d" {
		t.Fatalf("menu %s with %d items", m.Label, len(m.Items))
	}
	// About loads ONNX Runtime off the UI goroutine first, and
	// TestHelpAboutShowsTheVersion waits for its dialog; Shortcuts shows
	// at once.
	m.Items[0].Action()
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("Shortcuts shows no dialog")
	}
	for _, want := range []string{"Fyne", "BSD 3-Clause", "g3n", "ONNX Runtime", "MIT"} {
		if !strings.Contains(aboutText(), want) {
			t.Errorf("About does not name %q:\n%s", want, aboutText())
		}
	}
}

// TestExportModel writes the chosen structures of the view's meshes in
// every format: per-structure STL and OBJ, the MTL, the GLB and the merged
// STL, and nothing of the structure left out.
func TestExportModel(t *testing.T) {
	objs := testObjects()
	dir := t.TempDir()
	written, err := exportModel(dir, objs, []string{"kidney_left", "tumor"}, []string{exportSTL, exportSTLMerged, exportOBJ, exportGLB})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
	}
	want := "kidney_left.obj tumor.obj model.mtl kidney_left.stl tumor.stl model.glb model.stl"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("wrote %s, want %s", got, want)
	}
	st, err := os.Stat(filepath.Join(dir, "model.stl"))
	if err != nil {
		t.Fatal(err)
	}
	tris := len(objs[0].Mesh.Triangles) + len(objs[1].Mesh.Triangles)
	if st.Size() != int64(84+50*tris) {
		t.Errorf("merged STL is %d bytes, want %d for %d triangles", st.Size(), 84+50*tris, tris)
	}
	b, err := glbtest.PositionBounds(filepath.Join(dir, meshio.GLBName))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 || b["tumor"].Max[0] > 0.1 {
		t.Errorf("GLB bounds %+v, want the two structures, in metres", b)
	}
	if _, err := exportModel(dir, objs, nil, []string{exportSTL}); err == nil || !strings.Contains(err.Error(), "no structure chosen") {
		t.Errorf("nothing chosen: %v", err)
	}
}

// testObjects are three small tetrahedra in millimetres.
func testObjects() []meshio.Object {
	tetra := func(x float32) *mesh.Mesh {
		return &mesh.Mesh{
			Positions: [][3]float32{{x, 0, 0}, {x + 20, 0, 0}, {x, 20, 0}, {x, 0, 20}},
			Triangles: [][3]uint32{{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}},
		}
	}
	return []meshio.Object{
		{Name: "kidney_left", Color: [4]uint8{140, 60, 70, 255}, Mesh: tetra(0)},
		{Name: "tumor", Color: [4]uint8{0, 190, 120, 255}, Mesh: tetra(30)},
		{Name: "perirenal_fat", Color: [4]uint8{255, 250, 225, 64}, Mesh: tetra(60)},
	}
}
