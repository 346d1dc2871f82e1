package template

import (
	"encoding/json"
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// Template is an anatomical template, as stored in JSON.
type Template struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Source  string `json:"source"`
	// HilumTurnDeg is how far the hilum faces from straight medial
	// towards anterior.
	HilumTurnDeg float64 `json:"hilum_turn_deg"`
	// Sides holds each side's structures, by "left" and "right".
	Sides map[string][]Structure `json:"sides"`
}

// Structure is one label's tubes on one side.
type Structure struct {
	Label string `json:"label"`
	// Paths are polylines of tube knots.
	Paths [][]Knot `json:"paths"`
}

// Knot is a point of a tube's centreline and its radius there. Exactly one
// of Kidney and Body places it.
type Knot struct {
	// Kidney is the point in the kidney's frame as fractions of its
	// half-extents (long axis, towards the hilum, anterior); MM adds
	// millimetres along the same axes.
	Kidney *[3]float64 `json:"kidney,omitempty"`
	MM     [3]float64  `json:"mm"`
	// Body is the point in millimetres: x from the midline (RAS, + to
	// the patient's right), y and z from the kidney's centre.
	Body *[3]float64 `json:"body,omitempty"`
	R    float64     `json:"r"`
}

// Parse reads a template from JSON and checks it.
func Parse(data []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	for side, ss := range t.Sides {
		if side != "left" && side != "right" {
			return nil, fmt.Errorf("template: side %q: want left or right", side)
		}
		for _, s := range ss {
			for p, path := range s.Paths {
				if len(path) < 2 {
					return nil, fmt.Errorf("template: %s %s path %d: fewer than two knots", side, s.Label, p)
				}
				for _, k := range path {
					if (k.Kidney == nil) == (k.Body == nil) || k.R <= 0 {
						return nil, fmt.Errorf("template: %s %s path %d: a knot needs one of kidney and body, and a positive r", side, s.Label, p)
					}
				}
			}
		}
	}
	return &t, nil
}

// Frame is a kidney's fitted pose: its centre, unit axes (long axis
// towards the upper pole, towards the hilum, anterior) and half-extents
// along them, in world RAS millimetres.
type Frame struct {
	Center [3]float64    `json:"center_mm"`
	Axes   [3][3]float64 `json:"axes"`
	Half   [3]float64    `json:"half_extents_mm"`
}

// FitKidney fits the frame of a kidney mask (its largest component) whose
// midline lies at world x midlineX; ok is false for an empty mask.
func FitKidney(m *volume.Volume[uint8], midlineX, hilumTurnDeg float64) (Frame, bool) {
	return FitKidneyPart(volume.WholePart(m), midlineX, hilumTurnDeg)
}

