package mesh

import (
	"bufio"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/volume"
)

// readOBJObjects reads an OBJ file's objects ("o NAME" sections) as meshes;
// faces index the file's vertex list, so each object keeps only its own.
func readOBJObjects(t testing.TB, path string) map[string]*Mesh {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all [][3]float32
	out := map[string]*Mesh{}
	var cur *Mesh
	var first uint32 // index of the current object's first vertex
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "o":
			cur = &Mesh{}
			out[fields[1]] = cur
			first = uint32(len(all))
		case "v":
			var p [3]float32
			for i, s := range fields[1:4] {
				x, _ := strconv.ParseFloat(s, 32)
				p[i] = float32(x)
			}
			all = append(all, p)
			if cur != nil {
				cur.Positions = append(cur.Positions, p)
			}
		case "f":
			var t [3]uint32
			for i, s := range fields[1:4] {
				s, _, _ = strings.Cut(s, "/")
				n, _ := strconv.Atoi(s)
				t[i] = uint32(n-1) - first
			}
			cur.Triangles = append(cur.Triangles, t)
		}
	}
	return out
}

// distanceField answers nearest-distance queries to a mesh's triangles
// through a uniform grid of cells.
type distanceField struct {
	m    *Mesh
	cell float64
	lo   [3]float64
	n    [3]int
	tris map[int][]int
}

func newDistanceField(m *Mesh, cell float64) *distanceField {
	lo, hi := m.Bounds()
	d := &distanceField{m: m, cell: cell, lo: lo, tris: map[int][]int{}}
	for a := 0; a < 3; a++ {
		d.n[a] = int((hi[a]-lo[a])/cell) + 1
	}
	for t := 0; t < m.NumTriangles(); t++ {
		var tlo, thi [3]int
		for a := 0; a < 3; a++ {
			tlo[a], thi[a] = math.MaxInt, -1
		}
		for i := 0; i < 3; i++ {
			p := m.vertex(m.Triangles[t][i])
			c := d.cellOf(p)
			for a := 0; a < 3; a++ {
				tlo[a], thi[a] = min(tlo[a], c[a]), max(thi[a], c[a])
			}
		}
		for z := tlo[2]; z <= thi[2]; z++ {
			for y := tlo[1]; y <= thi[1]; y++ {
				for x := tlo[0]; x <= thi[0]; x++ {
					k := x + d.n[0]*(y+d.n[1]*z)
					d.tris[k] = append(d.tris[k], t)
				}
			}
		}
	}
	return d
}

func (d *distanceField) cellOf(p [3]float64) [3]int {
	var c [3]int
	for a := 0; a < 3; a++ {
		c[a] = min(max(int((p[a]-d.lo[a])/d.cell), 0), d.n[a]-1)
	}
	return c
}

// distance is the distance from p to the mesh, capped at 2 cells.
func (d *distanceField) distance(p [3]float64) float64 {
	best := 2 * d.cell
	c := d.cellOf(p)
	for z := c[2] - 2; z <= c[2]+2; z++ {
		for y := c[1] - 2; y <= c[1]+2; y++ {
			for x := c[0] - 2; x <= c[0]+2; x++ {
				if x < 0 || y < 0 || z < 0 || x >= d.n[0] || y >= d.n[1] || z >= d.n[2] {
					continue
				}
				for _, t := range d.tris[x+d.n[0]*(y+d.n[1]*z)] {
					tr := d.m.Triangles[t]
					best = math.Min(best, pointTriangleDistance(p, d.m.vertex(tr[0]), d.m.vertex(tr[1]), d.m.vertex(tr[2])))
				}
			}
		}
	}
	return best
}

// meanDistance is the mean distance from a's vertices to b's surface.
func meanDistance(a, b *Mesh, cell float64) float64 {
	d := newDistanceField(b, cell)
	s := 0.0
	for v := 0; v < a.NumVertices(); v++ {
		s += d.distance(a.vertex(uint32(v)))
	}
	return s / float64(a.NumVertices())
}

