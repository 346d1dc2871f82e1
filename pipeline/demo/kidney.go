package demo

import "math"

// coarseRadius is the radius every thin tube is drawn at on the coarsest
// grid (half the Small voxel diagonal, rounded up): clearances between
// vessels and the collecting system are planned with it so that the same
// anatomy stays untangled at every size.
const coarseRadius = 2.7

// clearanceMM is the gap kept between a vessel and the collecting system
// (or an artery and a vein) inside the renal sinus.
const clearanceMM = 0.5

// cortexMM is the thickness of the renal cortex over the pyramids.
const cortexMM = 6

// nearShape is a solid that can say whether a point comes within m of it.
type nearShape interface {
	near(p vec, m float64) bool
}

// solid is a shape with a clearance test.
type solid interface {
	shape
	nearShape
}

// kidney is one kidney's geometry in its local frame: u along the long
// axis towards the upper pole, v towards the hilum (anteromedial), w
// anterior. It knows where its vessels and ureter leave it.
type kidney struct {
	outer bean
	sin   sinus
	// cavity and cavityR are the sinus cavity's local centre and semi-axes.
	cavity, cavityR vec
}

func newKidney(side string, kp KidneyParams) *kidney {
	medial := -sideSign(side)
	tilt, turn := deg(kp.TiltDeg), deg(kp.HilumDeg)
	eu := vec{medial * math.Sin(tilt), -0.18, math.Cos(tilt)} // upper pole medial and posterior
	ev := vec{medial * math.Cos(turn), math.Sin(turn), 0}
	f := newFrame(vec(kp.CenterMM), eu, ev)
	if f.ew[1] < 0 {
		f.ew = f.ew.scale(-1)
	}
	a, b, c := kp.LengthMM/2, kp.WidthMM/2, kp.ThicknessMM/2
	outer := bean{f: f, a: a, b: b, c: c, bend: 0.12}
	k := &kidney{outer: outer, cavity: vec{0, 0.3 * b, 0}, cavityR: vec{0.5 * a, 0.38 * b, 0.45 * c}}
	k.sin = sinus{k: outer, cavity: k.cavity, r: k.cavityR, hilum: vec{-0.05 * a, b, 0}, opening: [2]float64{0.3 * a, 0.45 * c}}
	return k
}

// at maps local kidney coordinates to world.
func (k *kidney) at(l vec) vec { return k.outer.f.world(l) }

// cavityEdge is how far the sinus cavity's surface is from its centre
// along the local unit direction d.
func (k *kidney) cavityEdge(d vec) float64 {
	var s float64
	for a := range 3 {
		s += d[a] * d[a] / (k.cavityR[a] * k.cavityR[a])
	}
	return 1 / math.Sqrt(s)
}

// pyramidDirs are the local directions, from the sinus cavity's centre, of
// the medullary pyramids: fanned out from pole to pole, in one to three
// rows from front to back.
func pyramidDirs() []vec {
	var out []vec
	for _, alpha := range []float64{-150, -110, -70, -35, 0, 35, 70, 110, 150} {
		var betas []float64
		switch a := math.Abs(alpha); {
		case a <= 70:
			betas = []float64{-42, 0, 42}
		case a <= 110:
			betas = []float64{-25, 25}
		default:
			betas = []float64{0}
		}
		for _, beta := range betas {
			al, be := deg(alpha), deg(beta)
			out = append(out, vec{math.Sin(al) * math.Cos(be), -math.Cos(al) * math.Cos(be), math.Sin(be)})
		}
	}
	return out
}

// parenchyma adds the cortex, the medullary pyramids and the sinus fat.
func (k *kidney) parenchyma(b *builder, label uint8) {
	b.add(k.outer, renalCortex, label)
	for _, d := range pyramidDirs() {
		// A pyramid spans from its papilla, just inside the sinus, to
		// cortexMM under the capsule.
		apex := k.cavity.add(d.scale(k.cavityEdge(d) - 1))
		base := k.outer.surface(k.cavity, d).sub(d.scale(cortexMM))
		half := base.sub(apex).dot(d) / 2
		if half < 3 {
			continue
		}
		b.add(newEllipsoid(newFrame(k.at(apex.add(d.scale(half))), k.outer.f.dir(d), k.outer.f.dir(perpendicular(d))), vec{half, 8.5, 8.5}), renalMedulla, label)
	}
	b.add(k.sin, fat, b.lab.fat)
}

