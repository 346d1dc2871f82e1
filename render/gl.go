package render

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/g3n/engine/gls"
)

// Background is the colour behind the model: a dark grey, as clinical 3D
// viewers use.
var Background = color.RGBA{R: 24, G: 24, B: 28, A: 255}

// Highlight is the colour the selected structure's silhouette glows with.
var Highlight = color.RGBA{R: 255, G: 230, B: 90, A: 255}

const vertexShader = `#version 330 core
layout(location = 0) in vec3 aPos;
layout(location = 1) in vec3 aNormal;
uniform mat4 uView;
uniform mat4 uProj;
out vec3 vNormal;
out vec3 vEye;
void main() {
	vec4 e = uView * vec4(aPos, 1.0);
	vEye = e.xyz;
	vNormal = mat3(uView) * aNormal;
	gl_Position = uProj * e;
}
`

// The fragment shader lights with a headlight (a directional light along
// the view direction) and an ambient term, Blinn-Phong, two-sided, and
// adds a rim of the highlight colour to the selected structure.
const fragmentShader = `#version 330 core
in vec3 vNormal;
in vec3 vEye;
uniform vec4 uColor;
uniform vec3 uHighlight;
uniform float uSelected;
out vec4 fragColor;
void main() {
	vec3 n = normalize(vNormal);
	if (!gl_FrontFacing) n = -n;
	vec3 v = normalize(-vEye);
	const vec3 l = vec3(0.0, 0.0, 1.0);
	float diffuse = max(dot(n, l), 0.0);
	float specular = pow(max(dot(n, normalize(l + v)), 0.0), 40.0);
	vec3 c = uColor.rgb * (0.25 + 0.75 * diffuse) + vec3(0.2 * specular);
	float rim = pow(1.0 - max(dot(n, v), 0.0), 2.0);
	c = mix(c, uHighlight, uSelected * (0.4 + 0.6 * rim));
	fragColor = vec4(c, uColor.a);
}
`

// glState is what the render goroutine keeps on the GPU: the program, the
// offscreen framebuffer and the uploaded scene. Only that goroutine uses it.
type glState struct {
	gs      *gls.GLS
	prog    *gls.Program
	uView   int32
	uProj   int32
	uColor  int32
	uHigh   int32
	uSel    int32
	fbo     uint32
	color   uint32
	depth   uint32
	fboW    int
	fboH    int
	scene   *Scene
	buffers [][]gpuMesh // per scene object, per level of detail
}

// gpuMesh is one object's vertex array and buffers.
type gpuMesh struct {
	vao, pos, nrm, idx uint32
	count              int32
}

// newGLState sets up GL on the current context: it loads the entry points
// (through g3n's loader), compiles the shaders and makes the framebuffer.
func newGLState() (*glState, error) {
	gs, err := gls.New()
	if err != nil {
		return nil, fmt.Errorf("OpenGL: %w", err)
	}
	// g3n's loader exits the process on any GL error while checking is on.
	gs.SetCheckErrors(false)
	st := &glState{gs: gs}
	st.prog = gs.NewProgram()
	st.prog.AddShader(gls.VERTEX_SHADER, vertexShader)
	st.prog.AddShader(gls.FRAGMENT_SHADER, fragmentShader)
	if err := st.prog.Build(); err != nil {
		return nil, fmt.Errorf("OpenGL: shaders: %w", err)
	}
	gs.UseProgram(st.prog)
	st.uView = st.prog.GetUniformLocation("uView")
	st.uProj = st.prog.GetUniformLocation("uProj")
	st.uColor = st.prog.GetUniformLocation("uColor")
	st.uHigh = st.prog.GetUniformLocation("uHighlight")
	st.uSel = st.prog.GetUniformLocation("uSelected")
	st.fbo = gs.GenFramebuffer()
	st.color = gs.GenRenderbuffer()
	st.depth = gs.GenRenderbuffer()
	gs.Enable(gls.DEPTH_TEST)
	gs.DepthFunc(gls.LEQUAL)
	gs.Enable(gls.SCISSOR_TEST)
	gs.FrontFace(gls.CCW)
	gs.Disable(gls.POLYGON_OFFSET_FILL)
	gs.BlendEquation(gls.FUNC_ADD)
	// Keep the picture opaque: blend colour, accumulate alpha towards 1.
	gs.BlendFuncSeparate(gls.SRC_ALPHA, gls.ONE_MINUS_SRC_ALPHA, gls.ONE, gls.ONE_MINUS_SRC_ALPHA)
	return st, nil
}

