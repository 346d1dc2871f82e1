package meshio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/parallel"
)

// ReadFolder reads a model folder as WriteFiles writes it: every
// DIR/<label>.obj, in the order of DIR/model.mtl's materials (the order
// they were written in), then any other by name; coloured from the MTL,
// else by fallback(name). A folder without OBJ files gives no objects and
// no error.
func ReadFolder(dir string, fallback func(name string) [4]uint8) ([]Object, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.obj"))
	if err != nil {
		return nil, err
	}
	colors := map[string][4]uint8{}
	var order []string
	if f, err := os.Open(filepath.Join(dir, MTLName)); err == nil {
		colors, order, err = readMTL(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, MTLName), err)
		}
	}
	rank := func(p string) int {
		if i := slices.Index(order, strings.TrimSuffix(filepath.Base(p), ".obj")); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(paths, func(a, b string) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	objs := make([]Object, len(paths))
	errs := make([]error, len(paths))
	parallel.For(len(paths), 1, func(lo, hi int) { // a file a core
		for i := lo; i < hi; i++ {
			objs[i].Mesh, errs[i] = readOBJFile(paths[i])
		}
	})
	for i, p := range paths {
		if errs[i] != nil {
			return nil, errs[i]
		}
		name := strings.TrimSuffix(filepath.Base(p), ".obj")
		c, ok := colors[name]
		if !ok {
			c = fallback(name)
		}
		objs[i].Name, objs[i].Color = name, c
	}
	return objs, nil
}

// readOBJFile reads one OBJ file, naming it in errors.
func readOBJFile(path string) (*mesh.Mesh, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadOBJ(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadOBJ reads the triangles of a Wavefront OBJ file as meshio.WriteOBJ
// writes them: "v" and "vn" lines, and "f" lines of vertex indices (with
// optional /texture/normal parts, which must name the same vertex's
// normal). Polygons are fanned into triangles; other lines are ignored.
// Normals are kept when there is one per vertex.
func ReadOBJ(r io.Reader) (*mesh.Mesh, error) {
	m := &mesh.Mesh{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var face []uint32
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "v", "vn":
			if len(f) < 4 {
				return nil, fmt.Errorf("obj: line %d: %s needs 3 coordinates", line, f[0])
			}
			var p [3]float32
			for i := range 3 {
				x, err := strconv.ParseFloat(f[i+1], 32)
				if err != nil {
					return nil, fmt.Errorf("obj: line %d: %w", line, err)
				}
				p[i] = float32(x)
			}
			if f[0] == "v" {
				m.Positions = append(m.Positions, p)
			} else {
				m.Normals = append(m.Normals, p)
			}
		case "f":
			face = face[:0]
			for _, ref := range f[1:] {
				v, _, _ := strings.Cut(ref, "/")
				i, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("obj: line %d: bad vertex %q", line, ref)
				}
				if i < 0 {
					i += int64(len(m.Positions)) + 1
				}
				if i < 1 || i > int64(len(m.Positions)) {
					return nil, fmt.Errorf("obj: line %d: vertex %d out of range", line, i)
				}
				face = append(face, uint32(i-1))
			}
			if len(face) < 3 {
				return nil, fmt.Errorf("obj: line %d: a face needs 3 vertices", line)
			}
			for k := 2; k < len(face); k++ {
				m.Triangles = append(m.Triangles, [3]uint32{face[0], face[k-1], face[k]})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("obj: %w", err)
	}
	if len(m.Normals) != len(m.Positions) {
		m.Normals = nil
	}
	return m, nil
}

// ReadMTL reads the diffuse colour (Kd) and dissolve (d) of each material
// of a Wavefront MTL file, as RGBA 0-255 by material name.
func ReadMTL(r io.Reader) (map[string][4]uint8, error) {
	out, _, err := readMTL(r)
	return out, err
}

// readMTL is ReadMTL that also returns the materials' names in the
// file's order.
func readMTL(r io.Reader) (map[string][4]uint8, []string, error) {
	out := map[string][4]uint8{}
	var order []string
	sc := bufio.NewScanner(r)
	name := ""
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "newmtl" && len(f) > 1 {
			name = f[1]
			if _, seen := out[name]; !seen {
				order = append(order, name)
			}
			out[name] = [4]uint8{200, 200, 200, 255}
			continue
		}
		if name == "" || (f[0] != "Kd" && f[0] != "d") {
			continue
		}
		c := out[name]
		vals := f[1:]
		if f[0] == "d" {
			vals = vals[:min(len(vals), 1)]
		}
		if len(vals) == 0 || (f[0] == "Kd" && len(vals) < 3) {
			return nil, nil, fmt.Errorf("mtl: line %d: %s needs values", line, f[0])
		}
		for i, s := range vals[:min(len(vals), 3)] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("mtl: line %d: %w", line, err)
			}
			b := uint8(math.Round(math.Min(math.Max(x, 0), 1) * 255))
			if f[0] == "d" {
				c[3] = b
			} else {
				c[i] = b
			}
		}
		out[name] = c
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("mtl: %w", err)
	}
	return out, order, nil
}
