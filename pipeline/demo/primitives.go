package demo

import "math"

// box is an axis-aligned world box.
type box struct{ lo, hi vec }

// grow widens the box by m on every side.
func (b box) grow(m float64) box {
	return box{b.lo.sub(vec{m, m, m}), b.hi.add(vec{m, m, m})}
}

// union is the smallest box holding both.
func (b box) union(c box) box {
	for a := range 3 {
		b.lo[a] = math.Min(b.lo[a], c.lo[a])
		b.hi[a] = math.Max(b.hi[a], c.hi[a])
	}
	return b
}

// shape is a solid in world space. inside is exact; bounds holds every
// inside point.
type shape interface {
	bounds() box
	inside(p vec) bool
}

// spanner is a shape that can say where a row of constant y and z crosses
// it: the interval [x0, x1] (empty when x0 > x1) holds every inside point
// of the row, and when exact every point in it is inside, so the
// rasteriser fills the row without testing each voxel.
type spanner interface {
	span(y, z float64) (x0, x1 float64, exact bool)
}

// ellipsoid is a solid ellipsoid with semi-axes r along its frame's axes.
type ellipsoid struct {
	f frame
	r vec
	q [3][3]float64 // quadric: inside when dᵀ q d ≤ 1, d = p - centre
}

func newEllipsoid(f frame, r vec) *ellipsoid {
	e := &ellipsoid{f: f, r: r}
	axes := [3]vec{f.eu, f.ev, f.ew}
	for i := range 3 {
		for j := range 3 {
			for a := range 3 {
				e.q[i][j] += axes[a][i] * axes[a][j] / (r[a] * r[a])
			}
		}
	}
	return e
}

// sphere is a ball of radius r around c.
func sphere(c vec, r float64) *ellipsoid {
	return newEllipsoid(frame{o: c, eu: vec{1, 0, 0}, ev: vec{0, 1, 0}, ew: vec{0, 0, 1}}, vec{r, r, r})
}

// rho2 is the squared ellipsoidal radius of p: 1 on the surface.
func (e *ellipsoid) rho2(p vec) float64 {
	d := p.sub(e.f.o)
	var s float64
	for i := range 3 {
		s += d[i] * (e.q[i][0]*d[0] + e.q[i][1]*d[1] + e.q[i][2]*d[2])
	}
	return s
}

func (e *ellipsoid) inside(p vec) bool { return e.rho2(p) <= 1 }

func (e *ellipsoid) bounds() box {
	var h vec
	axes := [3]vec{e.f.eu, e.f.ev, e.f.ew}
	for k := range 3 {
		for a := range 3 {
			h[k] += (e.r[a] * axes[a][k]) * (e.r[a] * axes[a][k])
		}
		h[k] = math.Sqrt(h[k])
	}
	return box{e.f.o.sub(h), e.f.o.add(h)}
}

func (e *ellipsoid) span(y, z float64) (x0, x1 float64, exact bool) {
	dy, dz := y-e.f.o[1], z-e.f.o[2]
	d0, d1, ok := solveQuadratic(e.q[0][0], 2*(e.q[0][1]*dy+e.q[0][2]*dz), e.q[1][1]*dy*dy+2*e.q[1][2]*dy*dz+e.q[2][2]*dz*dz-1)
	if !ok {
		return 1, 0, true
	}
	return e.f.o[0] + d0, e.f.o[0] + d1, true
}

// solveQuadratic is the interval where a·x² + b·x + c ≤ 0 for a > 0.
func solveQuadratic(a, b, c float64) (x0, x1 float64, ok bool) {
	disc := b*b - 4*a*c
	if disc < 0 {
		return 0, 0, false
	}
	s := math.Sqrt(disc)
	return (-b - s) / (2 * a), (-b + s) / (2 * a), true
}

