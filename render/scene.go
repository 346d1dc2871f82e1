package render

import (
	"math"
	"slices"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/parallel"
)

// Scene is the model to draw: one coloured surface per label, in world RAS
// millimetres. It is read-only once made, so one Scene may be shared by
// several renderers and goroutines.
type Scene struct {
	objects []object
	lo, hi  [3]float64
	center  [3]float64
	radius  float64
}

// object is one label's surface with what drawing and picking need.
type object struct {
	name    string
	color   [4]uint8
	mesh    *mesh.Mesh
	normals [][3]float32 // unit vertex normals: the mesh's, or computed
	levels  []lod        // levels of detail, the full mesh first
	lo, hi  [3]float64
	center  [3]float64
}

// NewScene makes a scene of objs. Objects without triangles are left out;
// meshes without normals get area-weighted vertex normals, and every mesh
// gets coarser levels of detail for distant or draft frames (about a
// second for a full-size case's million triangles). The meshes are shared,
// not copied: do not change them afterwards.
func NewScene(objs []meshio.Object) *Scene { return UpdateScene(nil, objs) }

// UpdateScene is NewScene of objs reusing what prev (nil: none) prepared
// for the meshes it shares with them (the same *mesh.Mesh): after an edit
// only the edited labels' new meshes get normals and levels of detail.
func UpdateScene(prev *Scene, objs []meshio.Object) *Scene {
	done := map[*mesh.Mesh]object{}
	if prev != nil {
		for _, ob := range prev.objects {
			done[ob.mesh] = ob
		}
	}
	s := &Scene{}
	var made []object
	var fresh []int // the objects of made to prepare
	for _, o := range objs {
		if o.Mesh == nil || len(o.Mesh.Triangles) == 0 {
			continue
		}
		ob, ok := done[o.Mesh]
		if !ok {
			ob = object{mesh: o.Mesh, normals: o.Mesh.Normals}
			fresh = append(fresh, len(made))
		}
		ob.name, ob.color = o.Name, o.Color
		made = append(made, ob)
	}
	parallel.For(len(fresh), 1, func(lo, hi int) { // an object a core
		for _, n := range fresh[lo:hi] {
			ob := &made[n]
			if len(ob.normals) != len(ob.mesh.Positions) {
				ob.normals = vertexNormals(ob.mesh)
			}
			ob.levels = levels(ob.mesh, ob.normals)
			ob.lo, ob.hi = ob.mesh.Bounds()
		}
	})
	first := true
	for _, ob := range made {
		for i := range 3 {
			ob.center[i] = (ob.lo[i] + ob.hi[i]) / 2
			if first || ob.lo[i] < s.lo[i] {
				s.lo[i] = ob.lo[i]
			}
			if first || ob.hi[i] > s.hi[i] {
				s.hi[i] = ob.hi[i]
			}
		}
		first = false
		s.objects = append(s.objects, ob)
	}
	for i := range 3 {
		s.center[i] = (s.lo[i] + s.hi[i]) / 2
	}
	s.radius = math.Max(dist(s.lo, s.hi)/2, 1)
	return s
}

// Bounds is the box around every object, in millimetres.
func (s *Scene) Bounds() (lo, hi [3]float64) { return s.lo, s.hi }

// Center is the centre of Bounds.
func (s *Scene) Center() [3]float64 { return s.center }

// box is the box around the objects named in names; ok is false when
// none of them is in the scene.
func (s *Scene) box(names []string) (lo, hi [3]float64, ok bool) {
	for _, o := range s.objects {
		if !slices.Contains(names, o.name) {
			continue
		}
		for i := range 3 {
			if !ok || o.lo[i] < lo[i] {
				lo[i] = o.lo[i]
			}
			if !ok || o.hi[i] > hi[i] {
				hi[i] = o.hi[i]
			}
		}
		ok = true
	}
	return lo, hi, ok
}

// Names lists the objects in the order NewScene was given them.
func (s *Scene) Names() []string {
	names := make([]string, len(s.objects))
	for i, o := range s.objects {
		names[i] = o.name
	}
	return names
}

// vertexNormals sums each triangle's area-weighted normal into its
// vertices and normalises.
func vertexNormals(m *mesh.Mesh) [][3]float32 {
	acc := make([][3]float64, len(m.Positions))
	for _, t := range m.Triangles {
		a, b, c := to64(m.Positions[t[0]]), to64(m.Positions[t[1]]), to64(m.Positions[t[2]])
		n := cross(sub(b, a), sub(c, a))
		for _, v := range t {
			acc[v] = add(acc[v], n)
		}
	}
	out := make([][3]float32, len(acc))
	for i, n := range acc {
		n = normalize(n)
		out[i] = [3]float32{float32(n[0]), float32(n[1]), float32(n[2])}
	}
	return out
}

func to64(p [3]float32) [3]float64 { return [3]float64{float64(p[0]), float64(p[1]), float64(p[2])} }

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func scale(a [3]float64, k float64) [3]float64 { return [3]float64{a[0] * k, a[1] * k, a[2] * k} }

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func dist(a, b [3]float64) float64 { return math.Sqrt(dot(sub(a, b), sub(a, b))) }

func normalize(a [3]float64) [3]float64 {
	l := math.Sqrt(dot(a, a))
	if l == 0 {
		return a
	}
	return scale(a, 1/l)
}
