package meshio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// glTF 2.0 constants (the specification's enumerations).
const (
	glbMagic        = 0x46546C67 // "glTF"
	glbChunkJSON    = 0x4E4F534A // "JSON"
	glbChunkBIN     = 0x004E4942 // "BIN\0"
	glFloat         = 5126
	glUnsignedInt   = 5125
	glArrayBuffer   = 34962
	glElementBuffer = 34963
	glTriangles     = 4
)

// The glTF document, as much of it as a model of label meshes needs.
type (
	gltfDoc struct {
		Asset       gltfAsset        `json:"asset"`
		Scene       int              `json:"scene"`
		Scenes      []gltfScene      `json:"scenes"`
		Nodes       []gltfNode       `json:"nodes"`
		Meshes      []gltfMesh       `json:"meshes,omitempty"`
		Materials   []gltfMaterial   `json:"materials,omitempty"`
		Accessors   []gltfAccessor   `json:"accessors,omitempty"`
		BufferViews []gltfBufferView `json:"bufferViews,omitempty"`
		Buffers     []gltfBuffer     `json:"buffers,omitempty"`
	}
	gltfAsset struct {
		Version   string         `json:"version"`
		Generator string         `json:"generator"`
		Extras    map[string]any `json:"extras,omitempty"`
	}
	gltfScene struct {
		Name  string `json:"name,omitempty"`
		Nodes []int  `json:"nodes"`
	}
	gltfNode struct {
		Name     string      `json:"name,omitempty"`
		Mesh     *int        `json:"mesh,omitempty"`
		Children []int       `json:"children,omitempty"`
		Rotation *[4]float64 `json:"rotation,omitempty"`
	}
	gltfMesh struct {
		Name       string          `json:"name,omitempty"`
		Primitives []gltfPrimitive `json:"primitives"`
	}
	gltfPrimitive struct {
		Attributes map[string]int `json:"attributes"`
		Indices    int            `json:"indices"`
		Material   int            `json:"material"`
		Mode       int            `json:"mode"`
	}
	gltfMaterial struct {
		Name        string  `json:"name,omitempty"`
		PBR         gltfPBR `json:"pbrMetallicRoughness"`
		AlphaMode   string  `json:"alphaMode,omitempty"`
		DoubleSided bool    `json:"doubleSided,omitempty"`
	}
	gltfPBR struct {
		BaseColorFactor [4]float64 `json:"baseColorFactor"`
		MetallicFactor  float64    `json:"metallicFactor"`
		RoughnessFactor float64    `json:"roughnessFactor"`
	}
	gltfAccessor struct {
		BufferView    int       `json:"bufferView"`
		ComponentType int       `json:"componentType"`
		Count         int       `json:"count"`
		Type          string    `json:"type"`
		Min           []float32 `json:"min,omitempty"`
		Max           []float32 `json:"max,omitempty"`
	}
	gltfBufferView struct {
		Buffer     int `json:"buffer"`
		ByteOffset int `json:"byteOffset"`
		ByteLength int `json:"byteLength"`
		Target     int `json:"target"`
	}
	gltfBuffer struct {
		ByteLength int `json:"byteLength"`
	}
)

// rasToGLTF turns RAS (x right, y anterior, z superior) into glTF's frame
// (+y up, +z the model's front, +x the model's left): a half turn about
// (0, 1, 1)/√2. It sits on the root node, so the vertices stay in RAS
// while viewers show the patient upright and facing them.
var rasToGLTF = [4]float64{0, math.Sqrt2 / 2, math.Sqrt2 / 2, 0}

