#ifndef K3D_EGL_LINUX_H
#define K3D_EGL_LINUX_H

#define EGL_NO_X11 1
#include <EGL/egl.h>
#include <EGL/eglext.h>

#define K3D_ERRLEN 256

// k3d_egl is one OpenGL context made current on the calling thread.
typedef struct {
	EGLDisplay dpy;
	EGLContext ctx;
	EGLSurface surf;
	char how[64];
} k3d_egl;

int k3d_egl_load(char *err);
int k3d_egl_create(k3d_egl *out, char *err);
void k3d_egl_destroy(k3d_egl *e);

#endif