// version is the GL_RENDERER and GL_VERSION strings.
func (st *glState) version() string {
	return st.gs.GetString(gls.RENDERER) + ", OpenGL " + st.gs.GetString(gls.VERSION)
}

// ensureFramebuffer makes the framebuffer at least w×h; it only grows, and
// smaller pictures use its lower-left corner.
func (st *glState) ensureFramebuffer(w, h int) error {
	gs := st.gs
	gs.BindFramebuffer(st.fbo)
	if w <= st.fboW && h <= st.fboH {
		return nil
	}
	nw, nh := max(w, st.fboW), max(h, st.fboH)
	gs.BindRenderbuffer(st.color)
	gs.RenderbufferStorage(gls.RGBA8, nw, nh)
	gs.FramebufferRenderbuffer(gls.COLOR_ATTACHMENT0, st.color)
	gs.BindRenderbuffer(st.depth)
	gs.RenderbufferStorage(gls.DEPTH_COMPONENT24, nw, nh)
	gs.FramebufferRenderbuffer(gls.DEPTH_ATTACHMENT, st.depth)
	if status := gs.CheckFramebufferStatus(); status != gls.FRAMEBUFFER_COMPLETE {
		st.fboW, st.fboH = 0, 0
		return fmt.Errorf("OpenGL: %dx%d framebuffer incomplete (status 0x%x)", nw, nh, status)
	}
	st.fboW, st.fboH = nw, nh
	return nil
}

// upload puts s's meshes on the GPU, replacing the previous scene's.
func (st *glState) upload(s *Scene) {
	gs := st.gs
	for _, bs := range st.buffers {
		for _, b := range bs {
			gs.DeleteBuffers(b.pos, b.nrm, b.idx)
			gs.DeleteVertexArrays(b.vao)
		}
	}
	st.buffers = st.buffers[:0]
	st.scene = s
	if s == nil {
		return
	}
	for _, o := range s.objects {
		bs := make([]gpuMesh, len(o.levels))
		for i, l := range o.levels {
			bs[i] = st.uploadMesh(l)
		}
		st.buffers = append(st.buffers, bs)
	}
	gs.BindVertexArray(0)
}

// uploadMesh puts one level of detail in a vertex array.
func (st *glState) uploadMesh(l lod) gpuMesh {
	gs := st.gs
	var b gpuMesh
	b.vao = gs.GenVertexArray()
	gs.BindVertexArray(b.vao)
	b.pos = gs.GenBuffer()
	gs.BindBuffer(gls.ARRAY_BUFFER, b.pos)
	gs.BufferData(gls.ARRAY_BUFFER, len(l.positions)*12, l.positions, gls.STATIC_DRAW)
	gs.VertexAttribPointer(0, 3, gls.FLOAT, false, 0, 0)
	gs.EnableVertexAttribArray(0)
	b.nrm = gs.GenBuffer()
	gs.BindBuffer(gls.ARRAY_BUFFER, b.nrm)
	gs.BufferData(gls.ARRAY_BUFFER, len(l.normals)*12, l.normals, gls.STATIC_DRAW)
	gs.VertexAttribPointer(1, 3, gls.FLOAT, false, 0, 0)
	gs.EnableVertexAttribArray(1)
	b.idx = gs.GenBuffer()
	gs.BindBuffer(gls.ELEMENT_ARRAY_BUFFER, b.idx)
	gs.BufferData(gls.ELEMENT_ARRAY_BUFFER, len(l.triangles)*12, l.triangles, gls.STATIC_DRAW)
	b.count = int32(3 * len(l.triangles))
	return b
}

// errNoScene is returned when a picture is asked for before SetScene.
var errNoScene = errors.New("render: no scene: call SetScene first")

