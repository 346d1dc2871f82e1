package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGPUFallbackSaysWhy: `run --device gpu` on a machine where CUDA cannot
// start runs the models on CPU, says on each model stage's line why (the
// provider's libraries not installed, or, with the kidney3d-cuda package's
// files beside ONNX Runtime, the CUDA library the loader could not open,
// or no device), and gives the labels of a CPU run. Where the provider
// files exist (`make deps-gpu`), --version lists cuda.
func TestGPUFallbackSaysWhy(t *testing.T) {
	core := os.Getenv("KIDNEY3D_ONNXRUNTIME")
	if st, err := os.Stat(core); err == nil && st.IsDir() {
		core = filepath.Join(core, "libonnxruntime.so.1")
	}
	if _, err := os.Stat(core); err != nil {
		t.Skipf("no ONNX Runtime library (run make deps): %v", err)
	}
	// A library folder as the packages install it: the core library, and
	// the CUDA provider's files where they were fetched.
	lib := t.TempDir()
	withCUDA := true
	for _, name := range []string{"libonnxruntime.so.1", "libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"} {
		src := filepath.Join(filepath.Dir(core), name)
		if _, err := os.Stat(src); err != nil {
			withCUDA = false
			continue
		}
		if err := os.Symlink(src, filepath.Join(lib, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "KIDNEY3D_ONNXRUNTIME="+lib)
	wantProviders := "providers: cpu\n"
	if withCUDA {
		wantProviders = "providers: cpu, cuda\n"
	}
	cmd := exec.Command(binary, "--version")
	cmd.Env = env
	if version, err := cmd.Output(); err != nil || !strings.HasSuffix(string(version), wantProviders) {
		t.Errorf("--version with %s: %v\n%s\nwant it to end with %q", lib, err, version, wantProviders)
	}

	dir := ranSeed(t, 1)
	want, err := os.ReadFile(filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd = exec.Command(binary, "run", dir, "--device", "gpu", "--force", "organs")
	cmd.Env, cmd.Stderr = env, &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("run --device gpu: %v\n%s%s", err, out, stderr.String())
	}
	var organs string
	for line := range strings.Lines(stderr.String()) {
		if strings.HasPrefix(line, "organs ") {
			organs = strings.TrimSpace(line)
		}
	}
	t.Logf("%s", organs)
	wantWhy := "on CPU: cuda did not start (not installed: libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so missing in " + lib + " (install the kidney3d-cuda package)); the CUDA provider needs"
	if withCUDA {
		if !strings.Contains(organs, "on CPU: ") && organsProvider(t, dir) == "cuda" {
			t.Skipf("CUDA started here (%s): nothing falls back", organs)
		}
		wantWhy = "on CPU: cuda did not start ("
	}
	if !strings.Contains(organs, " done ") || !strings.Contains(organs, wantWhy) || !strings.HasSuffix(organs, "CUDA 13 and cuDNN 9") {
		t.Errorf("organs' line %q, want done and %q…CUDA 13 and cuDNN 9", organs, wantWhy)
	}
	got, err := os.ReadFile(filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("labels after the GPU request differ from the CPU run's")
	}
}

// organsProvider is the execution provider the case's organs stage ran on,
// as its manifest records it.
func organsProvider(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Stages map[string]struct {
			Record struct{ Provider string }
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Stages["organs"].Record.Provider
}
