package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestVersionNamesBuildRuntimeAndProviders: `kidney3d --version` of a plain
// `go build` (no -ldflags from the Makefile) says "dev", the ONNX Runtime
// it loaded from KIDNEY3D_ONNXRUNTIME and the providers, CPU first.
func TestVersionNamesBuildRuntimeAndProviders(t *testing.T) {
	out, err := exec.Command(binary, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	lib := os.Getenv("KIDNEY3D_ONNXRUNTIME")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "kidney3d dev") ||
		lines[1] != "ONNX Runtime 1.29.0 ("+lib+")" || !strings.HasPrefix(lines[2], "providers: cpu") {
		t.Errorf("--version printed\n%s\nwant kidney3d dev…, ONNX Runtime 1.29.0 (%s), providers: cpu…", out, lib)
	}
}
