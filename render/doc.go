// Package render draws the label meshes of a case offscreen into images:
// the scene (Scene, one coloured surface per label in world RAS
// millimetres), the orbit camera and standard views (Camera, View),
// picking (Renderer.Pick), and a Renderer whose one goroutine, locked to
// its OS thread, owns an OpenGL 3.3 context and renders requests
// asynchronously, newest first (DESIGN.md "Layout"). It is the only
// package that imports g3n, whose gls package loads OpenGL.
//
// On Linux the context comes from EGL (libEGL.so.1, opened at run time):
// a GPU device where one answers, else Mesa's surfaceless platform, so it
// renders with no X server, in software (llvmpipe) where there is no GPU.
// On Windows and macOS it is a hidden GLFW window. Frames draw into a
// framebuffer object and are read back into *image.RGBA.
//
// Lighting is a headlight (a directional light along the view) plus
// ambient, Blinn-Phong, in the label table's colours; translucent labels
// are drawn after the opaque ones, back to front, without depth writes.
// Each mesh also gets coarser levels of detail by vertex clustering, used
// where its cells stay within a few pixels, so that software rendering
// keeps up while the user orbits.
//
// A request may add the orientation marker (R, A and S arms in the
// top-right corner) and see-through structures, drawn blended where opaque
// ones hide them; Surgical asks for both, and FramedView frames the
// kidneys and tumour (labels.Focus) rather than the whole scene.
//
// Snapshot draws the case's notice (casefile.Case.Notice, e.g. "NOT FOR
// CLINICAL USE — labels from demo-vessels 1.0.0: …") into the bottom of
// its picture with subpackage footer, which the UI's screenshots use too.
package render
