// Package renderframes is the one place the desktop app meets package
// render: it adapts render.Renderer to ui.FrameSource.
package renderframes

import (
	"errors"
	"image"
	"sync"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/render"
	"kidney3d/ui"
)

// Source draws frames with an offscreen render.Renderer.
type Source struct {
	r     *render.Renderer
	mu    sync.Mutex
	scene *render.Scene
}

// New starts the offscreen renderer; its error says why 3D is unavailable.
func New() (ui.FrameSource, error) {
	r, err := render.NewRenderer()
	if err != nil {
		return nil, err
	}
	return &Source{r: r}, nil
}

// SetScene implements ui.FrameSource: what the scene shown prepared for
// meshes the new one keeps is reused (render.UpdateScene).
func (s *Source) SetScene(objs []meshio.Object) {
	s.mu.Lock()
	prev := s.scene
	s.mu.Unlock()
	sc := render.UpdateScene(prev, objs)
	s.mu.Lock()
	s.scene = sc
	s.mu.Unlock()
	s.r.SetScene(sc)
}

// StandardView implements ui.FrameSource: the view framed on the kidneys
// and tumour (labels.Focus).
func (s *Source) StandardView(view string) ui.Camera {
	s.mu.Lock()
	sc := s.scene
	s.mu.Unlock()
	if sc == nil {
		return ui.Camera{}
	}
	return fromRender(render.FramedView(render.View(view), sc, labels.Focus))
}

// ZoomAt implements ui.FrameSource (render.Camera.ZoomAt).
func (s *Source) ZoomAt(c ui.Camera, w, h int, x, y, factor float64) ui.Camera {
	return fromRender(toRender(c).ZoomAt(w, h, x, y, factor))
}

func toRender(c ui.Camera) render.Camera {
	return render.Camera{Yaw: c.Yaw, Pitch: c.Pitch, Distance: c.Distance, Target: c.Target}
}

func fromRender(c render.Camera) ui.Camera {
	return ui.Camera{Yaw: c.Yaw, Pitch: c.Pitch, Distance: c.Distance, Target: c.Target}
}

// Render implements ui.FrameSource: a request that a newer one replaced
// before it was drawn is dropped without calling done.
func (s *Source) Render(req ui.FrameRequest, done func(*image.RGBA, error)) {
	s.r.Render(request(req), func(img *image.RGBA, err error) {
		if errors.Is(err, render.ErrSuperseded) {
			return
		}
		done(img, err)
	})
}

// Pick implements ui.FrameSource.
func (s *Source) Pick(req ui.FrameRequest, x, y int) (string, [3]float64, bool) {
	return s.r.Pick(request(req), x, y)
}

// ViewProj implements ui.FrameSource (render.Renderer.ViewProj).
func (s *Source) ViewProj(req ui.FrameRequest) ([16]float64, bool) {
	return s.r.ViewProj(request(req))
}

// Close implements ui.FrameSource.
func (s *Source) Close() { s.r.Close() }

// request is req for the renderer, with the surgeon's cues
// (render.Surgical: orientation marker, lesions seen through the kidney).
func request(req ui.FrameRequest) render.Request {
	return render.Surgical(render.Request{
		Width: req.Width, Height: req.Height, Camera: toRender(req.Camera),
		Hidden: req.Hidden, Opacity: req.Opacity, Selected: req.Selected, Draft: req.Draft,
	})
}

var _ ui.FrameSource = (*Source)(nil)
