package meshio

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/mesh"
)

// Object is one named, coloured surface of a model: a label's mesh.
type Object struct {
	Name  string   // label name, also the file and material name
	Color [4]uint8 // RGBA, 0-255, as the label table gives it
	Mesh  *mesh.Mesh
}

// Format is a set of output formats.
type Format uint8

// The formats WriteFiles can write.
const (
	OBJ Format = 1 << iota // DIR/<label>.obj per label and DIR/model.mtl
	STL                    // DIR/<label>.stl per label
	GLB                    // DIR/model.glb with every label
)

// DefaultFormats are the case folder's meshes (DESIGN.md): OBJ and GLB.
const DefaultFormats = OBJ | GLB

// ParseFormats reads a comma-separated list such as "obj,stl,glb".
func ParseFormats(s string) (Format, error) {
	var f Format
	for _, name := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "obj":
			f |= OBJ
		case "stl":
			f |= STL
		case "glb":
			f |= GLB
		default:
			return 0, fmt.Errorf("meshio: unknown format %q (want obj, stl or glb)", name)
		}
	}
	return f, nil
}

// MTLName is the material library every OBJ file refers to.
const MTLName = "model.mtl"

// GLBName is the file of the whole model in glTF binary.
const GLBName = "model.glb"

// WriteFiles writes objs into dir in the formats f, each file atomically,
// and returns the paths written. Object names must be usable as file names
// (label names are lower_snake_case).
func WriteFiles(dir string, objs []Object, f Format, opts ...atomicfile.Option) ([]string, error) {
	for _, o := range objs {
		if o.Name == "" || strings.ContainsAny(o.Name, `/\`) || o.Name == "." || o.Name == ".." || strings.ContainsAny(o.Name, " \t\r\n") {
			return nil, fmt.Errorf("meshio: %q cannot name a file", o.Name)
		}
	}
	var written []string
	write := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		if err := atomicfile.Write(path, fn, opts...); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if f&OBJ != 0 {
		for _, o := range objs {
			if err := write(o.Name+".obj", func(w io.Writer) error { return WriteOBJ(w, o, MTLName) }); err != nil {
				return written, err
			}
		}
		if err := write(MTLName, func(w io.Writer) error { return WriteMTL(w, objs) }); err != nil {
			return written, err
		}
	}
	if f&STL != 0 {
		for _, o := range objs {
			if err := write(o.Name+".stl", func(w io.Writer) error { return WriteSTL(w, o) }); err != nil {
				return written, err
			}
		}
	}
	if f&GLB != 0 {
		if err := write(GLBName, func(w io.Writer) error { return WriteGLB(w, objs) }); err != nil {
			return written, err
		}
	}
	return written, nil
}

// Merge joins objs into one object named name, in objs' order, with the
// first object's colour: the merged STL of a 3D print. Normals are kept
// only when every object has them.
func Merge(name string, objs []Object) Object {
	out := Object{Name: name, Mesh: &mesh.Mesh{}}
	if len(objs) > 0 {
		out.Color = objs[0].Color
	}
	normals := true
	for _, o := range objs {
		normals = normals && len(o.Mesh.Normals) == len(o.Mesh.Positions)
	}
	for _, o := range objs {
		base := uint32(len(out.Mesh.Positions))
		out.Mesh.Positions = append(out.Mesh.Positions, o.Mesh.Positions...)
		if normals {
			out.Mesh.Normals = append(out.Mesh.Normals, o.Mesh.Normals...)
		}
		for _, t := range o.Mesh.Triangles {
			out.Mesh.Triangles = append(out.Mesh.Triangles, [3]uint32{t[0] + base, t[1] + base, t[2] + base})
		}
	}
	return out
}
