package demo

import "math"

// vec is a point or direction in world RAS millimetres.
type vec [3]float64

func (a vec) add(b vec) vec       { return vec{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec) sub(b vec) vec       { return vec{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec) scale(s float64) vec { return vec{a[0] * s, a[1] * s, a[2] * s} }
func (a vec) dot(b vec) float64   { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec) norm() float64       { return math.Sqrt(a.dot(a)) }

func (a vec) cross(b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// unit is a scaled to length 1.
func (a vec) unit() vec { return a.scale(1 / a.norm()) }

// frame is an orthonormal local coordinate system: local (u, v, w) is the
// world point o + u·eu + v·ev + w·ew.
type frame struct {
	o          vec
	eu, ev, ew vec
}

// newFrame builds a frame at o whose first axis is along u and whose second
// axis is the part of v orthogonal to u; the third completes a right-handed
// system.
func newFrame(o, u, v vec) frame {
	eu := u.unit()
	ev := v.sub(eu.scale(v.dot(eu))).unit()
	return frame{o: o, eu: eu, ev: ev, ew: eu.cross(ev)}
}

// local maps a world point into the frame.
func (f frame) local(p vec) vec {
	d := p.sub(f.o)
	return vec{d.dot(f.eu), d.dot(f.ev), d.dot(f.ew)}
}

// world maps local coordinates to a world point.
func (f frame) world(l vec) vec {
	return f.o.add(f.eu.scale(l[0])).add(f.ev.scale(l[1])).add(f.ew.scale(l[2]))
}

// dir maps a local direction to a world direction.
func (f frame) dir(l vec) vec {
	return f.eu.scale(l[0]).add(f.ev.scale(l[1])).add(f.ew.scale(l[2]))
}

// knot is a control point of a tube's centreline with the tube radius there.
type knot struct {
	p vec
	r float64
}

// spline samples the Catmull-Rom curve through the knots (positions and
// radii alike) every step millimetres or less; the first and last knots are
// kept exactly.
func spline(ks []knot, step float64) []knot {
	if len(ks) < 2 {
		return ks
	}
	out := []knot{ks[0]}
	for s := 0; s+1 < len(ks); s++ {
		k0, k1, k2, k3 := ks[max(s-1, 0)], ks[s], ks[s+1], ks[min(s+2, len(ks)-1)]
		n := max(1, int(math.Ceil(k2.p.sub(k1.p).norm()/step)))
		for i := 1; i <= n; i++ {
			t := float64(i) / float64(n)
			var p vec
			for a := range 3 {
				p[a] = catmullRom(k0.p[a], k1.p[a], k2.p[a], k3.p[a], t)
			}
			r := catmullRom(k0.r, k1.r, k2.r, k3.r, t)
			out = append(out, knot{p, math.Max(r, math.Min(k1.r, k2.r))})
		}
	}
	return out
}

// catmullRom interpolates between b and c (t in [0, 1]) with neighbours a, d.
func catmullRom(a, b, c, d, t float64) float64 {
	t2, t3 := t*t, t*t*t
	return 0.5 * (2*b + (c-a)*t + (2*a-5*b+4*c-d)*t2 + (3*b-a-3*c+d)*t3)
}

// deg converts degrees to radians.
func deg(a float64) float64 { return a * math.Pi / 180 }
