// Package about says what this kidney3d is, for `kidney3d --version` and
// the app's About dialog: its build (pipeline/buildinfo), the ONNX Runtime
// it loads and the execution providers installed beside it.
package about

import (
	"fmt"
	"log/slog"
	"strings"

	"kidney3d/pipeline/buildinfo"
	"kidney3d/pipeline/infer/ort"
)

// Text loads ONNX Runtime if it is not loaded yet and returns three lines:
//
//	kidney3d 0.1.0 (commit 85f3d1b, built 2026-12-06T09:45:13Z)
//	ONNX Runtime 1.29.0 (/usr/lib/kidney3d/libonnxruntime.so.1)
//	providers: cpu, cuda
//
// or, where no ONNX Runtime loads, the build and why it does not.
func Text() string {
	return describe(buildinfo.Get(), ort.Init(slog.New(slog.DiscardHandler)), ort.Version(), ort.LibraryPath(), ort.Installed())
}

func describe(b buildinfo.Build, loadErr error, version, path string, providers []ort.Provider) string {
	if loadErr != nil {
		first, _, _ := strings.Cut(loadErr.Error(), "\n")
		return fmt.Sprintf("%s\nONNX Runtime %s expected, none loaded: %s\n", b, ort.ExpectedVersion, first)
	}
	names := make([]string, len(providers))
	for i, p := range providers {
		names[i] = string(p)
	}
	return fmt.Sprintf("%s\nONNX Runtime %s (%s)\nproviders: %s\n", b, version, path, strings.Join(names, ", "))
}