// collectingSystem adds the calyces, infundibula and pelvis, and returns
// the world point where the ureter leaves the pelvis and the pieces (drawn
// at least coarseRadius thick) that vessels must keep clear of.
func (k *kidney) collectingSystem(b *builder) (upj vec, avoid []nearShape) {
	a, bb, c := k.outer.a, k.outer.b, k.outer.c
	cv, cr := k.cavity, k.cavityR
	pelvis := vec{-0.1 * a, cv[1] + 0.45*cr[1], -0.15 * c}
	// The major calyces meet at an upper and a lower junction.
	junctions := [2]vec{cv.add(vec{0.5 * cr[0], 0.35 * cr[1], 0}), cv.add(vec{-0.5 * cr[0], 0.35 * cr[1], 0})}
	var pieces []solid
	for _, d := range pyramidDirs() {
		cup := cv.add(d.scale(k.cavityEdge(d) - 2.5))
		pieces = append(pieces, sphere(k.at(cup), 3.5))
		to := pelvis
		switch {
		case d[0] > 0.35:
			to = junctions[0]
		case d[0] < -0.35:
			to = junctions[1]
		}
		pieces = append(pieces, tube{k.at(cup), k.at(to), 2, 2.8})
	}
	for _, j := range junctions {
		pieces = append(pieces, tube{k.at(j), k.at(pelvis), 3, 3.5})
	}
	f := k.outer.f
	// The pelvis: an intrarenal part, a funnel through the hilum and an
	// extrarenal part narrowing into the ureter.
	extra := vec{-0.14 * a, bb + 1, -0.15 * c}
	upj = k.at(vec{-0.22 * a, bb + 7, -0.18 * c})
	pieces = append(pieces,
		newEllipsoid(frame{k.at(pelvis), f.eu, f.ev, f.ew}, vec{0.2 * a, 6, 0.25 * c}),
		tube{k.at(pelvis), k.at(extra), 5, 5},
		newEllipsoid(frame{k.at(extra), f.eu, f.ev, f.ew}, vec{9, 8, 5}),
		tube{k.at(extra), upj, 4, 3})
	for _, s := range pieces {
		b.add(s, urine, b.lab.ureter)
		avoid = append(avoid, thick(s))
	}
	return upj, avoid
}

// perpendicular is some direction at right angles to d.
func perpendicular(d vec) vec {
	if math.Abs(d[0]) < 0.9 {
		return vec{1, 0, 0}.cross(d)
	}
	return vec{0, 1, 0}.cross(d)
}

// thick is s as it is drawn on the coarsest grid, for clearance tests.
func thick(s solid) nearShape {
	if t, ok := s.(tube); ok {
		t.ra, t.rb = math.Max(t.ra, coarseRadius), math.Max(t.rb, coarseRadius)
		return t
	}
	return s
}

// arteryHilum is where the main renal artery enters the hilum (world).
func (k *kidney) arteryHilum() vec {
	return k.at(vec{0.12 * k.outer.a, k.outer.b + 4, 0.2 * k.outer.c})
}

// veinHilum is where the renal vein leaves the hilum, in front of the
// artery (world).
func (k *kidney) veinHilum() vec {
	return k.at(vec{-0.02 * k.outer.a, k.outer.b + 8, 0.45 * k.outer.c})
}

// segmentalArteries is the artery's trunk across the hilum and its
// branches into the sinus, each stopped short of the collecting system.
func (k *kidney) segmentalArteries(avoid []nearShape) []tube {
	cv, a := k.cavity, k.outer.a
	branch := k.at(vec{0.06 * a, cv[1] + 0.7*k.cavityR[1], 0.2 * k.outer.c})
	out := []tube{{k.arteryHilum(), branch, 2.8, 2.6}}
	for _, d := range []vec{{0.9, -0.2, 0.35}, {0.35, -0.6, 0.7}, {-0.35, -0.6, 0.7}, {-0.9, -0.2, 0.35}, {0.25, -0.45, -0.85}} {
		d = d.unit()
		end := k.at(cv.add(d.scale(0.9 * k.cavityEdge(d))))
		if t, ok := clearTube(tube{branch, end, 2.2, 1.5}, avoid); ok {
			out = append(out, t)
		}
	}
	return out
}

// segmentalVeins adds the renal vein's tributaries in the sinus, stopped
// short of the collecting system and the arteries.
func (k *kidney) segmentalVeins(b *builder, avoid []nearShape) {
	cv, cr := k.cavity, k.cavityR
	for _, l := range []vec{cv.add(vec{0.75 * cr[0], 0.2 * cr[1], 0.55 * cr[2]}), cv.add(vec{-0.75 * cr[0], 0.2 * cr[1], 0.55 * cr[2]})} {
		if t, ok := clearTube(tube{k.veinHilum(), k.at(l), 3.5, 2.5}, avoid); ok {
			b.add(t, renalVenousBlood, b.lab.vein)
		}
	}
}

// clearTube shortens t from its b end until it stays clearanceMM away from
// every avoided shape when drawn at least coarseRadius thick; false when
// less than 4 mm of it would be left.
func clearTube(t tube, avoid []nearShape) (tube, bool) {
	axis := t.b.sub(t.a)
	length := axis.norm()
	ok := func(s float64) bool {
		p := t.a.add(axis.scale(s / length))
		m := math.Max(t.ra+(t.rb-t.ra)*s/length, coarseRadius) + clearanceMM
		for _, a := range avoid {
			if a.near(p, m) {
				return false
			}
		}
		return true
	}
	s := 0.0
	for s+0.5 <= length && ok(s+0.5) {
		s += 0.5
	}
	if s < 4 || !ok(0) {
		return tube{}, false
	}
	t.rb = t.ra + (t.rb-t.ra)*s/length
	t.b = t.a.add(axis.scale(s / length))
	return t, true
}