// near reports whether p may lie within m of the ellipsoid: it tests the
// ellipsoid scaled by 1 + m/(smallest semi-axis), which holds every point
// within m.
func (e *ellipsoid) near(p vec, m float64) bool {
	k := 1 + m/math.Min(e.r[0], math.Min(e.r[1], e.r[2]))
	return e.rho2(p) <= k*k
}

// tube is a segment from a to b whose radius goes linearly from ra to rb,
// with round ends: chained segments make a smooth vessel.
type tube struct {
	a, b   vec
	ra, rb float64
}

// closest is the distance from p to the axis and the radius there.
func (t tube) closest(p vec) (d, r float64) {
	ab := t.b.sub(t.a)
	l2 := ab.dot(ab)
	s := 0.0
	if l2 > 0 {
		s = math.Max(0, math.Min(1, p.sub(t.a).dot(ab)/l2))
	}
	return p.sub(t.a.add(ab.scale(s))).norm(), t.ra + (t.rb-t.ra)*s
}

func (t tube) inside(p vec) bool {
	d, r := t.closest(p)
	return d <= r
}

func (t tube) near(p vec, m float64) bool {
	d, r := t.closest(p)
	return d <= r+m
}

// span bounds the row by the infinite cylinder of the tube's larger radius
// around its axis.
func (t tube) span(y, z float64) (x0, x1 float64, exact bool) {
	r := math.Max(t.ra, t.rb)
	ab := t.b.sub(t.a)
	l := ab.norm()
	if l == 0 {
		ab, l = vec{0, 1, 0}, 1
	}
	u := ab.scale(1 / l)
	w0 := vec{0, y - t.a[1], z - t.a[2]}
	wu := w0.dot(u)
	a := 1 - u[0]*u[0]
	c := w0.dot(w0) - wu*wu - r*r
	if a < 1e-9 {
		if c > 0 {
			return 1, 0, false
		}
		b := t.bounds()
		return b.lo[0], b.hi[0], false
	}
	d0, d1, ok := solveQuadratic(a, -2*u[0]*wu, c)
	if !ok {
		return 1, 0, false
	}
	return t.a[0] + d0, t.a[0] + d1, false
}

func (t tube) bounds() box {
	r := math.Max(t.ra, t.rb)
	return box{t.a, t.a}.union(box{t.b, t.b}).grow(r)
}

// tubes chains the knots of a centreline into tube segments.
func tubes(ks []knot) []tube {
	out := make([]tube, 0, len(ks)-1)
	for i := 0; i+1 < len(ks); i++ {
		out = append(out, tube{ks[i].p, ks[i+1].p, ks[i].r, ks[i+1].r})
	}
	return out
}

// section is an axial ellipse of a column at height z.
type section struct {
	z, cx, cy, rx, ry float64
}

// column is a solid whose axial cross-sections are ellipses interpolated
// linearly between sections ordered by z (the body wall, vertebral bodies,
// paraspinal muscles). inset shrinks every ellipse by that many mm.
type column struct {
	secs  []section
	inset float64
}

// at is the column's ellipse at height z.
func (c column) at(z float64) (section, bool) {
	s := c.secs
	if z < s[0].z || z > s[len(s)-1].z {
		return section{}, false
	}
	i := 1
	for i < len(s)-1 && s[i].z < z {
		i++
	}
	a, b := s[i-1], s[i]
	t := 0.0
	if b.z > a.z {
		t = (z - a.z) / (b.z - a.z)
	}
	l := func(x, y float64) float64 { return x + (y-x)*t }
	out := section{z, l(a.cx, b.cx), l(a.cy, b.cy), l(a.rx, b.rx) - c.inset, l(a.ry, b.ry) - c.inset}
	return out, out.rx > 0 && out.ry > 0
}

func (c column) inside(p vec) bool {
	s, ok := c.at(p[2])
	if !ok {
		return false
	}
	dx, dy := (p[0]-s.cx)/s.rx, (p[1]-s.cy)/s.ry
	return dx*dx+dy*dy <= 1
}

