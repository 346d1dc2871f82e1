package demo

import (
	"math"
	"math/rand/v2"

	"kidney3d/pipeline/labels"
)

// The anatomy is laid out in world RAS millimetres with z = 0 at the level
// of the renal hila (L1/L2), x = 0 on the midline and y = 0 near the middle
// of the body's depth: the right kidney sits at x ≈ +78, the aorta at
// x ≈ −15 in front of the spine, the bladder around z ≈ −200.

// labelValues are the truth label values the anatomy uses.
type labelValues struct {
	kidney                                                       map[string]uint8 // by side
	tumor, cyst, artery, vein, ureter, fat                       uint8
	liver, spleen, pancreas, aorta, ivc, spine, bladder, nothing uint8
}

func truthLabels() labelValues {
	t := labels.Default()
	return labelValues{
		kidney: map[string]uint8{"left": t.Value("kidney_left"), "right": t.Value("kidney_right")},
		tumor:  t.Value("tumor"), cyst: t.Value("cyst"), artery: t.Value("artery"), vein: t.Value("vein"),
		ureter: t.Value("ureter"), fat: t.Value("perirenal_fat"), liver: t.Value("liver"),
		spleen: t.Value("spleen"), pancreas: t.Value("pancreas"), aorta: t.Value("aorta"),
		ivc: t.Value("inferior_vena_cava"), spine: t.Value("spine"), bladder: t.Value("urinary_bladder"),
		nothing: t.Value("background"),
	}
}

// builder collects the scene in painting order.
type builder struct {
	sc  scene
	lab labelValues
	r   *rand.Rand
	// cavity is the inside of the abdominal wall; organs and bowel are
	// kept in it.
	cavity column
}

func (b *builder) add(s shape, t tissue, label uint8) { b.sc = append(b.sc, prim{s, t, label}) }

// addInside adds the part of s inside the abdominal cavity.
func (b *builder) addInside(s shape, t tissue, label uint8) { b.add(within{s, b.cavity}, t, label) }

// vessel adds a smooth tube through the knots and returns its segments.
func (b *builder) vessel(ks []knot, t tissue, label uint8) []tube {
	ts := smoothTube(ks)
	for _, s := range ts {
		b.add(s, t, label)
	}
	return ts
}

// viscus adds a smooth tube through the knots, kept inside the cavity.
func (b *builder) viscus(ks []knot, t tissue, label uint8) {
	for _, s := range smoothTube(ks) {
		b.addInside(s, t, label)
	}
}

// smoothTube is the spline through the knots as tube segments, each about
// as long as the tube is thick (fewer, longer segments for wide tubes keep
// the bounding boxes to rasterise small).
func smoothTube(ks []knot) []tube {
	r := ks[0].r
	for _, k := range ks {
		r = math.Min(r, k.r)
	}
	return tubes(spline(ks, max(1.5, 0.75*r)))
}

// buildAnatomy lays out the case's anatomy as a scene, filling in the
// lesion centres of p. Draws from r beyond those of drawParams shape the
// details (lesion lobules, bowel loops).
func buildAnatomy(p *Params, r *rand.Rand) scene {
	b := &builder{lab: truthLabels(), r: r, cavity: column{secs: bodySections, inset: wallMM + p.SubcutaneousFatMM}}
	kid := map[string]*kidney{}
	for _, s := range sides {
		kid[s] = newKidney(s, p.Kidneys[s])
	}
	b.body(p.SubcutaneousFatMM)
	b.bowel()
	b.organs()
	b.skeleton(p.SubcutaneousFatMM)
	for _, s := range sides {
		k := kid[s]
		f := k.outer.f
		b.add(newEllipsoid(frame{f.world(vec{0, -3, 0}), f.eu, f.ev, f.ew}, vec{k.outer.a + 14, k.outer.b + 11, k.outer.c + 10}), fat, b.lab.fat)
	}
	for _, s := range sides {
		kid[s].parenchyma(b, b.lab.kidney[s])
	}
	b.lesions(p, kid)
	avoid := map[string][]nearShape{}
	for _, s := range sides {
		upj, av := kid[s].collectingSystem(b)
		avoid[s] = av
		b.ureter(s, upj)
	}
	b.bladder()
	b.vessels(p, kid, avoid)
	return b.sc
}

