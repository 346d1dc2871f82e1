package meshio

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio/glbtest"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// testObjects meshes a small label map: a ball, a bar and a lone voxel, on
// an oblique, mirrored grid.
func testObjects(t *testing.T) []Object {
	t.Helper()
	g := volume.Grid{Dims: [3]int{24, 20, 18}, Affine: volume.Affine{{-0.8, 0.1, 0, 30}, {0.05, 0.9, 0, -12}, {0, 0, 1.5, 7}, {0, 0, 0, 1}}}
	v := volume.New[uint8](g)
	volumetest.Ball(v, [3]int{8, 9, 8}, [3]int{6, 6, 6}, 1)
	volumetest.Box(v, [3]int{17, 3, 4}, [3]int{19, 17, 6}, 5)
	v.Set(21, 2, 15, 200)
	res, err := mesh.Labels(context.Background(), v, mesh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	colors := map[int][4]uint8{1: {185, 102, 83, 255}, 5: {220, 40, 40, 255}, 200: {150, 210, 240, 120}}
	var objs []Object
	for _, lm := range res {
		objs = append(objs, Object{Name: "label_" + strconv.Itoa(lm.Value), Color: colors[lm.Value], Mesh: lm.Mesh})
	}
	if len(objs) != 3 {
		t.Fatalf("got %d meshes, want 3", len(objs))
	}
	return objs
}

func TestWriteFilesRoundTrip(t *testing.T) {
	objs := testObjects(t)
	dir := t.TempDir()
	paths, err := WriteFiles(dir, objs, OBJ|STL|GLB)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2*len(objs) + 2; len(paths) != want {
		t.Errorf("wrote %d files, want %d: %v", len(paths), want, paths)
	}
	mtl, err := os.ReadFile(filepath.Join(dir, MTLName))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !strings.Contains(string(mtl), "newmtl "+o.Name+"\n") {
			t.Errorf("%s: no material in %s", o.Name, MTLName)
		}
		for _, tc := range []struct {
			ext  string
			read func(*testing.T, string) (*mesh.Mesh, string)
		}{
			{".obj", readOBJ},
			{".stl", readSTL},
		} {
			t.Run(o.Name+tc.ext, func(t *testing.T) {
				got, header := tc.read(t, filepath.Join(dir, o.Name+tc.ext))
				if !strings.Contains(header, o.Name) {
					t.Errorf("header %q does not name %s", header, o.Name)
				}
				if got.NumTriangles() != o.Mesh.NumTriangles() {
					t.Fatalf("%d triangles, want %d", got.NumTriangles(), o.Mesh.NumTriangles())
				}
				if tc.ext == ".obj" && (got.NumVertices() != o.Mesh.NumVertices() || len(got.Normals) != len(o.Mesh.Normals)) {
					t.Errorf("%d vertices and %d normals, want %d and %d", got.NumVertices(), len(got.Normals), o.Mesh.NumVertices(), len(o.Mesh.Normals))
				}
				if tc.ext == ".obj" {
					if err := got.CheckClosed(); err != nil {
						t.Error(err)
					}
				}
				if want, v := o.Mesh.Volume(), got.Volume(); math.Abs(v-want) > 1e-3*math.Abs(want) {
					t.Errorf("volume %g, want %g", v, want)
				}
			})
		}
	}
}

// readOBJ reads an OBJ file written by WriteOBJ with ReadOBJ, and its
// object line; every face must name each vertex's own normal ("i//i").
func readOBJ(t *testing.T, path string) (*mesh.Mesh, string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadOBJ(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var object string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "o":
			object = line
		case f[0] == "f":
			for _, ref := range f[1:] {
				if v, vn, _ := strings.Cut(ref, "//"); v != vn {
					t.Fatalf("face %q: vertex and normal differ", line)
				}
			}
		case !slices.Contains([]string{"#", "v", "vn", "mtllib", "g", "usemtl"}, f[0]):
			t.Fatalf("unexpected line %q", line)
		}
	}
	return m, object
}

// readSTL reads a binary STL as unshared triangles and checks that each
// facet normal agrees with its winding.
func readSTL(t *testing.T, path string) (*mesh.Mesh, string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint32(b[80:])
	if len(b) != 84+50*int(n) {
		t.Fatalf("%d bytes for %d triangles", len(b), n)
	}
	m := &mesh.Mesh{}
	for i := 0; i < int(n); i++ {
		rec := b[84+50*i:]
		var f [12]float32
		for k := range f {
			f[k] = math.Float32frombits(binary.LittleEndian.Uint32(rec[4*k:]))
		}
		base := uint32(len(m.Positions))
		m.Positions = append(m.Positions, [3]float32{f[3], f[4], f[5]}, [3]float32{f[6], f[7], f[8]}, [3]float32{f[9], f[10], f[11]})
		m.Triangles = append(m.Triangles, [3]uint32{base, base + 1, base + 2})
		wn := facetNormal(m.Positions[base], m.Positions[base+1], m.Positions[base+2])
		if d := wn[0]*f[0] + wn[1]*f[1] + wn[2]*f[2]; wn != [3]float32{} && d < 0.99 {
			t.Fatalf("triangle %d: facet normal %v disagrees with winding %v", i, f[:3], wn)
		}
	}
	return m, string(bytes.TrimRight(b[:80], "\x00"))
}

