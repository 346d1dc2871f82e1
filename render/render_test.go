package render

import (
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
)

// newTestRenderer makes a renderer, or skips the test where this machine
// has no OpenGL through EGL (e.g. no libEGL.so.1).
func newTestRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	r, err := NewRenderer()
	if err != nil {
		tb.Skipf("no OpenGL here, skipping pixel test: %v", err)
	}
	tb.Cleanup(r.Close)
	return r
}

// cube is an axis-aligned box around c with half-size h, counter-clockwise
// from outside.
func cube(c [3]float32, h float32) *mesh.Mesh {
	m := &mesh.Mesh{}
	for i := range 8 {
		p := c
		for a := range 3 {
			if i>>a&1 == 1 {
				p[a] += h
			} else {
				p[a] -= h
			}
		}
		m.Positions = append(m.Positions, p)
	}
	quads := [][4]uint32{{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}}
	for _, q := range quads {
		m.Triangles = append(m.Triangles, [3]uint32{q[0], q[1], q[2]}, [3]uint32{q[0], q[2], q[3]})
	}
	return m
}

// sphere is a UV sphere around c of radius rad with n bands.
func sphere(c [3]float32, rad float32, n int) *mesh.Mesh {
	m := &mesh.Mesh{}
	for i := 0; i <= n; i++ {
		th := math.Pi * float64(i) / float64(n)
		for j := 0; j < 2*n; j++ {
			ph := math.Pi * float64(j) / float64(n)
			d := [3]float32{float32(math.Sin(th) * math.Cos(ph)), float32(math.Sin(th) * math.Sin(ph)), float32(math.Cos(th))}
			m.Positions = append(m.Positions, [3]float32{c[0] + rad*d[0], c[1] + rad*d[1], c[2] + rad*d[2]})
			m.Normals = append(m.Normals, d)
		}
	}
	idx := func(i, j int) uint32 { return uint32(i*2*n + j%(2*n)) }
	for i := range n {
		for j := range 2 * n {
			a, b, c2, d := idx(i, j), idx(i+1, j), idx(i+1, j+1), idx(i, j+1)
			m.Triangles = append(m.Triangles, [3]uint32{a, b, c2}, [3]uint32{a, c2, d})
		}
	}
	return m
}

// testScene is a red cube at +A (in front) of a blue sphere at -A, and a
// small green cube at the patient's right (+R).
func testScene() *Scene {
	return NewScene([]meshio.Object{
		{Name: "cube", Color: [4]uint8{255, 0, 0, 255}, Mesh: cube([3]float32{0, 30, 0}, 10)},
		{Name: "ball", Color: [4]uint8{0, 0, 255, 255}, Mesh: sphere([3]float32{0, -30, 0}, 25, 24)},
		{Name: "marker", Color: [4]uint8{0, 255, 0, 255}, Mesh: cube([3]float32{45, 0, 0}, 5)},
	})
}

func render(t *testing.T, r *Renderer, req Request) *image.RGBA {
	t.Helper()
	img, err := r.RenderSync(req)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != req.Width || img.Bounds().Dy() != req.Height {
		t.Fatalf("image is %v, want %dx%d", img.Bounds(), req.Width, req.Height)
	}
	return img
}

// view is the standard view v of s aimed at the origin, where the cube and
// ball line up along the anterior-posterior axis.
func view(v View, s *Scene) Camera {
	c := StandardView(v, s)
	c.Target = [3]float64{}
	return c
}

type hue int

const (
	red hue = iota
	green
	blue
)

// dominant reports whether channel c of p clearly outweighs the others.
func dominant(p color.RGBA, c hue) bool {
	v := [3]int{int(p.R), int(p.G), int(p.B)}
	for i := range 3 {
		if i != int(c) && v[c] < v[i]+80 {
			return false
		}
	}
	return true
}

func TestStandardViews(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	t.Logf("%s", r.Info())
	for _, tc := range []struct {
		view   View
		centre hue
	}{
		{Anterior, red},
		{Posterior, blue},
	} {
		img := render(t, r, Request{Width: 64, Height: 64, Camera: view(tc.view, s)})
		if p := img.RGBAAt(32, 32); !dominant(p, tc.centre) {
			t.Errorf("%s: centre pixel %v, want hue %d", tc.view, p, tc.centre)
		}
		if p := img.RGBAAt(0, 0); p != Background {
			t.Errorf("%s: corner pixel %v, want background %v", tc.view, p, Background)
		}
	}
}