// spineY is the AP position of the vertebral bodies' centre at height z:
// the lumbar lordosis brings them forward, the sacrum goes back.
func spineY(z float64) float64 {
	return lerpTable(z, [][2]float64{{-150, -40}, {-110, -28}, {-40, -24}, {60, -30}, {230, -34}})
}

// lerpTable interpolates y(x) in a table of (x, y) sorted by x, holding the
// end values beyond it.
func lerpTable(x float64, t [][2]float64) float64 {
	if x <= t[0][0] {
		return t[0][1]
	}
	for i := 1; i < len(t); i++ {
		if x <= t[i][0] {
			f := (x - t[i-1][0]) / (t[i][0] - t[i-1][0])
			return t[i-1][1] + f*(t[i][1]-t[i-1][1])
		}
	}
	return t[len(t)-1][1]
}

// bodySections is the skin outline from the pelvis to the lower chest.
var bodySections = []section{
	{-340, 0, 2, 168, 112}, {-230, 0, 4, 172, 118}, {-150, 0, 2, 162, 114}, {-60, 0, 0, 152, 110},
	{40, 0, 0, 150, 108}, {130, 0, 0, 145, 105}, {230, 0, -2, 140, 102},
}

// Thicknesses of the skin and of the abdominal wall's muscle layer.
const (
	skinMM = 2.5
	wallMM = skinMM + 9
)

// body adds skin, subcutaneous fat, the muscular wall, the fat filling the
// abdomen, and the back and flank muscles.
func (b *builder) body(subcut float64) {
	n := b.lab.nothing
	b.add(column{secs: bodySections}, skin, n)
	b.add(column{secs: bodySections, inset: skinMM}, fat, n)
	b.add(column{secs: bodySections, inset: skinMM + subcut}, muscle, n)
	b.add(b.cavity, fat, n)
	for _, sx := range []float64{-1, 1} {
		var para []section
		for _, z := range []float64{-260, -150, -40, 60, 230} {
			para = append(para, section{z, sx * 30, spineY(z) - 50, 20, 17})
		}
		b.add(column{secs: para}, muscle, n)
		b.add(column{secs: []section{{-110, sx * 58, -75, 16, 10}, {55, sx * 55, -72, 14, 9}}}, muscle, n)
		b.vessel([]knot{
			{vec{sx * 20, -28, 60}, 5}, {vec{sx * 28, -32, 25}, 9}, {vec{sx * 35, -34, -10}, 12},
			{vec{sx * 42, -32, -50}, 16}, {vec{sx * 50, -27, -90}, 19}, {vec{sx * 57, -20, -130}, 20},
			{vec{sx * 65, -8, -180}, 17}, {vec{sx * 72, 10, -240}, 15}, {vec{sx * 78, 22, -340}, 14},
		}, muscle, n)
	}
}

