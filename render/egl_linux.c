// EGL context creation for Linux, with libEGL opened at run time so that the
// program starts (and reports a clear error) where libEGL.so.1 is missing.

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egl_linux.h"

// g3n's OpenGL loader opens "libGL.so", the development symlink that only
// Debian's libgl-dev ships. The link flag -Wl,--wrap=dlopen (egl_linux.go)
// sends the program's own dlopen calls here: a failed "libGL.so" is retried
// as "libGL.so.1", the runtime name every libGL package provides. Shared
// libraries' dlopen calls are not affected.
void *__real_dlopen(const char *file, int mode);

void *__wrap_dlopen(const char *file, int mode) {
	void *h = __real_dlopen(file, mode);
	if (h == NULL && file != NULL && strcmp(file, "libGL.so") == 0) {
		h = __real_dlopen("libGL.so.1", mode);
	}
	return h;
}

static void *egl_lib;
static void *gl_lib;
static PFNEGLGETPROCADDRESSPROC p_GetProcAddress;
static PFNEGLGETERRORPROC p_GetError;
static PFNEGLQUERYSTRINGPROC p_QueryString;
static PFNEGLGETDISPLAYPROC p_GetDisplay;
static PFNEGLINITIALIZEPROC p_Initialize;
static PFNEGLBINDAPIPROC p_BindAPI;
static PFNEGLCHOOSECONFIGPROC p_ChooseConfig;
static PFNEGLCREATECONTEXTPROC p_CreateContext;
static PFNEGLDESTROYCONTEXTPROC p_DestroyContext;
static PFNEGLCREATEPBUFFERSURFACEPROC p_CreatePbufferSurface;
static PFNEGLDESTROYSURFACEPROC p_DestroySurface;
static PFNEGLMAKECURRENTPROC p_MakeCurrent;
static PFNEGLRELEASETHREADPROC p_ReleaseThread;
static PFNEGLGETPLATFORMDISPLAYEXTPROC p_GetPlatformDisplayEXT;
static PFNEGLQUERYDEVICESEXTPROC p_QueryDevicesEXT;

static void set_err(char *err, const char *fmt, const char *arg, EGLint code) {
	snprintf(err, K3D_ERRLEN, fmt, arg, (unsigned)code);
}

static int has_ext(const char *list, const char *name) {
	size_t n = strlen(name);
	const char *p = list;
	while (p != NULL && (p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
			return 1;
		}
		p += n;
	}
	return 0;
}

int k3d_egl_load(char *err) {
	if (egl_lib != NULL) {
		return 0;
	}
	// libGL.so.1 stays open for the life of the process: g3n's loader takes
	// its function pointers and closes its own handle at once.
	gl_lib = dlopen("libGL.so.1", RTLD_NOW | RTLD_GLOBAL);
	if (gl_lib == NULL) {
		set_err(err, "OpenGL: libGL.so.1 not found (install libgl1): %s", dlerror(), 0);
		return -1;
	}
	void *lib = dlopen("libEGL.so.1", RTLD_NOW | RTLD_GLOBAL);
	if (lib == NULL) {
		set_err(err, "EGL: no display: libEGL.so.1 not found (install libegl1): %s", dlerror(), 0);
		return -1;
	}
	p_GetProcAddress = (PFNEGLGETPROCADDRESSPROC)dlsym(lib, "eglGetProcAddress");
	if (p_GetProcAddress == NULL) {
		set_err(err, "EGL: %s has no eglGetProcAddress", "libEGL.so.1", 0);
		dlclose(lib);
		return -1;
	}
#define LOAD(var, name) var = (void *)p_GetProcAddress(name); if (var == NULL) { set_err(err, "EGL: libEGL.so.1 lacks %s", name, 0); dlclose(lib); return -1; }
	LOAD(p_GetError, "eglGetError");
	LOAD(p_QueryString, "eglQueryString");
	LOAD(p_GetDisplay, "eglGetDisplay");
	LOAD(p_Initialize, "eglInitialize");
	LOAD(p_BindAPI, "eglBindAPI");
	LOAD(p_ChooseConfig, "eglChooseConfig");
	LOAD(p_CreateContext, "eglCreateContext");
	LOAD(p_DestroyContext, "eglDestroyContext");
	LOAD(p_CreatePbufferSurface, "eglCreatePbufferSurface");
	LOAD(p_DestroySurface, "eglDestroySurface");
	LOAD(p_MakeCurrent, "eglMakeCurrent");
	LOAD(p_ReleaseThread, "eglReleaseThread");
#undef LOAD
	const char *client = p_QueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	if (client != NULL && has_ext(client, "EGL_EXT_platform_base")) {
		p_GetPlatformDisplayEXT = (PFNEGLGETPLATFORMDISPLAYEXTPROC)p_GetProcAddress("eglGetPlatformDisplayEXT");
		if (has_ext(client, "EGL_EXT_platform_device")) {
			p_QueryDevicesEXT = (PFNEGLQUERYDEVICESEXTPROC)p_GetProcAddress("eglQueryDevicesEXT");
		}
	}
	egl_lib = lib;
	return 0;
}