// TestAnteriorOrientation checks the radiological convention: seen from
// the front, the patient's right (+R) is on the picture's left.
func TestAnteriorOrientation(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	img := render(t, r, Request{Width: 64, Height: 64, Camera: StandardView(Anterior, s)})
	left, right := 0, 0
	for y := range 64 {
		for x := range 64 {
			if dominant(img.RGBAAt(x, y), green) {
				if x < 32 {
					left++
				} else {
					right++
				}
			}
		}
	}
	if left == 0 || right != 0 {
		t.Errorf("green +R marker: %d pixels on the left half, %d on the right; want all on the left", left, right)
	}
}

func TestHiddenAndOpacity(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	cam := view(Anterior, s)
	img := render(t, r, Request{Width: 64, Height: 64, Camera: cam, Hidden: map[string]bool{"cube": true}})
	if p := img.RGBAAt(32, 32); !dominant(p, blue) {
		t.Errorf("cube hidden: centre %v, want the blue ball behind it", p)
	}
	img = render(t, r, Request{Width: 64, Height: 64, Camera: cam, Opacity: map[string]float64{"cube": 0}})
	if p := img.RGBAAt(32, 32); !dominant(p, blue) {
		t.Errorf("cube opacity 0: centre %v, want blue", p)
	}
	img = render(t, r, Request{Width: 64, Height: 64, Camera: cam, Opacity: map[string]float64{"cube": 0.5}})
	if p := img.RGBAAt(32, 32); p.R < 80 || p.B < 60 || p.A != 255 {
		t.Errorf("cube opacity 0.5: centre %v, want red and blue blended, opaque", p)
	}
}

func TestSelectedIsHighlighted(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	cam := view(Anterior, s)
	plain := render(t, r, Request{Width: 64, Height: 64, Camera: cam})
	sel := render(t, r, Request{Width: 64, Height: 64, Camera: cam, Selected: "cube"})
	if a, b := plain.RGBAAt(32, 32), sel.RGBAAt(32, 32); b.G <= a.G {
		t.Errorf("selected cube centre %v is not lighter towards the highlight than %v", b, a)
	}
}