// skeleton adds the lower ribs, the lumbar and lower thoracic vertebrae
// with their discs and canal, the sacrum and the iliac wings.
func (b *builder) skeleton(subcut float64) {
	n, sp := b.lab.nothing, b.lab.spine
	col := func(z0, z1, dy, rx, ry float64) column {
		var secs []section
		for z := z0; z <= z1; z += 10 {
			secs = append(secs, section{z, 0, spineY(z) + dy, rx, ry})
		}
		return column{secs: secs}
	}
	for _, v := range []struct {
		z, top float64
	}{{157, 160}, {122, 140}, {87, 105}, {52, 75}} {
		for _, sx := range []float64{-1, 1} {
			var ks []knot
			for th := 20.0; th <= v.top; th += 10 {
				z := v.z - 50*(th-20)/140
				s, _ := column{secs: bodySections, inset: skinMM + subcut + 5}.at(z)
				ks = append(ks, knot{vec{sx * s.rx * math.Sin(deg(th)), s.cy - s.ry*math.Cos(deg(th)), z}, 4.5})
			}
			b.vessel(append([]knot{{vec{sx * 28, spineY(v.z) - 26, v.z + 2}, 4.5}}, ks...), boneCortical, n)
		}
	}
	b.add(col(-140, 210, 0, 22, 16), disc, n)
	for z := 192.0; z > -140; z -= 35 {
		rx, ry := 22.0, 16.0
		if z < 30 {
			rx, ry = 25, 17
		}
		yc := spineY(z)
		b.add(column{secs: []section{{z - 13, 0, yc, rx, ry}, {z + 13, 0, yc, rx, ry}}}, boneCortical, sp)
		b.add(column{secs: []section{{z - 10.5, 0, yc, rx, ry}, {z + 10.5, 0, yc, rx, ry}}, inset: 2.5}, boneCancellous, sp)
		for _, sx := range []float64{-1, 1} {
			b.add(tube{vec{sx * 11, yc - 12, z + 3}, vec{sx * 12, yc - 30, z + 3}, 4.5, 4.5}, boneCortical, sp)
			b.add(tube{vec{sx * 12, yc - 30, z}, vec{0, yc - 42, z - 4}, 4, 4}, boneCortical, sp)
			if z < 30 {
				b.add(tube{vec{sx * 12, yc - 28, z + 2}, vec{sx * 42, yc - 30, z + 4}, 4, 3}, boneCortical, sp)
			}
		}
		b.add(tube{vec{0, yc - 42, z - 4}, vec{0, yc - 62, z - 12}, 4.5, 4}, boneCortical, sp)
	}
	b.add(col(-140, 210, -28, 10, 8), csf, n)
	for _, s := range []struct{ y, z, rx float64 }{{-40, -140, 50}, {-52, -172, 46}, {-62, -205, 36}, {-70, -238, 26}, {-72, -268, 16}} {
		f := frame{vec{0, s.y, s.z}, vec{1, 0, 0}, vec{0, 1, 0}, vec{0, 0, 1}}
		b.add(newEllipsoid(f, vec{s.rx, 14, 22}), boneCortical, sp)
		b.add(newEllipsoid(f, vec{s.rx - 3, 11, 19}), boneCancellous, sp)
	}
	for _, sx := range []float64{-1, 1} {
		f := newFrame(vec{sx * 82, -22, -150}, vec{0, 0, 1}, vec{sx * 75, 80, 0})
		b.add(newEllipsoid(f, vec{50, 58, 8}), boneCortical, n)
		b.add(newEllipsoid(f, vec{47, 55, 5}), boneCancellous, n)
	}
}

// bowel adds the stomach, the duodenum, the colon and a random tangle of
// small bowel loops in the lower abdomen.
func (b *builder) bowel() {
	n := b.lab.nothing
	b.addInside(newEllipsoid(frame{vec{-70, 35, 75}, vec{0, 0, 1}, vec{1, 0, 0}, vec{0, 1, 0}}, vec{48, 35, 30}), bowel, n)
	b.addInside(newEllipsoid(frame{vec{-70, 53, 82}, vec{0, 0, 1}, vec{1, 0, 0}, vec{0, 1, 0}}, vec{30, 25, 11}), gas, n)
	b.viscus([]knot{{vec{20, 30, 30}, 12}, {vec{50, 25, 20}, 12}, {vec{55, 20, -20}, 12}, {vec{35, 20, -40}, 12}, {vec{0, 25, -40}, 12}}, bowel, n)
	b.viscus([]knot{
		{vec{105, 5, -110}, 22}, {vec{108, 10, -40}, 22}, {vec{100, 20, 20}, 22}, {vec{50, 65, 25}, 20},
		{vec{-20, 70, 30}, 20}, {vec{-95, 25, 60}, 20}, {vec{-108, 5, 0}, 20}, {vec{-105, 5, -80}, 20},
		{vec{-90, 15, -130}, 18}, {vec{-50, 30, -160}, 18}, {vec{-15, 10, -178}, 17}, {vec{0, -28, -205}, 16},
		{vec{0, -35, -260}, 17}, {vec{0, -40, -340}, 17},
	}, stool, n)
	p, d := vec{10, 60, -60}, vec{1, 0, 0}
	ks := []knot{{p, 11}}
	for range 40 {
		d = d.add(vec{b.r.NormFloat64(), b.r.NormFloat64(), b.r.NormFloat64()}.scale(0.7)).unit()
		next := p.add(d.scale(15))
		for a, lim := range [3][2]float64{{-85, 85}, {18, 90}, {-160, -20}} {
			if next[a] < lim[0] || next[a] > lim[1] {
				d[a] = -d[a]
				next[a] = math.Max(lim[0], math.Min(lim[1], next[a]))
			}
		}
		p = next
		ks = append(ks, knot{p, 11})
	}
	b.viscus(ks, bowel, n)
}