// draw renders req into the framebuffer at w×h and reads it back.
func (st *glState) draw(s *Scene, req Request, w, h int) (*image.RGBA, error) {
	if s == nil {
		return nil, errNoScene
	}
	if s != st.scene {
		st.upload(s)
	}
	if err := st.ensureFramebuffer(w, h); err != nil {
		return nil, err
	}
	gs := st.gs
	gs.Viewport(0, 0, int32(w), int32(h))
	gs.Scissor(0, 0, uint32(w), uint32(h))
	bg := Background
	gs.ClearColor(float32(bg.R)/255, float32(bg.G)/255, float32(bg.B)/255, 1)
	gs.DepthMask(true)
	gs.Clear(gls.COLOR_BUFFER_BIT | gls.DEPTH_BUFFER_BIT)

	view := req.Camera.viewMatrix()
	proj := req.Camera.projection(s, w, h)
	gs.UseProgram(st.prog)
	gs.UniformMatrix4fv(st.uView, 1, false, &view[0])
	gs.UniformMatrix4fv(st.uProj, 1, false, &proj[0])
	hl := Highlight
	gs.Uniform3f(st.uHigh, float32(hl.R)/255, float32(hl.G)/255, float32(hl.B)/255)

	// Opaque objects with depth writes; then the translucent ones back to
	// front without depth writes. Back faces are culled throughout (the
	// surfaces are closed), so a translucent surface shows its near side.
	var translucent []int
	eye, _, _, _ := req.Camera.frame()
	_, ty := halfExtents(w, h)
	level := func(o object) int {
		return pickLevel(o.levels, float64(h)/(2*ty*math.Max(dist(eye, o.center), 1)))
	}
	gs.Disable(gls.BLEND)
	gs.Enable(gls.CULL_FACE)
	gs.CullFace(gls.BACK)
	for i, o := range s.objects {
		a := req.alpha(o)
		switch {
		case a <= 0:
		case a < 1:
			translucent = append(translucent, i)
		default:
			st.drawObject(st.buffers[i][level(o)], o, 1, req.Selected == o.name)
		}
	}
	if len(translucent) > 0 {
		slices.SortStableFunc(translucent, func(a, b int) int {
			da, db := dist(eye, s.objects[a].center), dist(eye, s.objects[b].center)
			switch {
			case da > db:
				return -1
			case da < db:
				return 1
			}
			return 0
		})
		gs.Enable(gls.BLEND)
		gs.DepthMask(false)
		for _, i := range translucent {
			o := s.objects[i]
			st.drawObject(st.buffers[i][level(o)], o, req.alpha(o), req.Selected == o.name)
		}
		gs.DepthMask(true)
	}
	st.drawSeeThrough(s, req, level)
	img := st.readPixels(w, h)
	if req.Marker {
		if err := drawMarker(img, req.Camera); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// seeThroughAlpha is how strongly a see-through structure shows where an
// opaque one hides it.
const seeThroughAlpha = 0.65

// drawSeeThrough draws the parts of req.SeeThrough's structures that
// opaque surfaces hide, blended over them: an endophytic tumour shows
// inside its kidney. Only the hidden parts are drawn (depth test
// GREATER against the opaque surfaces), so what is in view is unchanged.
func (st *glState) drawSeeThrough(s *Scene, req Request, level func(object) int) {
	if len(req.SeeThrough) == 0 {
		return
	}
	gs := st.gs
	gs.Enable(gls.BLEND)
	gs.DepthMask(false)
	gs.DepthFunc(gls.GREATER)
	for i, o := range s.objects {
		if a := req.alpha(o); req.SeeThrough[o.name] && a > 0 {
			st.drawObject(st.buffers[i][level(o)], o, seeThroughAlpha*a, req.Selected == o.name)
		}
	}
	gs.DepthFunc(gls.LEQUAL)
	gs.DepthMask(true)
}

// drawObject draws one level of detail of o.
func (st *glState) drawObject(b gpuMesh, o object, alpha float64, selected bool) {
	gs := st.gs
	c := o.color
	gs.Uniform4f(st.uColor, float32(c[0])/255, float32(c[1])/255, float32(c[2])/255, float32(alpha))
	sel := float32(0)
	if selected {
		sel = 1
	}
	gs.Uniform1f(st.uSel, sel)
	gs.BindVertexArray(b.vao)
	gs.DrawElements(gls.TRIANGLES, b.count, gls.UNSIGNED_INT, 0)
}

// readPixels copies the w×h picture out of the framebuffer into a new
// image, flipping GL's bottom-up rows; g3n reuses its read buffer.
func (st *glState) readPixels(w, h int) *image.RGBA {
	buf := st.gs.ReadPixels(0, 0, w, h, gls.RGBA, gls.UNSIGNED_BYTE)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	row := 4 * w
	for y := range h {
		copy(img.Pix[y*img.Stride:y*img.Stride+row], buf[(h-1-y)*row:(h-y)*row])
	}
	return img
}

// alpha is o's opacity in the request: 0 when hidden, else the request's
// opacity for it, else its label colour's alpha.
func (req Request) alpha(o object) float64 {
	if req.Hidden[o.name] {
		return 0
	}
	if a, ok := req.Opacity[o.name]; ok {
		return math.Min(math.Max(a, 0), 1)
	}
	return float64(o.color[3]) / 255
}