func TestDraftIsHalfSize(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	img, err := r.RenderSync(Request{Width: 64, Height: 40, Camera: view(Anterior, s), Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(32, 20) {
		t.Fatalf("draft size %v, want 32x20", got)
	}
	if p := img.RGBAAt(16, 10); !dominant(p, red) {
		t.Errorf("draft centre %v, want red", p)
	}
}

func TestRenderNewestWins(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := make([]error, n)
	var last *image.RGBA
	wg.Add(n)
	for i := range n {
		req := Request{Width: 32, Height: 32, Camera: StandardView(Anterior, s)}
		r.Render(req, func(img *image.RGBA, err error) {
			mu.Lock()
			results[i] = err
			if i == n-1 {
				last = img
			}
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	if results[n-1] != nil || last == nil {
		t.Fatalf("newest request: %v", results[n-1])
	}
	for i, err := range results[:n-1] {
		if err != nil && !errors.Is(err, ErrSuperseded) {
			t.Errorf("request %d: %v", i, err)
		}
	}
	r.Close()
	var got error
	r.Render(Request{Width: 8, Height: 8}, func(_ *image.RGBA, err error) { got = err })
	if !errors.Is(got, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", got)
	}
	if _, err := r.RenderSync(Request{Width: 8, Height: 8}); !errors.Is(err, ErrClosed) {
		t.Errorf("RenderSync after Close: %v, want ErrClosed", err)
	}
}

func TestRenderErrors(t *testing.T) {
	r := newTestRenderer(t)
	if _, err := r.RenderSync(Request{Width: 8, Height: 8}); !errors.Is(err, errNoScene) {
		t.Errorf("no scene: %v", err)
	}
	r.SetScene(testScene())
	if _, err := r.RenderSync(Request{Width: 0, Height: 8}); err == nil {
		t.Error("zero width: no error")
	}
}

func TestPick(t *testing.T) {
	s := testScene()
	r := &Renderer{}
	r.SetScene(s)
	req := Request{Width: 64, Height: 64, Camera: view(Anterior, s)}
	label, world, ok := r.Pick(req, 32, 32)
	if !ok || label != "cube" || math.Abs(world[1]-40) > 0.01 {
		t.Errorf("centre: %q at %v (%v), want cube at y=40", label, world, ok)
	}
	req.Hidden = map[string]bool{"cube": true}
	if label, world, ok = r.Pick(req, 32, 32); !ok || label != "ball" || math.Abs(world[1]+5) > 0.5 {
		t.Errorf("cube hidden: %q at %v (%v), want ball at y≈-5", label, world, ok)
	}
	if label, _, ok = r.Pick(req, 0, 0); ok {
		t.Errorf("corner: %q, want nothing", label)
	}
}

// writeCaseMeshes writes objs as a case's meshes with the manifest entry
// of a mesh stage that made them, as `kidney3d run` leaves them.
func writeCaseMeshes(t *testing.T, caseDir string, objs []meshio.Object) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(caseDir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := meshio.WriteFiles((&casefile.Case{Dir: caseDir}).MeshesDir(), objs, meshio.OBJ); err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}, Hashes: map[string]manifest.CachedHash{}}
	h := &manifest.Hasher{Root: caseDir, Cache: m.Hashes}
	f, err := h.File((&casefile.Case{Dir: caseDir}).MeshesDir())
	if err != nil {
		t.Fatal(err)
	}
	m.Stages["mesh"] = &manifest.Entry{Status: manifest.OK, Outputs: map[string]manifest.File{"meshes": f}}
	if err := m.Save(filepath.Join(caseDir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMeshes(t *testing.T) {
	caseDir := t.TempDir()
	if _, err := LoadMeshes(caseDir); !errors.Is(err, ErrNoMeshes) {
		t.Fatalf("empty case: %v, want ErrNoMeshes", err)
	}
	s := testScene()
	objs := []meshio.Object{
		{Name: "ball", Color: [4]uint8{0, 0, 255, 128}, Mesh: s.objects[1].mesh},
		{Name: "cube", Color: [4]uint8{255, 0, 0, 255}, Mesh: s.objects[0].mesh},
	}
	writeCaseMeshes(t, caseDir, objs)
	got, err := LoadMeshes(caseDir)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range got {
		w := objs[i]
		if o.Name != w.Name || o.Color != w.Color || len(o.Mesh.Triangles) != len(w.Mesh.Triangles) || len(o.Mesh.Normals) != len(w.Mesh.Normals) {
			t.Errorf("object %d: %s %v %d triangles, want %s %v %d", i, o.Name, o.Color, len(o.Mesh.Triangles), w.Name, w.Color, len(w.Mesh.Triangles))
		}
	}
}

// TestLoadMeshesRefusesAnOutOfDateSet: a set the manifest does not record
// as made by a finished mesh stage is not loaded.
func TestLoadMeshesRefusesAnOutOfDateSet(t *testing.T) {
	s := testScene()
	objs := []meshio.Object{
		{Name: "ball", Color: [4]uint8{0, 0, 255, 128}, Mesh: s.objects[1].mesh},
		{Name: "cube", Color: [4]uint8{255, 0, 0, 255}, Mesh: s.objects[0].mesh},
	}
	tests := []struct {
		name   string
		spoil  func(t *testing.T, caseDir string)
		reason string
	}{
		{"no manifest", func(t *testing.T, caseDir string) { os.Remove(filepath.Join(caseDir, "manifest.json")) },
			"no finished run made output/meshes"},
		{"partial set", func(t *testing.T, caseDir string) {
			os.Remove(filepath.Join((&casefile.Case{Dir: caseDir}).MeshesDir(), "cube.obj"))
		},
			"output/meshes changed since stage mesh made it"},
		{"mesh stage failed", func(t *testing.T, caseDir string) {
			m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{
				"mesh": {Status: manifest.Failed, Error: "no space left on device"}}}
			if err := m.Save(filepath.Join(caseDir, "manifest.json")); err != nil {
				t.Fatal(err)
			}
		}, "stage mesh failed: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caseDir := t.TempDir()
			writeCaseMeshes(t, caseDir, objs)
			tt.spoil(t, caseDir)
			_, err := LoadMeshes(caseDir)
			var stale *manifest.StaleError
			if !errors.As(err, &stale) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("got %v, want out of date because %q", err, tt.reason)
			}
		})
	}
}

func TestSnapshot(t *testing.T) {
	newTestRenderer(t) // skips without OpenGL
	caseDir := t.TempDir()
	if _, err := Snapshot(caseDir, Anterior, 32, 32); !errors.Is(err, ErrNoMeshes) {
		t.Fatalf("no meshes: %v", err)
	}
	s := testScene()
	objs := []meshio.Object{{Name: "cube", Color: [4]uint8{255, 0, 0, 255}, Mesh: s.objects[0].mesh}}
	writeCaseMeshes(t, caseDir, objs)
	img, err := Snapshot(caseDir, Anterior, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	if p := img.RGBAAt(32, 28); !dominant(p, red) { // above the footer (TestSnapshotCarriesTheNotice)
		t.Errorf("centre %v, want red", p)
	}
}

// BenchmarkOrbit renders 1280×800 frames while orbiting, at full quality
// and as drafts (what the UI asks for while dragging): the case in
// $KIDNEY3D_BENCH_CASE (e.g. a full-size demo case after `kidney3d run`),
// else a synthetic scene of about 400,000 triangles. It reports frames/s.
func BenchmarkOrbit(b *testing.B) {
	r := newTestRenderer(b)
	var s *Scene
	if dir := os.Getenv("KIDNEY3D_BENCH_CASE"); dir != "" {
		objs, err := LoadMeshes(dir)
		if err != nil {
			b.Fatal(err)
		}
		s = NewScene(objs)
	} else {
		var objs []meshio.Object
		for i := range 4 {
			c := [3]float32{float32(60*i - 90), 0, 0}
			objs = append(objs, meshio.Object{Name: string(rune('a' + i)), Color: [4]uint8{200, 100, 80, 255}, Mesh: sphere(c, 25, 160)})
		}
		s = NewScene(objs)
	}
	r.SetScene(s)
	b.Logf("%s", r.Info())
	for _, draft := range []bool{false, true} {
		name := "full"
		if draft {
			name = "draft"
		}
		b.Run(name, func(b *testing.B) {
			cam := StandardView(Anterior, s)
			req := Request{Width: 1280, Height: 800, Draft: draft}
			for i := 0; b.Loop(); i++ {
				cam.Yaw = float64(i * 5)
				req.Camera = cam
				if _, err := r.RenderSync(req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// TestLevelsHalveAndPick checks the levels of detail of a finely
// tessellated sphere: each coarser level keeps at most two thirds of the
// triangles of the one before, stays within a cell of the surface, and a
// frame picks the coarsest level whose cell spans at most lodPixels.
func TestLevelsHalveAndPick(t *testing.T) {
	m := sphere([3]float32{0, 0, 0}, 40, 200)
	ls := levels(m, m.Normals)
	if len(ls) < 4 {
		t.Fatalf("%d levels, want at least 4", len(ls))
	}
	for i := 1; i < len(ls); i++ {
		if 3*len(ls[i].triangles) > 2*len(ls[i-1].triangles) {
			t.Errorf("level %d (%g mm): %d triangles, not under 2/3 of %d", i, ls[i].cell, len(ls[i].triangles), len(ls[i-1].triangles))
		}
		for _, p := range ls[i].positions {
			if r := math.Sqrt(dot(to64(p), to64(p))); math.Abs(r-40) > ls[i].cell {
				t.Errorf("level %d: vertex at radius %.2f, more than a cell (%g mm) off the sphere", i, r, ls[i].cell)
				break
			}
		}
	}
	for _, tc := range []struct {
		pxPerMM float64
		cell    float64
	}{
		{100, 0}, // close up: the full mesh
		{lodPixels / ls[1].cell, ls[1].cell},
		{lodPixels/ls[2].cell + 0.01, ls[1].cell},
		{0.01, ls[len(ls)-1].cell},
	} {
		if got := ls[pickLevel(ls, tc.pxPerMM)].cell; got != tc.cell {
			t.Errorf("%.3g px/mm: level of %g mm, want %g mm", tc.pxPerMM, got, tc.cell)
		}
	}
}

// TestFramedViewAimsAtTheFocus: the camera frames the named objects, not
// the whole scene, and falls back to the scene without them.
func TestFramedViewAimsAtTheFocus(t *testing.T) {
	s := testScene()
	c := FramedView(Anterior, s, []string{"marker"})
	if c.Target != [3]float64{45, 0, 0} {
		t.Errorf("target %v, want the marker's centre (45, 0, 0)", c.Target)
	}
	if whole := StandardView(Anterior, s); c.Distance >= whole.Distance/4 {
		t.Errorf("distance %.1f framing a 10 mm cube, whole scene %.1f", c.Distance, whole.Distance)
	}
	if c := FramedView(Anterior, s, []string{"absent"}); c != StandardView(Anterior, s) {
		t.Errorf("no focus object: %+v, want the whole scene's view", c)
	}
}

// TestTableAlphaIsSeeThrough: a structure whose colour has alpha 64 (the
// perirenal fat's) shows the one behind it, with no Opacity asked.
func TestTableAlphaIsSeeThrough(t *testing.T) {
	r := newTestRenderer(t)
	s := NewScene([]meshio.Object{
		{Name: "fat", Color: [4]uint8{255, 250, 225, 64}, Mesh: cube([3]float32{0, 30, 0}, 10)},
		{Name: "ball", Color: [4]uint8{0, 0, 255, 255}, Mesh: sphere([3]float32{0, -30, 0}, 25, 24)},
	})
	r.SetScene(s)
	img := render(t, r, Request{Width: 64, Height: 64, Camera: view(Anterior, s)})
	if p := img.RGBAAt(32, 32); !dominant(p, blue) {
		t.Errorf("centre %v, want the blue ball through the translucent cube", p)
	}
}

// TestOrientationMarker: seen from the front the marker's R arm (red)
// points to the picture's left and its S arm (blue) up; from the right
// side the A arm (green) points to the picture's right.
func TestOrientationMarker(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	armEnd := func(img *image.RGBA, c color.RGBA) (dx, dy float64) {
		cx, cy := float64(img.Bounds().Dx()-MarkerSize/2), float64(MarkerSize/2)
		n := 0
		for y := range MarkerSize {
			for x := img.Bounds().Dx() - MarkerSize; x < img.Bounds().Dx(); x++ {
				if img.RGBAAt(x, y) == c {
					dx += float64(x) - cx
					dy += float64(y) - cy
					n++
				}
			}
		}
		if n == 0 {
			t.Fatalf("no pixel of colour %v in the marker", c)
		}
		return dx / float64(n), dy / float64(n)
	}
	img := render(t, r, Request{Width: 160, Height: 160, Camera: StandardView(Anterior, s), Marker: true})
	if dx, _ := armEnd(img, markerAxes[0].color); dx > -5 {
		t.Errorf("anterior: R arm at dx %.1f, want to the left", dx)
	}
	if _, dy := armEnd(img, markerAxes[2].color); dy > -5 {
		t.Errorf("anterior: S arm at dy %.1f, want up", dy)
	}
	img = render(t, r, Request{Width: 160, Height: 160, Camera: StandardView(Right, s), Marker: true})
	if dx, _ := armEnd(img, markerAxes[1].color); dx < 5 {
		t.Errorf("right view: A arm at dx %.1f, want to the right", dx)
	}
	small := render(t, r, Request{Width: 64, Height: 64, Camera: StandardView(Anterior, s), Marker: true})
	if p := small.RGBAAt(63, 0); p != Background {
		t.Errorf("64×64 picture: corner %v, want no marker", p)
	}
}

// TestSeeThroughShowsAHiddenStructure: the blue ball behind the opaque red
// cube shows through it when asked, and the picture around is unchanged.
func TestSeeThroughShowsAHiddenStructure(t *testing.T) {
	r := newTestRenderer(t)
	s := testScene()
	r.SetScene(s)
	req := Request{Width: 64, Height: 64, Camera: view(Anterior, s)}
	plain := render(t, r, req)
	req.SeeThrough = map[string]bool{"ball": true}
	seen := render(t, r, req)
	if a, b := plain.RGBAAt(32, 32), seen.RGBAAt(32, 32); b.B < a.B+80 || b.R >= a.R {
		t.Errorf("centre %v, want the ball's blue over the cube's red %v", b, a)
	}
	if a, b := plain.RGBAAt(32, 4), seen.RGBAAt(32, 4); a != b {
		t.Errorf("ball in view at (32, 4): %v, was %v: what is in view changed", b, a)
	}
}

// TestZoomAtKeepsThePointStill: the point of the target's plane under the
// pixel projects to the same pixel after zooming about it.
func TestZoomAtKeepsThePointStill(t *testing.T) {
	c := Camera{Yaw: 30, Pitch: 20, Distance: 400, Target: [3]float64{10, -5, 3}}
	const w, h, x, y = 200, 100, 150.0, 30.0
	_, _, up, right := c.frame()
	tx, ty := halfExtents(w, h)
	p := add(c.Target, add(scale(right, (2*x/w-1)*tx*c.Distance), scale(up, (1-2*y/h)*ty*c.Distance)))
	z := c.ZoomAt(w, h, x, y, 0.5)
	if z.Distance != 200 {
		t.Errorf("distance %g, want 200", z.Distance)
	}
	// Project p with the new camera.
	eye, fwd, up2, right2 := z.frame()
	d := sub(p, eye)
	px := (dot(d, right2)/dot(d, fwd)/tx + 1) * w / 2
	py := (1 - dot(d, up2)/dot(d, fwd)/ty) * h / 2
	if math.Abs(px-x) > 1e-6 || math.Abs(py-y) > 1e-6 {
		t.Errorf("point now at pixel (%.3f, %.3f), want (%g, %g)", px, py, x, y)
	}
}

// TestUpdateSceneReusesLevels: a scene made again after one mesh changed
// keeps what the unchanged mesh had (normals, levels of detail), takes
// the objects' new names and colours, and is the scene NewScene makes.
func TestUpdateSceneReusesLevels(t *testing.T) {
	a, b, c := sphere([3]float32{0, 0, 0}, 20, 24), cube([3]float32{50, 0, 0}, 10), cube([3]float32{60, 0, 0}, 12)
	prev := NewScene([]meshio.Object{{Name: "a", Mesh: a}, {Name: "b", Mesh: b}})
	objs := []meshio.Object{{Name: "kidney", Color: [4]uint8{200, 0, 0, 255}, Mesh: a}, {Name: "b", Mesh: c}}
	next := UpdateScene(prev, objs)
	if &next.objects[0].levels[0] != &prev.objects[0].levels[0] || &next.objects[0].normals[0] != &prev.objects[0].normals[0] {
		t.Error("the unchanged mesh's levels of detail were made again")
	}
	if next.objects[0].name != "kidney" || next.objects[0].color != objs[0].Color {
		t.Errorf("object 0 is %q %v, want the new name and colour", next.objects[0].name, next.objects[0].color)
	}
	fresh := NewScene(objs)
	if next.lo != fresh.lo || next.hi != fresh.hi || next.radius != fresh.radius || next.objects[1].lo != fresh.objects[1].lo ||
		len(next.objects[1].levels) != len(fresh.objects[1].levels) {
		t.Errorf("updated scene bounds %v–%v, want NewScene's %v–%v", next.lo, next.hi, fresh.lo, fresh.hi)
	}
}

// TestViewProjAgreesWithPick projects the world points Pick hits through
// ViewProj: each lands on the centre of the pixel picked.
func TestViewProjAgreesWithPick(t *testing.T) {
	s := testScene()
	r := &Renderer{}
	if _, ok := r.ViewProj(Request{Width: 64, Height: 48}); ok {
		t.Error("ViewProj before SetScene: ok")
	}
	r.SetScene(s)
	for _, v := range []View{Anterior, Right} {
		req := Request{Width: 64, Height: 48, Camera: view(v, s)}
		m, ok := r.ViewProj(req)
		if !ok {
			t.Fatal("ViewProj: not ok")
		}
		for _, px := range [][2]int{{32, 24}, {31, 25}} {
			_, w, hit := r.Pick(req, px[0], px[1])
			if !hit {
				t.Fatalf("%s: nothing at %v", v, px)
			}
			var c [4]float64
			for row := range 4 {
				c[row] = m[4*row]*w[0] + m[4*row+1]*w[1] + m[4*row+2]*w[2] + m[4*row+3]
			}
			x, y := (c[0]/c[3]+1)/2*64, (1-c[1]/c[3])/2*48
			if math.Abs(x-float64(px[0])-0.5) > 1e-3 || math.Abs(y-float64(px[1])-0.5) > 1e-3 || c[2]/c[3] < -1 || c[2]/c[3] > 1 {
				t.Errorf("%s: %v picked at %v projects to (%.4f, %.4f), depth %.3f", v, w, px, x, y, c[2]/c[3])
			}
		}
	}
}