// pointTriangleDistance is the distance from p to triangle abc (Ericson,
// Real-Time Collision Detection, 5.1.5).
func pointTriangleDistance(p, a, b, c [3]float64) float64 {
	ab, ac, ap := sub3(b, a), sub3(c, a), sub3(p, a)
	if n := cross3(ab, ac); dot3(n, n) < 1e-12*dot3(ab, ab)*dot3(ac, ac) || dot3(n, n) == 0 {
		// A degenerate triangle: its nearest side.
		return math.Min(pointSegmentDistance(p, a, b), math.Min(pointSegmentDistance(p, b, c), pointSegmentDistance(p, c, a)))
	}
	d1, d2 := dot3(ab, ap), dot3(ac, ap)
	dist := func(q [3]float64) float64 { r := sub3(p, q); return math.Sqrt(dot3(r, r)) }
	at := func(o, u [3]float64, t float64) [3]float64 {
		return [3]float64{o[0] + t*u[0], o[1] + t*u[1], o[2] + t*u[2]}
	}
	if d1 <= 0 && d2 <= 0 {
		return dist(a)
	}
	bp := sub3(p, b)
	d3, d4 := dot3(ab, bp), dot3(ac, bp)
	if d3 >= 0 && d4 <= d3 {
		return dist(b)
	}
	vc := d1*d4 - d3*d2
	if vc <= 0 && d1 >= 0 && d3 <= 0 {
		return dist(at(a, ab, d1/(d1-d3)))
	}
	cp := sub3(p, c)
	d5, d6 := dot3(ab, cp), dot3(ac, cp)
	if d6 >= 0 && d5 <= d6 {
		return dist(c)
	}
	vb := d5*d2 - d1*d6
	if vb <= 0 && d2 >= 0 && d6 <= 0 {
		return dist(at(a, ac, d2/(d2-d6)))
	}
	va := d3*d6 - d5*d4
	if va <= 0 && d4-d3 >= 0 && d5-d6 >= 0 {
		return dist(at(b, sub3(c, b), (d4-d3)/((d4-d3)+(d5-d6))))
	}
	den := 1 / (va + vb + vc)
	v, w := vb*den, vc*den
	return dist([3]float64{a[0] + ab[0]*v + ac[0]*w, a[1] + ab[1]*v + ac[1]*w, a[2] + ab[2]*v + ac[2]*w})
}

// sharedDir is the project's shared folder (peers and data) seen from this
// package's folder.
const sharedDir = "../../../shared"

// pointSegmentDistance is the distance from p to segment ab.
func pointSegmentDistance(p, a, b [3]float64) float64 {
	ab, ap := sub3(b, a), sub3(p, a)
	t := 0.0
	if l := dot3(ab, ab); l > 0 {
		t = math.Max(0, math.Min(1, dot3(ap, ab)/l))
	}
	r := sub3(ap, [3]float64{t * ab[0], t * ab[1], t * ab[2]})
	return math.Sqrt(dot3(r, r))
}

// organs are TotalSegmentator's compact organs (task "total" numbering,
// which the phantoms of ../shared/peers share): spleen, kidneys,
// gallbladder, liver, stomach, urinary bladder.
var organs = []int{1, 2, 3, 4, 5, 6, 21}

// TestOrganSurfacesMatchVTK meshes the TotalSegmentator example (and the
// label maps listed in $KIDNEY3D_MESH_COMPARE, comma-separated) with the
// default settings and with peer_mesh.py's re-creation of 3D Slicer's
// pipeline, and checks that each organ's surface lies within half a voxel,
// on average, of VTK's, both ways.
func TestOrganSurfacesMatchVTK(t *testing.T) {
	files := []string{filepath.Join(sharedDir, "data", "totalseg_example", "example_seg.nii.gz")}
	if extra := os.Getenv("KIDNEY3D_MESH_COMPARE"); extra != "" {
		files = append(files, strings.Split(extra, ",")...)
	}
	peer := filepath.Join(sharedDir, "peers", "peer_mesh.py")
	if _, err := os.Stat(peer); err != nil {
		t.Skipf("no peer script: %v", err)
	}
	if exec.Command(python, "-c", "import vtk, nibabel, scipy").Run() != nil {
		t.Skip("python3-vtk9, python3-nibabel or python3-scipy is not installed")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			if _, err := os.Stat(file); err != nil {
				t.Skipf("no input: %v", err)
			}
			v, err := volume.Load[uint8](file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Labels(context.Background(), v, Options{Values: organs})
			if err != nil {
				t.Fatal(err)
			}
			var values []string
			for _, lm := range res {
				values = append(values, strconv.Itoa(lm.Value))
			}
			dir := t.TempDir()
			out, err := exec.Command(python, peer, file, "--methods", "vtk", "--labels", strings.Join(values, ","), "--outdir", dir).CombinedOutput()
			if err != nil {
				t.Fatalf("peer_mesh.py: %v: %s", err, out)
			}
			base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".gz"), ".nii")
			vtk := readOBJObjects(t, filepath.Join(dir, base+"_vtk.obj"))
			sp := v.Spacing()
			voxel := (sp[0] + sp[1] + sp[2]) / 3
			for _, lm := range res {
				ref := vtk["label_"+strconv.Itoa(lm.Value)]
				if ref == nil {
					t.Errorf("label %d: no VTK mesh", lm.Value)
					continue
				}
				there := meanDistance(lm.Mesh, ref, 2*voxel) / voxel
				back := meanDistance(ref, lm.Mesh, 2*voxel) / voxel
				t.Logf("label %3d: mean distance to VTK's surface %.3f voxel, from it %.3f; volume: ours %.4f, VTK %.4f of the voxels",
					lm.Value, there, back, lm.Mesh.Volume()/lm.VoxelVolume, ref.Volume()/lm.VoxelVolume)
				if there > 0.5 || back > 0.5 {
					t.Errorf("label %d: surfaces %.3f and %.3f voxel apart on average", lm.Value, there, back)
				}
			}
		})
	}
}

// python is Debian's interpreter, which has the peers' packages.
const python = "/usr/bin/python3"