func TestParseFormats(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		err  bool
	}{
		{"obj", OBJ, false},
		{"obj,stl,glb", OBJ | STL | GLB, false},
		{" GLB , obj", OBJ | GLB, false},
		{"ply", 0, true},
		{"", 0, true},
	} {
		got, err := ParseFormats(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseFormats(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestWriteFilesRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "../x", "a/b", "with space"} {
		if _, err := WriteFiles(t.TempDir(), []Object{{Name: name, Mesh: &mesh.Mesh{}}}, OBJ); err == nil {
			t.Errorf("name %q: no error", name)
		}
	}
}

func TestGLBStructure(t *testing.T) {
	objs := testObjects(t)
	var buf bytes.Buffer
	if err := WriteGLB(&buf, objs); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if len(b)%4 != 0 || binary.LittleEndian.Uint32(b[8:]) != uint32(len(b)) {
		t.Fatalf("length %d, header says %d", len(b), binary.LittleEndian.Uint32(b[8:]))
	}
	jsonLen := binary.LittleEndian.Uint32(b[12:])
	var doc gltfDoc
	if err := json.Unmarshal(b[20:20+jsonLen], &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Asset.Generator != "kidney3d" || len(doc.Meshes) != len(objs) || len(doc.Materials) != len(objs) || len(doc.Nodes) != len(objs)+1 {
		t.Fatalf("asset %+v, %d meshes, %d materials, %d nodes", doc.Asset, len(doc.Meshes), len(doc.Materials), len(doc.Nodes))
	}
	if doc.Asset.Extras["units"] != "m" {
		t.Errorf("asset extras %v: units are not metres", doc.Asset.Extras)
	}
	bin := b[20+jsonLen+8:]
	for i, o := range objs {
		if doc.Nodes[i+1].Name != o.Name || doc.Materials[i].Name != o.Name {
			t.Errorf("object %d: node %q, material %q, want %q", i, doc.Nodes[i+1].Name, doc.Materials[i].Name, o.Name)
		}
		// Positions are the mesh's millimetres in metres.
		acc := doc.Accessors[doc.Meshes[i].Primitives[0].Attributes["POSITION"]]
		bv := doc.BufferViews[acc.BufferView]
		for n, p := range o.Mesh.Positions {
			for a := range 3 {
				got := math.Float32frombits(binary.LittleEndian.Uint32(bin[bv.ByteOffset+12*n+4*a:]))
				if math.Abs(float64(got)*1000-float64(p[a])) > 1e-6*(1+math.Abs(float64(p[a]))) {
					t.Fatalf("%s vertex %d: %g m, mesh %g mm", o.Name, n, got, p[a])
				}
			}
		}
		if blend := doc.Materials[i].AlphaMode == "BLEND"; blend != (o.Color[3] < 255) {
			t.Errorf("%s: alpha %d, alphaMode %q", o.Name, o.Color[3], doc.Materials[i].AlphaMode)
		}
	}
}

// TestGLBValidates reads a model's bounds back as glTF readers do (in
// metres) and runs Khronos' glTF validator on it.
func TestGLBValidates(t *testing.T) {
	dir := t.TempDir()
	objs := testObjects(t)
	if _, err := WriteFiles(dir, objs, GLB); err != nil {
		t.Fatal(err)
	}
	got, err := glbtest.PositionBounds(filepath.Join(dir, GLBName))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		lo, hi := bounds(o.Mesh.Positions)
		b := got[o.Name]
		for a := range 3 {
			if math.Abs(b.Min[a]*1000-float64(lo[a])) > 1e-4 || math.Abs(b.Max[a]*1000-float64(hi[a])) > 1e-4 {
				t.Errorf("%s: bounds %v…%v m, mesh %v…%v mm", o.Name, b.Min, b.Max, lo, hi)
			}
		}
	}
	glbtest.Validate(t, filepath.Join("..", "..", ".."), filepath.Join(dir, GLBName))
}

func TestMerge(t *testing.T) {
	a := Object{Name: "a", Color: [4]uint8{1, 2, 3, 255}, Mesh: &mesh.Mesh{
		Positions: [][3]float32{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, Triangles: [][3]uint32{{0, 1, 2}}}}
	b := Object{Name: "b", Color: [4]uint8{9, 9, 9, 255}, Mesh: &mesh.Mesh{
		Positions: [][3]float32{{5, 5, 5}, {6, 5, 5}, {5, 6, 5}, {5, 5, 6}}, Triangles: [][3]uint32{{0, 1, 2}, {0, 2, 3}}}}
	m := Merge("model", []Object{a, b})
	if m.Name != "model" || m.Color != a.Color || len(m.Mesh.Positions) != 7 || len(m.Mesh.Normals) != 0 {
		t.Fatalf("merged %s %v, %d positions, %d normals", m.Name, m.Color, len(m.Mesh.Positions), len(m.Mesh.Normals))
	}
	want := [][3]uint32{{0, 1, 2}, {3, 4, 5}, {3, 5, 6}}
	if !reflect.DeepEqual(m.Mesh.Triangles, want) || m.Mesh.Positions[3] != [3]float32{5, 5, 5} {
		t.Errorf("triangles %v, want %v", m.Mesh.Triangles, want)
	}
}