// WriteGLB writes the objects as one glTF 2.0 binary: a root node "patient"
// that turns RAS into glTF's axes, holding one node, mesh and material per
// object; positions (with their bounds), normals when the mesh has them,
// and uint32 indices, all in one buffer. Units are metres, as glTF 2.0
// requires (§3.4): the meshes' RAS millimetres are divided by 1000.
// Colours are the label colours, converted from sRGB to glTF's linear
// factors; a colour whose alpha is below 255 is blended.
func WriteGLB(w io.Writer, objs []Object) error {
	doc := gltfDoc{
		Asset:  gltfAsset{Version: "2.0", Generator: "kidney3d", Extras: map[string]any{"units": "m", "frame": "RAS (world, from the label map's affine), in metres"}},
		Scenes: []gltfScene{{Name: "model", Nodes: []int{0}}},
		Nodes:  []gltfNode{{Name: "patient", Rotation: &rasToGLTF}},
	}
	var bin bytes.Buffer
	// view appends data to the buffer as a new buffer view; all data is
	// float32 or uint32, so views stay 4-byte aligned.
	view := func(data any, target int) int {
		off := bin.Len()
		binary.Write(&bin, binary.LittleEndian, data)
		doc.BufferViews = append(doc.BufferViews, gltfBufferView{ByteOffset: off, ByteLength: bin.Len() - off, Target: target})
		return len(doc.BufferViews) - 1
	}
	accessor := func(a gltfAccessor) int {
		doc.Accessors = append(doc.Accessors, a)
		return len(doc.Accessors) - 1
	}
	for i, o := range objs {
		m := o.Mesh
		if len(m.Triangles) == 0 {
			return fmt.Errorf("meshio: %s has no triangles", o.Name)
		}
		pos := metres(m.Positions)
		lo, hi := bounds(pos)
		attrs := map[string]int{"POSITION": accessor(gltfAccessor{
			BufferView: view(pos, glArrayBuffer), ComponentType: glFloat, Count: len(pos), Type: "VEC3", Min: lo[:], Max: hi[:]})}
		if len(m.Normals) == len(m.Positions) {
			attrs["NORMAL"] = accessor(gltfAccessor{
				BufferView: view(unitNormals(m.Normals), glArrayBuffer), ComponentType: glFloat, Count: len(m.Normals), Type: "VEC3"})
		}
		indices := accessor(gltfAccessor{
			BufferView: view(m.Triangles, glElementBuffer), ComponentType: glUnsignedInt, Count: 3 * len(m.Triangles), Type: "SCALAR"})
		doc.Materials = append(doc.Materials, material(o))
		doc.Meshes = append(doc.Meshes, gltfMesh{Name: o.Name, Primitives: []gltfPrimitive{{Attributes: attrs, Indices: indices, Material: i, Mode: glTriangles}}})
		mesh := i
		doc.Nodes = append(doc.Nodes, gltfNode{Name: o.Name, Mesh: &mesh})
		doc.Nodes[0].Children = append(doc.Nodes[0].Children, len(doc.Nodes)-1)
	}
	if bin.Len() > 0 {
		doc.Buffers = []gltfBuffer{{ByteLength: bin.Len()}}
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	for len(js)%4 != 0 {
		js = append(js, ' ') // the JSON chunk is padded with spaces
	}
	total := 12 + 8 + len(js)
	if bin.Len() > 0 {
		total += 8 + bin.Len()
	}
	head := []uint32{glbMagic, 2, uint32(total), uint32(len(js)), glbChunkJSON}
	if err := binary.Write(w, binary.LittleEndian, head); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	if bin.Len() == 0 {
		return nil
	}
	if err := binary.Write(w, binary.LittleEndian, []uint32{uint32(bin.Len()), glbChunkBIN}); err != nil {
		return err
	}
	_, err = w.Write(bin.Bytes())
	return err
}

// material is an object's glTF material.
func material(o Object) gltfMaterial {
	c := o.Color
	m := gltfMaterial{Name: o.Name, PBR: gltfPBR{
		BaseColorFactor: [4]float64{srgbToLinear(c[0]), srgbToLinear(c[1]), srgbToLinear(c[2]), float64(c[3]) / 255},
		RoughnessFactor: 0.6,
	}}
	if c[3] < 255 {
		m.AlphaMode = "BLEND"
	}
	return m
}

// srgbToLinear converts an 8-bit sRGB component to linear light.
func srgbToLinear(c uint8) float64 {
	x := float64(c) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// metres converts positions in millimetres to metres.
func metres(mm [][3]float32) [][3]float32 {
	out := make([][3]float32, len(mm))
	for i, p := range mm {
		out[i] = [3]float32{p[0] / 1000, p[1] / 1000, p[2] / 1000}
	}
	return out
}

// bounds is the componentwise range of the points.
func bounds(p [][3]float32) (lo, hi [3]float32) {
	lo, hi = p[0], p[0]
	for _, q := range p[1:] {
		for a := 0; a < 3; a++ {
			lo[a], hi[a] = min(lo[a], q[a]), max(hi[a], q[a])
		}
	}
	return lo, hi
}

// unitNormals returns the normals with any that are not of unit length (a
// vertex whose triangles cancel out) replaced by +z, since glTF requires
// unit normals.
func unitNormals(n [][3]float32) [][3]float32 {
	out := n
	for i, v := range n {
		if l := v[0]*v[0] + v[1]*v[1] + v[2]*v[2]; l < 0.99 || l > 1.01 {
			if &out[0] == &n[0] {
				out = append([][3]float32(nil), n...)
			}
			out[i] = [3]float32{0, 0, 1}
		}
	}
	return out
}
