package render

// #cgo linux LDFLAGS: -ldl -Wl,--wrap=dlopen
// #include <stdlib.h>
// #include "egl_linux.h"
import "C"

import "errors"

// eglContext is an OpenGL context made with EGL: on a GPU device where one
// answers, else Mesa's surfaceless platform (llvmpipe), else the default
// display. None needs an X server.
type eglContext struct {
	c C.k3d_egl
}

// newContext makes an OpenGL 3.3 core context current on the calling OS
// thread, which must stay locked to its goroutine.
func newContext() (glContext, error) {
	e := new(eglContext)
	var msg [C.K3D_ERRLEN]C.char
	if C.k3d_egl_load(&msg[0]) != 0 {
		return nil, errors.New(C.GoString(&msg[0]))
	}
	if C.k3d_egl_create(&e.c, &msg[0]) != 0 {
		return nil, errors.New(C.GoString(&msg[0]))
	}
	return e, nil
}

func (e *eglContext) describe() string {
	return C.GoString(&e.c.how[0])
}

func (e *eglContext) release() { C.k3d_egl_destroy(&e.c) }