// organs adds the liver, spleen and pancreas.
func (b *builder) organs() {
	axial := func(c vec) frame { return frame{c, vec{1, 0, 0}, vec{0, 1, 0}, vec{0, 0, 1}} }
	b.addInside(newEllipsoid(axial(vec{50, 5, 85}), vec{62, 60, 80}), liver, b.lab.liver)
	b.addInside(newEllipsoid(axial(vec{-25, 40, 115}), vec{55, 32, 40}), liver, b.lab.liver)
	b.addInside(newEllipsoid(newFrame(vec{-85, -40, 92}, vec{-0.2, 0.55, 0.8}, vec{-1, -0.3, 0}), vec{55, 22, 40}), spleen, b.lab.spleen)
	b.viscus([]knot{
		{vec{32, 18, -12}, 16}, {vec{20, 32, 2}, 13}, {vec{4, 42, 8}, 10}, {vec{-30, 35, 18}, 12},
		{vec{-62, 15, 28}, 11}, {vec{-85, -8, 38}, 9},
	}, pancreas, b.lab.pancreas)
}

// ureter adds the ureter from the pelvis down along the psoas, across the
// iliac vessels and into the bladder's posterior wall.
func (b *builder) ureter(side string, upj vec) {
	sx := sideSign(side)
	ks := []knot{{upj, 3}, {vec{sx * 44, -16, upj[2] - 18}, 2.4}}
	for _, p := range []vec{{41, -12, -40}, {44, -6, -70}, {46, -1, -100}, {40, 3, -128}, {33, 2, -145}, {28, -8, -165}, {26, -18, -185}, {22, -12, -198}, {17, 0, -205}} {
		if p[2] < upj[2]-25 {
			ks = append(ks, knot{vec{sx * p[0], p[1], p[2]}, 2.3})
		}
	}
	b.vessel(ks, urine, b.lab.ureter)
}

// bladder adds the urinary bladder, a wall around its urine.
func (b *builder) bladder() {
	f := frame{vec{0, 22, -200}, vec{1, 0, 0}, vec{0, 1, 0}, vec{0, 0, 1}}
	b.add(newEllipsoid(f, vec{45, 32, 35}), muscle, b.lab.bladder)
	b.add(newEllipsoid(f, vec{42, 29, 32}), bladderUrine, b.lab.bladder)
}

// Centrelines of the aorta and the inferior vena cava.
var (
	aortaKnots = []knot{
		{vec{-12, -12, 220}, 12}, {vec{-14, -1, 110}, 12}, {vec{-15, 1, 20}, 11},
		{vec{-12, 1, -40}, 10}, {vec{-6, 2, -80}, 9}, {vec{-3, 2, -95}, 8.5},
	}
	cavaKnots = []knot{
		{vec{12, 2, -100}, 10}, {vec{20, 2, -50}, 11}, {vec{28, 2, 0}, 11},
		{vec{28, 2, 50}, 12}, {vec{22, -6, 120}, 13}, {vec{16, -10, 220}, 14},
	}
)

