//go:build linux

package folderdlg

// #cgo pkg-config: gtk+-3.0
// #include <gtk/gtk.h>
// #include <stdlib.h>
//
// static int folderdlg_init(void) { return gtk_init_check(NULL, NULL); }
//
// // folderdlg_run shows a modal folder chooser starting in start (when not
// // empty) and returns the chosen folder (g_free it), or NULL on cancel.
// static char* folderdlg_run(const char* title, const char* start) {
// 	GtkWidget* d = gtk_file_chooser_dialog_new(title, NULL, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
// 		"_Cancel", GTK_RESPONSE_CANCEL, "_Open", GTK_RESPONSE_ACCEPT, NULL);
// 	if (start[0] != 0) gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(d), start);
// 	char* out = NULL;
// 	if (gtk_dialog_run(GTK_DIALOG(d)) == GTK_RESPONSE_ACCEPT) out = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(d));
// 	gtk_widget_destroy(d);
// 	// Outside gtk_main the window leaves the screen only once the
// 	// pending events are handled.
// 	while (gtk_events_pending()) gtk_main_iteration();
// 	return out;
// }
import "C"

import (
	"sync"
	"unsafe"
)

var (
	initOnce sync.Once
	initOK   bool
)

// Choose shows the folder chooser titled title, opened at start when it is
// not empty, and returns the chosen folder. GTK is initialised on the first
// call; when that fails, this and every later call return ErrUnavailable.
func Choose(title, start string) (string, error) {
	initOnce.Do(func() { initOK = C.folderdlg_init() != 0 })
	if !initOK {
		return "", ErrUnavailable
	}
	ct, cs := C.CString(title), C.CString(start)
	defer C.free(unsafe.Pointer(ct))
	defer C.free(unsafe.Pointer(cs))
	out := C.folderdlg_run(ct, cs)
	if out == nil {
		return "", ErrCancelled
	}
	defer C.g_free(C.gpointer(out))
	return C.GoString(out), nil
}
