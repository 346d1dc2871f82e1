package render

import "math"

// Pick finds the structure under pixel (x, y) of the picture req describes
// (pixels from the top-left of a req.Width×req.Height picture; Draft does
// not matter) and the world point hit, in millimetres. Hidden and fully
// transparent structures are not hit; translucent ones are. ok is false
// over the background or before SetScene. Pick ray-casts on the CPU
// against the meshes, so it does not wait for the GL goroutine.
func (r *Renderer) Pick(req Request, x, y int) (label string, world [3]float64, ok bool) {
	s := r.scene.Load()
	if s == nil || req.Width <= 0 || req.Height <= 0 {
		return "", world, false
	}
	eye, fwd, up, right := req.Camera.frame()
	tx, ty := halfExtents(req.Width, req.Height)
	nx := 2*(float64(x)+0.5)/float64(req.Width) - 1
	ny := 1 - 2*(float64(y)+0.5)/float64(req.Height)
	dir := normalize(add(fwd, add(scale(right, nx*tx), scale(up, ny*ty))))
	best := math.Inf(1)
	for _, o := range s.objects {
		if req.alpha(o) <= 0 || !rayHitsBox(eye, dir, o.lo, o.hi, best) {
			continue
		}
		if t, hit := rayMesh(eye, dir, o, best); hit {
			best, label = t, o.name
		}
	}
	if label == "" {
		return "", world, false
	}
	return label, add(eye, scale(dir, best)), true
}

// ViewProj is the projection × view matrix that Render draws req with
// over the current scene, row-major, mapping world RAS millimetres (a
// column vector x, y, z, 1) to clip space: the 3D view's projection for
// the editor's scissors (segtools.View). ok is false before SetScene.
func (r *Renderer) ViewProj(req Request) (m [16]float64, ok bool) {
	s := r.scene.Load()
	if s == nil || req.Width <= 0 || req.Height <= 0 {
		return m, false
	}
	p, v := req.Camera.projection(s, req.Width, req.Height), req.Camera.viewMatrix()
	// Both are column-major: element (row, col) at col*4+row.
	for row := range 4 {
		for col := range 4 {
			var x float64
			for k := range 4 {
				x += float64(p[k*4+row]) * float64(v[col*4+k])
			}
			m[row*4+col] = x
		}
	}
	return m, true
}

// halfExtents is tan of half the field of view across and up the picture.
func halfExtents(w, h int) (tx, ty float64) {
	aspect := float64(w) / float64(h)
	t := math.Tan(fovDegrees / 2 * math.Pi / 180)
	if aspect < 1 {
		return t, t / aspect
	}
	return t * aspect, t
}

// rayHitsBox reports whether the ray meets the box closer than maxT (slab
// test).
func rayHitsBox(o, d, lo, hi [3]float64, maxT float64) bool {
	t0, t1 := 0.0, maxT
	for i := range 3 {
		if d[i] == 0 {
			if o[i] < lo[i] || o[i] > hi[i] {
				return false
			}
			continue
		}
		a, b := (lo[i]-o[i])/d[i], (hi[i]-o[i])/d[i]
		if a > b {
			a, b = b, a
		}
		t0, t1 = math.Max(t0, a), math.Min(t1, b)
		if t0 > t1 {
			return false
		}
	}
	return true
}

// rayMesh is the nearest hit of the ray on ob's triangles closer than maxT
// (Möller–Trumbore, both sides).
func rayMesh(o, d [3]float64, ob object, maxT float64) (float64, bool) {
	m := ob.mesh
	best, hit := maxT, false
	for _, t := range m.Triangles {
		a := to64(m.Positions[t[0]])
		e1 := sub(to64(m.Positions[t[1]]), a)
		e2 := sub(to64(m.Positions[t[2]]), a)
		p := cross(d, e2)
		det := dot(e1, p)
		if math.Abs(det) < 1e-12 {
			continue
		}
		inv := 1 / det
		s := sub(o, a)
		u := dot(s, p) * inv
		if u < 0 || u > 1 {
			continue
		}
		q := cross(s, e1)
		v := dot(d, q) * inv
		if v < 0 || u+v > 1 {
			continue
		}
		if dist := dot(e2, q) * inv; dist > 0 && dist < best {
			best, hit = dist, true
		}
	}
	return best, hit
}