// alongZ is the centreline point of a tube, sampled as segments, at height
// z (the nearest end beyond it).
func alongZ(ts []tube, z float64) knot {
	best := knot{ts[0].a, ts[0].ra}
	for _, t := range ts {
		lo, hi := math.Min(t.a[2], t.b[2]), math.Max(t.a[2], t.b[2])
		if z >= lo && z <= hi && hi > lo {
			f := (z - t.a[2]) / (t.b[2] - t.a[2])
			return knot{t.a.add(t.b.sub(t.a).scale(f)), t.ra + f*(t.rb-t.ra)}
		}
		if math.Abs(t.b[2]-z) < math.Abs(best.p[2]-z) {
			best = knot{t.b, t.rb}
		}
	}
	return best
}

// wallPoint is a point just inside the wall of a tube at height z, facing
// the direction towards: branches start there so they touch their parent.
func wallPoint(ts []tube, z float64, towards vec) vec {
	c := alongZ(ts, z)
	d := towards.sub(c.p)
	d[2] = 0
	return c.p.add(d.unit().scale(c.r - 1.5))
}

// vessels adds the aorta, the vena cava and their branches: the renal
// arteries and veins (with the sinus branches of each kidney, kept clear
// of its collecting system), an accessory renal artery when the seed chose
// one, and the unlabelled visceral and iliac vessels.
func (b *builder) vessels(p *Params, kid map[string]*kidney, avoid map[string][]nearShape) {
	// The unlabelled branches go first so that the aorta and vena cava
	// keep their labels where the branches start inside them.
	n := b.lab.nothing
	b.vessel([]knot{{vec{-14, 8, 55}, 3.5}, {vec{-13, 25, 60}, 3.5}, {vec{10, 30, 65}, 3}, {vec{40, 25, 70}, 2.5}}, arterialBlood, n)
	b.vessel([]knot{{vec{-13, 25, 60}, 3}, {vec{-40, 18, 55}, 3}, {vec{-70, 5, 55}, 3}, {vec{-88, -15, 55}, 2.5}}, arterialBlood, n)
	b.vessel([]knot{{vec{-13, 10, 32}, 3.5}, {vec{-12, 28, 18}, 3.5}, {vec{-10, 31, 0}, 3.5}, {vec{-7, 33, -40}, 3}, {vec{-4, 38, -90}, 2.5}}, arterialBlood, n)
	b.vessel([]knot{{vec{4, 36, -80}, 5}, {vec{3, 33, -20}, 6}, {vec{6, 31, 14}, 7}, {vec{25, 22, 40}, 8}, {vec{45, 15, 70}, 7.5}}, portalBlood, n)
	b.vessel([]knot{{vec{6, 31, 14}, 5.5}, {vec{-25, 24, 22}, 5}, {vec{-60, 8, 32}, 5}, {vec{-85, -15, 45}, 4.5}}, portalBlood, n)
	for _, sx := range []float64{-1, 1} {
		m := func(x, y, z float64) vec { return vec{sx * x, y, z} }
		b.vessel([]knot{{vec{12, 2, -100}, 8}, {m(25, -12, -130), 7}, {m(40, -22, -150), 7}, {m(50, -18, -180), 6}, {m(57, 0, -220), 6}, {m(65, 20, -280), 6}, {m(68, 26, -340), 6}}, cavalBlood, n)
		b.vessel([]knot{{vec{-3, 2, -95}, 7}, {m(22, -6, -125), 6}, {m(35, -10, -145), 5.5}, {m(50, -5, -175), 5}, {m(65, 12, -215), 4.5}, {m(75, 30, -280), 4.5}, {m(78, 35, -340), 4.5}}, arterialBlood, n)
		b.vessel([]knot{{m(35, -10, -145), 4}, {m(42, -35, -170), 4}, {m(45, -50, -200), 3}}, arterialBlood, n)
	}
	aorta := b.vessel(aortaKnots, arterialBlood, b.lab.aorta)
	cava := b.vessel(cavaKnots, cavalBlood, b.lab.ivc)

	arteries := map[string][]tube{}
	for _, s := range sides {
		k := kid[s]
		arteries[s] = k.segmentalArteries(avoid[s])
		clear := append([]nearShape{}, avoid[s]...)
		for _, t := range arteries[s] {
			clear = append(clear, thick(t))
		}
		hv := k.veinHilum()
		var ks []knot
		if s == "left" {
			// In front of the aorta, under the superior mesenteric artery.
			z := hv[2]
			c := alongZ(cava, z+3)
			ks = []knot{{hv, 4.5}, {vec{-32, 4, z + 2}, 4.5}, {vec{-15, 17, z + 3}, 4.5}, {vec{5, 12, z + 3}, 4.5}, {wallPoint(cava, z+3, c.p.add(vec{-1, 0.3, 0})), 5}}
		} else {
			ks = []knot{{hv, 5}, {wallPoint(cava, hv[2]+4, hv), 5.5}}
		}
		b.vessel(ks, renalVenousBlood, b.lab.vein)
		k.segmentalVeins(b, clear)
	}
	for _, s := range sides {
		ha := kid[s].arteryHilum()
		var ks []knot
		if s == "left" {
			ks = []knot{{wallPoint(aorta, ha[2]+4, ha), 3}, {vec{-36, -10, ha[2] + 2}, 3}, {ha, 2.8}}
		} else {
			// Behind the vena cava.
			start := wallPoint(aorta, ha[2]+6, alongZ(aorta, ha[2]+6).p.add(vec{1, -0.8, 0}))
			ks = []knot{{start, 3}, {vec{10, -13, ha[2] + 5}, 3}, {vec{26, -15, ha[2] + 3}, 3}, {vec{42, -20, ha[2] + 1}, 2.9}, {ha, 2.8}}
		}
		b.vessel(ks, arterialBlood, b.lab.artery)
		for _, t := range arteries[s] {
			b.add(t, arterialBlood, b.lab.artery)
		}
	}
	if acc := p.AccessoryArtery; acc != nil {
		b.vessel(accessoryPath(acc, kid[acc.Side], aorta), arterialBlood, b.lab.artery)
	}
}

