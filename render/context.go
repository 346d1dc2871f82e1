package render

// glContext is the OpenGL 3.3 core context the render goroutine owns. The
// platform files make it: EGL on Linux, a hidden GLFW window elsewhere.
type glContext interface {
	// describe says how the context was made, for Info.
	describe() string
	// release destroys the context; it must run on the thread that made it.
	release()
}
