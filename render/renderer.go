package render

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
)

// Request is one picture to render.
type Request struct {
	Width, Height int             // picture size in pixels
	Camera        Camera          // where to look from
	Hidden        map[string]bool // structures not to draw, by label name
	Opacity       map[string]float64
	// Opacity is 0..1 per label name; a label not in it keeps its colour's
	// alpha from the label table. 0 hides the structure.
	Selected string // label drawn with the highlight, "" for none
	// Draft renders at half the width and height, for frames while the
	// user drags: the image is smaller than asked and the caller stretches
	// it.
	Draft bool
	// Marker draws the orientation marker (R, A and S arms as the camera
	// sees them) into the picture's top-right corner.
	Marker bool
	// SeeThrough are structures, by label name, also drawn where opaque
	// ones hide them, blended over those (e.g. a tumour inside its kidney).
	SeeThrough map[string]bool
}

// size is the picture size req asks for, halved when drafting.
func (req Request) size() (w, h int, err error) {
	if req.Width <= 0 || req.Height <= 0 {
		return 0, 0, fmt.Errorf("render: bad picture size %dx%d", req.Width, req.Height)
	}
	w, h = req.Width, req.Height
	if req.Draft {
		w, h = max(w/2, 1), max(h/2, 1)
	}
	return w, h, nil
}

// ErrSuperseded is given to the done function of a request that a newer
// Render call replaced before it was drawn.
var ErrSuperseded = errors.New("render: superseded by a newer request")

// ErrClosed is returned by a Renderer after Close.
var ErrClosed = errors.New("render: renderer closed")

// Renderer draws scenes offscreen. One goroutine, locked to its OS thread,
// owns the OpenGL context; every method may be called from any goroutine.
type Renderer struct {
	scene atomic.Pointer[Scene]
	info  string

	mu      sync.Mutex
	pending *job  // newest asynchronous request not yet started
	stale   []job // requests pending replaced, to be told ErrSuperseded
	closed  bool

	wake  chan struct{} // a request is pending (capacity 1)
	calls chan func()   // synchronous work to run on the GL goroutine
	quit  chan struct{} // closed by Close
	gone  chan struct{} // closed when the GL goroutine has ended
	once  sync.Once     // closes quit
	st    *glState      // owned by the GL goroutine
}

// job is one asynchronous request and whom to tell.
type job struct {
	req  Request
	done func(*image.RGBA, error)
}

// NewRenderer starts the GL goroutine and makes its context. The error
// names what is missing, such as "EGL: no display: libEGL.so.1 not found".
func NewRenderer() (*Renderer, error) {
	r := &Renderer{
		wake:  make(chan struct{}, 1),
		calls: make(chan func()),
		quit:  make(chan struct{}),
		gone:  make(chan struct{}),
	}
	started := make(chan error)
	go r.loop(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return r, nil
}

// loop is the GL goroutine.
func (r *Renderer) loop(started chan<- error) {
	runtime.LockOSThread()
	defer close(r.gone)
	ctx, err := newContext()
	if err != nil {
		started <- err
		return
	}
	r.st, err = newGLState()
	if err != nil {
		ctx.release()
		started <- err
		return
	}
	r.info = r.st.version() + " (" + ctx.describe() + ")"
	started <- nil
	for {
		select {
		case f := <-r.calls:
			f()
		case <-r.wake:
			if p := r.takeRequests(ErrSuperseded); p != nil {
				p.done(r.draw(p.req))
			}
		case <-r.quit:
			if p := r.takeRequests(ErrClosed); p != nil {
				p.done(nil, ErrClosed)
			}
			ctx.release()
			return
		}
	}
}

// draw renders one request on the GL goroutine.
func (r *Renderer) draw(req Request) (*image.RGBA, error) {
	w, h, err := req.size()
	if err != nil {
		return nil, err
	}
	return r.st.draw(r.scene.Load(), req, w, h)
}

// Info names the OpenGL renderer and how its context was made, for logs
// and benchmark reports (e.g. "llvmpipe (LLVM 15.0.6, 256 bits), OpenGL
// 4.5 (Core Profile) Mesa 22.3.6 (EGL 1.5 device)").
func (r *Renderer) Info() string { return r.info }

// SetScene sets the scene later requests draw; nil draws nothing and makes
// requests fail. The scene is uploaded to the GPU by the next request.
func (r *Renderer) SetScene(s *Scene) { r.scene.Store(s) }

// Render draws req asynchronously and calls done from the GL goroutine with
// a new image the caller owns. The newest request wins: one still waiting
// when Render is called again is not drawn, and its done gets
// (nil, ErrSuperseded). After Close, done gets (nil, ErrClosed) at once, on
// the calling goroutine. done must not call the Renderer's RenderSync.
func (r *Renderer) Render(req Request, done func(img *image.RGBA, err error)) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		done(nil, ErrClosed)
		return
	}
	if r.pending != nil {
		r.stale = append(r.stale, *r.pending)
	}
	r.pending = &job{req: req, done: done}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default: // the GL goroutine is already due to look
	}
}

// RenderSync draws req and waits for the picture. It does not disturb
// pending Render requests.
func (r *Renderer) RenderSync(req Request) (*image.RGBA, error) {
	var (
		img *image.RGBA
		err error
	)
	ran := make(chan struct{})
	select {
	case r.calls <- func() { img, err = r.draw(req); close(ran) }:
		<-ran
		return img, err
	case <-r.gone:
		return nil, ErrClosed
	case <-r.quit:
		return nil, ErrClosed
	}
}

// Close stops the GL goroutine and frees its context, after telling every
// waiting request ErrClosed. It may be called more than once.
func (r *Renderer) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.once.Do(func() { close(r.quit) })
	<-r.gone
}

// takeRequests empties the queue on the GL goroutine: it tells every
// replaced request err and returns the newest one, or nil.
func (r *Renderer) takeRequests(err error) *job {
	r.mu.Lock()
	p, stale := r.pending, r.stale
	r.pending, r.stale = nil, nil
	r.mu.Unlock()
	for _, j := range stale {
		j.done(nil, err)
	}
	return p
}