// accessoryPath is the centreline of an accessory renal artery from the
// aorta to a pole, passing in front of the ureter (lower pole) and, on the
// right, of the vena cava (lower) or behind it (upper).
func accessoryPath(acc *AccessoryArteryParams, k *kidney, aorta []tube) []knot {
	sx := sideSign(acc.Side)
	a := k.outer.a
	dir := vec{-0.75, 0.55, 0}
	from := vec{-0.6 * a, 0, 0}
	if acc.Pole == "upper" {
		dir, from = vec{0.75, 0.55, 0}, vec{0.6 * a, 0, 0}
	}
	entry := k.outer.surface(from, dir.unit())
	target := k.at(entry.sub(dir.unit().scale(3)))
	outside := k.at(entry.add(dir.unit().scale(12)))
	if acc.Pole == "lower" {
		z := target[2] + 25
		start := wallPoint(aorta, z, alongZ(aorta, z).p.add(vec{sx, 0.9, 0}))
		mid := []knot{{vec{sx * 40, 4, z - 8}, 2.5}}
		if sx > 0 {
			mid = []knot{{vec{12, 16, z - 3}, 2.5}, {vec{40, 6, z - 10}, 2.5}}
		}
		return append(append([]knot{{start, 2.5}}, mid...), knot{outside, 2.2}, knot{target, 2})
	}
	z := target[2] - 25
	start := wallPoint(aorta, z, alongZ(aorta, z).p.add(vec{sx, -0.8, 0}))
	mid := []knot{{vec{sx * 40, -16, z + 8}, 2.5}}
	if sx > 0 {
		mid = []knot{{vec{10, -14, z + 2}, 2.5}, {vec{27, -16, z + 6}, 2.5}}
	}
	return append(append([]knot{{start, 2.5}}, mid...), knot{outside, 2.2}, knot{target, 2})
}