// try_display makes an OpenGL 3.3 core context current on dpy, without a
// surface where the display allows it and with a 1x1 pbuffer otherwise.
static int try_display(EGLDisplay dpy, const char *what, k3d_egl *out, char *err) {
	if (dpy == EGL_NO_DISPLAY) {
		set_err(err, "EGL: %s: no display (error 0x%x)", what, p_GetError());
		return -1;
	}
	EGLint major, minor;
	if (!p_Initialize(dpy, &major, &minor)) {
		set_err(err, "EGL: %s: eglInitialize failed (error 0x%x)", what, p_GetError());
		return -1;
	}
	if (!p_BindAPI(EGL_OPENGL_API)) {
		set_err(err, "EGL: %s: no desktop OpenGL (error 0x%x)", what, p_GetError());
		return -1;
	}
	const char *exts = p_QueryString(dpy, EGL_EXTENSIONS);
	int surfaceless = exts != NULL && has_ext(exts, "EGL_KHR_surfaceless_context");
	EGLint cfgAttrs[] = {
		EGL_SURFACE_TYPE, surfaceless ? 0 : EGL_PBUFFER_BIT,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
		EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
		EGL_NONE,
	};
	EGLConfig cfg;
	EGLint n = 0;
	if (!p_ChooseConfig(dpy, cfgAttrs, &cfg, 1, &n) || n < 1) {
		set_err(err, "EGL: %s: no OpenGL config (error 0x%x)", what, p_GetError());
		return -1;
	}
	EGLint ctxAttrs[] = {
		EGL_CONTEXT_MAJOR_VERSION, 3,
		EGL_CONTEXT_MINOR_VERSION, 3,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_NONE,
	};
	EGLContext ctx = p_CreateContext(dpy, cfg, EGL_NO_CONTEXT, ctxAttrs);
	if (ctx == EGL_NO_CONTEXT) {
		set_err(err, "EGL: %s: no OpenGL 3.3 core context (error 0x%x)", what, p_GetError());
		return -1;
	}
	EGLSurface surf = EGL_NO_SURFACE;
	if (!surfaceless) {
		EGLint pbAttrs[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
		surf = p_CreatePbufferSurface(dpy, cfg, pbAttrs);
		if (surf == EGL_NO_SURFACE) {
			set_err(err, "EGL: %s: no pbuffer (error 0x%x)", what, p_GetError());
			p_DestroyContext(dpy, ctx);
			return -1;
		}
	}
	if (!p_MakeCurrent(dpy, surf, surf, ctx)) {
		set_err(err, "EGL: %s: eglMakeCurrent failed (error 0x%x)", what, p_GetError());
		if (surf != EGL_NO_SURFACE) {
			p_DestroySurface(dpy, surf);
		}
		p_DestroyContext(dpy, ctx);
		return -1;
	}
	out->dpy = dpy;
	out->ctx = ctx;
	out->surf = surf;
	snprintf(out->how, sizeof out->how, "EGL %d.%d %s", major, minor, what);
	return 0;
}

int k3d_egl_create(k3d_egl *out, char *err) {
	char last[K3D_ERRLEN] = "EGL: no display";
	// A device display first: it is the GPU where there is one, and needs
	// no window system.
	if (p_QueryDevicesEXT != NULL && p_GetPlatformDisplayEXT != NULL) {
		EGLDeviceEXT devs[8];
		EGLint n = 0;
		if (p_QueryDevicesEXT(8, devs, &n)) {
			for (EGLint i = 0; i < n; i++) {
				EGLDisplay dpy = p_GetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devs[i], NULL);
				if (try_display(dpy, "device", out, last) == 0) {
					return 0;
				}
			}
		}
	}
	const char *client = p_QueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	if (p_GetPlatformDisplayEXT != NULL && client != NULL && has_ext(client, "EGL_MESA_platform_surfaceless")) {
		EGLDisplay dpy = p_GetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
		if (try_display(dpy, "surfaceless", out, last) == 0) {
			return 0;
		}
	}
	if (try_display(p_GetDisplay(EGL_DEFAULT_DISPLAY), "default display", out, last) == 0) {
		return 0;
	}
	memcpy(err, last, K3D_ERRLEN);
	return -1;
}

void k3d_egl_destroy(k3d_egl *e) {
	p_MakeCurrent(e->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	if (e->surf != EGL_NO_SURFACE) {
		p_DestroySurface(e->dpy, e->surf);
	}
	p_DestroyContext(e->dpy, e->ctx);
	p_ReleaseThread();
}
