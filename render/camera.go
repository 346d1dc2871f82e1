package render

import (
	"fmt"
	"math"
)

// View is a standard direction to look at the patient from.
type View string

// The standard views, named for where the camera stands: Anterior looks at
// the patient's front (the patient's right on the picture's left), Right
// at the patient's right side, Superior down from above the head.
const (
	Anterior  View = "anterior"
	Posterior View = "posterior"
	Left      View = "left"
	Right     View = "right"
	Superior  View = "superior"
	Inferior  View = "inferior"
)

// Views lists the standard views in menu order.
var Views = []View{Anterior, Posterior, Left, Right, Superior, Inferior}

// ParseView reads a view name such as "anterior".
func ParseView(s string) (View, error) {
	for _, v := range Views {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("render: unknown view %q (want anterior, posterior, left, right, superior or inferior)", s)
}

// Camera is an orbit camera around Target, in world RAS millimetres. Yaw
// and Pitch are degrees: Yaw 0 stands in front of the patient (+A), 90 at
// the patient's right (+R), 180 behind; Pitch 90 stands above the head
// (+S), -90 below the feet. Distance is from Target to the eye. The
// picture's up is the direction of increasing Pitch, so orbiting is smooth
// through the poles.
type Camera struct {
	Yaw, Pitch float64
	Distance   float64
	Target     [3]float64
}

// fovDegrees is the field of view across the picture's shorter side.
const fovDegrees = 30

// StandardView is the camera that shows all of s from view v. An unknown
// view is treated as Anterior.
func StandardView(v View, s *Scene) Camera {
	return FramedView(v, s, nil)
}

// FramedView is the camera of view v that frames the objects of s named in
// focus (e.g. labels.Focus: the kidneys and tumour), or all of s when none
// of them is in it. The rest of the scene stays drawn around them.
func FramedView(v View, s *Scene, focus []string) Camera {
	center, radius := s.center, s.radius
	if lo, hi, ok := s.box(focus); ok {
		center, radius = scale(add(lo, hi), 0.5), math.Max(dist(lo, hi)/2, 1)
	}
	c := Camera{Target: center, Distance: radius / math.Sin(fovDegrees/2*math.Pi/180) * 1.05}
	switch v {
	case Posterior:
		c.Yaw = 180
	case Left:
		c.Yaw = -90
	case Right:
		c.Yaw = 90
	case Superior:
		c.Pitch = 90
	case Inferior:
		c.Pitch = -90
	}
	return c
}

// frame is the camera's eye position and its unit forward, up and right
// directions.
func (c Camera) frame() (eye, fwd, up, right [3]float64) {
	y, p := c.Yaw*math.Pi/180, c.Pitch*math.Pi/180
	back := [3]float64{math.Sin(y) * math.Cos(p), math.Cos(y) * math.Cos(p), math.Sin(p)}
	up = [3]float64{-math.Sin(y) * math.Sin(p), -math.Cos(y) * math.Sin(p), math.Cos(p)}
	eye = add(c.Target, scale(back, c.Distance))
	fwd = scale(back, -1)
	right = cross(fwd, up)
	return eye, fwd, up, right
}

// mat4 is a column-major 4x4 matrix, as OpenGL reads it.
type mat4 [16]float32

// viewMatrix maps world coordinates to eye coordinates (the eye looks down
// -z with +y up).
func (c Camera) viewMatrix() mat4 {
	eye, fwd, up, right := c.frame()
	var m mat4
	for i := range 3 {
		m[4*i+0] = float32(right[i])
		m[4*i+1] = float32(up[i])
		m[4*i+2] = float32(-fwd[i])
	}
	m[12] = float32(-dot(right, eye))
	m[13] = float32(-dot(up, eye))
	m[14] = float32(dot(fwd, eye))
	m[15] = 1
	return m
}

// projection is the perspective projection for a w×h picture of s: the
// field of view spans the shorter side, and the depth range holds the
// whole scene.
func (c Camera) projection(s *Scene, w, h int) mat4 {
	tx, ty := halfExtents(w, h)
	eye, _, _, _ := c.frame()
	d := dist(eye, s.center)
	far := d + s.radius*1.1
	near := math.Max(d-s.radius*1.1, far*1e-3)
	var m mat4
	m[0] = float32(1 / tx)
	m[5] = float32(1 / ty)
	m[10] = float32(-(far + near) / (far - near))
	m[11] = -1
	m[14] = float32(-2 * far * near / (far - near))
	return m
}

// ZoomAt is c moved toward its target so that Distance is multiplied by
// factor, with the target moved so that the point of the target's plane
// under pixel (x, y) of a w×h picture stays under it: zoom about the
// pointer.
func (c Camera) ZoomAt(w, h int, x, y, factor float64) Camera {
	if w <= 0 || h <= 0 || factor <= 0 {
		return c
	}
	_, _, up, right := c.frame()
	tx, ty := halfExtents(w, h)
	nx := 2*x/float64(w) - 1
	ny := 1 - 2*y/float64(h)
	// The pixel's point on the target's plane, relative to the target.
	off := add(scale(right, nx*tx*c.Distance), scale(up, ny*ty*c.Distance))
	c.Target = add(c.Target, scale(off, 1-factor))
	c.Distance *= factor
	return c
}