func (c column) span(y, z float64) (x0, x1 float64, exact bool) {
	s, ok := c.at(z)
	if !ok {
		return 1, 0, true
	}
	dy := (y - s.cy) / s.ry
	if dy*dy > 1 {
		return 1, 0, true
	}
	h := s.rx * math.Sqrt(1-dy*dy)
	return s.cx - h, s.cx + h, true
}

func (c column) bounds() box {
	b := box{vec{math.Inf(1), math.Inf(1), c.secs[0].z}, vec{math.Inf(-1), math.Inf(-1), c.secs[len(c.secs)-1].z}}
	for _, s := range c.secs {
		b.lo[0] = math.Min(b.lo[0], s.cx-s.rx)
		b.hi[0] = math.Max(b.hi[0], s.cx+s.rx)
		b.lo[1] = math.Min(b.lo[1], s.cy-s.ry)
		b.hi[1] = math.Max(b.hi[1], s.cy+s.ry)
	}
	return b
}

// within is the part of a shape inside a column: an organ kept inside the
// abdominal wall.
type within struct {
	s shape
	c column
}

func (w within) inside(p vec) bool { return w.c.inside(p) && w.s.inside(p) }
func (w within) bounds() box       { return w.s.bounds() }

func (w within) span(y, z float64) (x0, x1 float64, exact bool) {
	x0, x1, exact = w.c.span(y, z)
	if sp, ok := w.s.(spanner); ok {
		a, b, e := sp.span(y, z)
		return math.Max(x0, a), math.Min(x1, b), exact && e
	}
	return x0, x1, false
}

// bean is a kidney's outer surface: an ellipsoid with semi-axes a (long,
// eu), b (towards the hilum, ev) and c (ew) whose poles curve towards the
// hilum by bend·b, so that the medial border is concave.
type bean struct {
	f       frame
	a, b, c float64
	bend    float64
}

// rho2 is the squared normalised radius of local point l: ≤ 1 inside.
func (k bean) rho2(l vec) float64 {
	s := l[0] / k.a
	v := (l[1] - k.bend*k.b*s*s) / k.b
	w := l[2] / k.c
	return s*s + v*v + w*w
}

func (k bean) inside(p vec) bool { return k.rho2(k.f.local(p)) <= 1 }

func (k bean) bounds() box {
	return newEllipsoid(k.f, vec{k.a, k.b * (1 + k.bend), k.c}).bounds()
}

// surface is the local point where the ray from local point from along dir
// leaves the bean (from must be inside).
func (k bean) surface(from, dir vec) vec {
	lo, hi := 0.0, 2*(k.a+k.b+k.c)
	for range 40 {
		mid := (lo + hi) / 2
		if k.rho2(from.add(dir.scale(mid))) <= 1 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return from.add(dir.scale(lo))
}

// sinus is the renal sinus: an ellipsoidal cavity inside the bean joined to
// the medial surface by the hilum, a channel opening towards +v.
type sinus struct {
	k       bean
	cavity  vec // local centre of the cavity
	r       vec // cavity semi-axes
	hilum   vec // local centre of the hilum's opening
	opening [2]float64
}

func (s sinus) inside(p vec) bool {
	l := s.k.f.local(p)
	if s.k.rho2(l) > 1 {
		return false
	}
	d := l.sub(s.cavity)
	if (d[0]*d[0])/(s.r[0]*s.r[0])+(d[1]*d[1])/(s.r[1]*s.r[1])+(d[2]*d[2])/(s.r[2]*s.r[2]) <= 1 {
		return true
	}
	h := l.sub(s.hilum)
	return l[1] >= s.cavity[1] && (h[0]*h[0])/(s.opening[0]*s.opening[0])+(h[2]*h[2])/(s.opening[1]*s.opening[1]) <= 1
}

func (s sinus) bounds() box { return s.k.bounds() }