// FitKidneyPart is FitKidney of a mask held as a part (volume.LoadPart).
func FitKidneyPart(m *volume.Part[uint8], midlineX, hilumTurnDeg float64) (Frame, bool) {
	blo, bhi, ok := volume.PartBoundingBox(m)
	if !ok {
		return Frame{}, false
	}
	k := labelops.Largest(m.Crop(blo, bhi), labelops.Full)
	var pts [][3]float64
	n := 0
	for kk := range k.Dims[2] {
		for j := range k.Dims[1] {
			for i := range k.Dims[0] {
				if k.Data[n] != 0 {
					pts = append(pts, k.VoxelToWorld([3]float64{float64(i), float64(j), float64(kk)}))
				}
				n++
			}
		}
	}
	if len(pts) < 4 {
		return Frame{}, false
	}
	c := mean(pts)
	u := principalAxis(pts, c)
	if u[2] < 0 {
		u = scale(u, -1)
	}
	medial := perp([3]float64{midlineX - c[0], 0, 0}, u)
	anterior := perp([3]float64{0, 1, 0}, u)
	turn := hilumTurnDeg * math.Pi / 180
	v := unit(add(scale(unit(medial), math.Cos(turn)), scale(unit(anterior), math.Sin(turn))))
	w := cross(u, v)
	if w[1] < 0 {
		w = scale(w, -1)
	}
	f := Frame{Axes: [3][3]float64{u, v, w}}
	var lo, hi [3]float64
	for a := range 3 {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for _, p := range pts {
		d := sub(p, c)
		for a := range 3 {
			x := dot(d, f.Axes[a])
			lo[a], hi[a] = math.Min(lo[a], x), math.Max(hi[a], x)
		}
	}
	f.Center = c
	for a := range 3 {
		f.Center = add(f.Center, scale(f.Axes[a], (lo[a]+hi[a])/2))
		f.Half[a] = (hi[a] - lo[a]) / 2
	}
	return f, true
}

// Place is the world position of a knot for a kidney of frame f.
func (k Knot) Place(f Frame, midlineX float64) [3]float64 {
	if k.Body != nil {
		b := *k.Body
		return [3]float64{midlineX + b[0], f.Center[1] + b[1], f.Center[2] + b[2]}
	}
	p := f.Center
	for a := range 3 {
		p = add(p, scale(f.Axes[a], k.Kidney[a]*f.Half[a]+k.MM[a]))
	}
	return p
}

// Draw paints each structure of the template, for each side whose frame
// is given, into out (a label map) with the value values gives its label;
// labels values lacks are skipped. Tubes are drawn at least half a voxel
// diagonal thick so that they stay connected.
func (t *Template) Draw(out *volume.Volume[uint8], frames map[string]Frame, midlineX float64, values map[string]uint8) {
	sp := out.Spacing()
	rMin := math.Sqrt(sp[0]*sp[0]+sp[1]*sp[1]+sp[2]*sp[2]) / 2
	for side, f := range frames {
		for _, s := range t.Sides[side] {
			value, ok := values[s.Label]
			if !ok {
				continue
			}
			for _, path := range s.Paths {
				for i := 0; i+1 < len(path); i++ {
					a, b := path[i], path[i+1]
					tube(out, a.Place(f, midlineX), b.Place(f, midlineX), math.Max(a.R, rMin), math.Max(b.R, rMin), value)
				}
			}
		}
	}
}

// tube paints the voxels within the segment a–b whose radius goes from ra
// to rb.
func tube(out *volume.Volume[uint8], a, b [3]float64, ra, rb float64, value uint8) {
	r := math.Max(ra, rb)
	var lo, hi [3]int
	for d := range 3 {
		lo[d], hi[d] = math.MaxInt, math.MinInt
	}
	// The voxel box holding the corners of the world box around the tube.
	for n := range 8 {
		var q [3]float64
		for d := range 3 {
			q[d] = math.Min(a[d], b[d]) - r
			if n>>d&1 == 1 {
				q[d] = math.Max(a[d], b[d]) + r
			}
		}
		v, _ := out.WorldToVoxel(q)
		for d := range 3 {
			lo[d] = min(lo[d], int(math.Floor(v[d])))
			hi[d] = max(hi[d], int(math.Ceil(v[d])))
		}
	}
	ab := sub(b, a)
	l2 := dot(ab, ab)
	for k := max(lo[2], 0); k <= min(hi[2], out.Dims[2]-1); k++ {
		for j := max(lo[1], 0); j <= min(hi[1], out.Dims[1]-1); j++ {
			for i := max(lo[0], 0); i <= min(hi[0], out.Dims[0]-1); i++ {
				p := out.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
				s := 0.0
				if l2 > 0 {
					s = math.Max(0, math.Min(1, dot(sub(p, a), ab)/l2))
				}
				if d := sub(p, add(a, scale(ab, s))); dot(d, d) <= sq(ra+(rb-ra)*s) {
					out.Set(i, j, k, value)
				}
			}
		}
	}
}

// principalAxis is the unit direction of greatest spread of pts about c
// (power iteration on their covariance).
func principalAxis(pts [][3]float64, c [3]float64) [3]float64 {
	var cov [3][3]float64
	for _, p := range pts {
		d := sub(p, c)
		for a := range 3 {
			for b := range 3 {
				cov[a][b] += d[a] * d[b]
			}
		}
	}
	v := [3]float64{0.2, 0.3, 1}
	for range 100 {
		var o [3]float64
		for a := range 3 {
			o[a] = dot(cov[a], v)
		}
		if dot(o, o) == 0 {
			return [3]float64{0, 0, 1}
		}
		v = unit(o)
	}
	return v
}

func mean(pts [][3]float64) [3]float64 {
	var c [3]float64
	for _, p := range pts {
		c = add(c, p)
	}
	return scale(c, 1/float64(len(pts)))
}

// perp is the part of d at right angles to the unit vector u.
func perp(d, u [3]float64) [3]float64 { return sub(d, scale(u, dot(d, u))) }

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func scale(a [3]float64, s float64) [3]float64 {
	return [3]float64{a[0] * s, a[1] * s, a[2] * s}
}
func dot(a, b [3]float64) float64  { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func unit(a [3]float64) [3]float64 { return scale(a, 1/math.Sqrt(dot(a, a))) }
func sq(x float64) float64         { return x * x }
func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
