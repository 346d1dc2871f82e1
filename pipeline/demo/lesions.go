package demo

import "math/rand/v2"

// lesionCentre is the world centre of a lesion of radius rad placed on k as
// l says: on the kidney surface at its pole and face, moved outwards or
// inwards by the growth pattern (out is drawn in [0, 1)).
func (k *kidney) lesionCentre(l LesionParams, rad, out float64) vec {
	u := map[string]float64{"upper": 0.55, "interpolar": 0, "lower": -0.55}[l.Pole]
	face := map[string]vec{"anterior": {0, 0, 1}, "posterior": {0, 0, -1}, "lateral": {0, -1, 0}, "medial": {0, 1, 0}}[l.Face]
	dir := face.add(vec{1.2 * u, 0, 0}).unit()
	from := vec{u * k.outer.a, k.outer.bend * k.outer.b * u * u, 0}
	var depth float64
	switch l.Growth {
	case "exophytic":
		depth = (0.15 + 0.3*out) * rad
	case "mesophytic":
		depth = -(0.15 + 0.45*out) * rad
	default:
		depth = -(rad + 2.5)
	}
	return k.at(k.outer.surface(from, dir).add(dir.scale(depth)))
}

// randomUnit is a direction drawn uniformly on the sphere.
func randomUnit(r *rand.Rand) vec {
	return vec{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}.unit()
}

// lesions adds the tumour (an ellipsoid with lobules and, when necrotic, a
// non-enhancing core) and the cyst, and records their centres in p. A cyst
// that would touch the tumour moves to the other kidney.
func (b *builder) lesions(p *Params, kid map[string]*kidney) {
	t := &p.Tumor
	rad := t.DiameterMM / 2
	c := kid[t.Side].lesionCentre(t.LesionParams, rad, b.r.Float64())
	t.CenterMM = c
	f := newFrame(c, randomUnit(b.r), randomUnit(b.r))
	b.add(newEllipsoid(f, vec{rad, rad * (0.85 + 0.15*b.r.Float64()), rad * (0.8 + 0.2*b.r.Float64())}), tumour, b.lab.tumor)
	lobR, lobOff := 0.3+0.2*b.r.Float64(), 0.5+0.2*b.r.Float64()
	if t.Growth == "endophytic" {
		lobR, lobOff = 0.3, 0.5
	}
	for range 2 + b.r.IntN(3) {
		b.add(sphere(c.add(randomUnit(b.r).scale(lobOff*rad)), lobR*rad), tumour, b.lab.tumor)
	}
	if t.Necrotic {
		b.add(newEllipsoid(f, vec{0.45 * rad, 0.35 * rad, 0.4 * rad}), necrosis, b.lab.tumor)
	}
	cy := p.Cyst
	if cy == nil {
		return
	}
	cr := cy.DiameterMM / 2
	out := b.r.Float64()
	cc := kid[cy.Side].lesionCentre(*cy, cr, out)
	if cc.sub(c).norm() < 1.25*rad+cr+4 {
		cy.Side = map[string]string{"left": "right", "right": "left"}[cy.Side]
		cc = kid[cy.Side].lesionCentre(*cy, cr, out)
	}
	cy.CenterMM = cc
	b.add(newEllipsoid(newFrame(cc, randomUnit(b.r), randomUnit(b.r)), vec{cr, cr * 0.92, cr * 0.88}), cystFluid, b.lab.cyst)
}
