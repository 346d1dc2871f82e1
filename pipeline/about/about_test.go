package about

import (
	"errors"
	"testing"

	"kidney3d/pipeline/buildinfo"
	"kidney3d/pipeline/infer/ort"
)

func TestDescribe(t *testing.T) {
	b := buildinfo.Build{Name: "kidney3d", Version: "0.1.0", Commit: "85f3d1b", Date: "2026-12-06T09:45:13Z"}
	got := describe(b, nil, "1.29.0", "/usr/lib/kidney3d/libonnxruntime.so.1", []ort.Provider{ort.CPU, ort.CUDA})
	want := "kidney3d 0.1.0 (commit 85f3d1b, built 2026-12-06T09:45:13Z)\n" +
		"ONNX Runtime 1.29.0 (/usr/lib/kidney3d/libonnxruntime.so.1)\n" +
		"providers: cpu, cuda\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = describe(b, errors.New("ort: ONNX Runtime shared library not found; looked for:\n  /x"), "", "", nil)
	want = "kidney3d 0.1.0 (commit 85f3d1b, built 2026-12-06T09:45:13Z)\n" +
		"ONNX Runtime 1.29.0 expected, none loaded: ort: ONNX Runtime shared library not found; looked for:\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
