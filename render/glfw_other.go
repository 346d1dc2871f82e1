//go:build windows || darwin

package render

import (
	"fmt"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// glfwContext is an OpenGL context of a hidden GLFW window, for the systems
// without EGL. GLFW wants windows made on the main thread; on Windows a
// hidden window made on the render thread works, on macOS this is untested.
type glfwContext struct {
	win *glfw.Window
}

// newContext makes an OpenGL 3.3 core context current on the calling OS
// thread, which must stay locked to its goroutine.
func newContext() (glContext, error) {
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("OpenGL: GLFW: %w", err)
	}
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 3)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	win, err := glfw.CreateWindow(16, 16, "kidney3d render", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("OpenGL: no 3.3 core context: %w", err)
	}
	win.MakeContextCurrent()
	return &glfwContext{win: win}, nil
}

func (g *glfwContext) describe() string { return "GLFW hidden window" }

func (g *glfwContext) release() {
	glfw.DetachCurrentContext()
	g.win.Destroy()
}
