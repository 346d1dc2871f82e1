package ort

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	onnx "github.com/yalue/onnxruntime_go"
)

// Provider names an ONNX Runtime execution provider, or Auto.
type Provider string

// The execution providers a Session can ask for.
const (
	// Auto tries the GPU providers of the OS in turn (CUDA on Linux; CUDA
	// then DirectML on Windows; CoreML on macOS), then CPU.
	Auto Provider = "auto"
	// CPU is ONNX Runtime's default provider; it always works.
	CPU Provider = "cpu"
	// CUDA runs on an NVIDIA GPU (Linux, Windows). It needs the CUDA provider
	// libraries next to the ONNX Runtime library, plus the CUDA and cuDNN
	// runtime libraries and a driver.
	CUDA Provider = "cuda"
	// DirectML runs on any DirectX 12 GPU (Windows).
	DirectML Provider = "directml"
	// CoreML runs on Apple's Neural Engine or GPU (macOS).
	CoreML Provider = "coreml"
)

// ParseProvider parses a device or provider name, ignoring case: "auto"
// (or ""), "cpu", "gpu" (the first GPU provider of this OS: CUDA on Linux and
// Windows, CoreML on macOS), "cuda", "directml" (or "dml"), "coreml".
func ParseProvider(s string) (Provider, error) {
	return parseProvider(s, runtime.GOOS)
}

func parseProvider(s, goos string) (Provider, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "cpu":
		return CPU, nil
	case "gpu":
		gpus := gpuProviders(goos)
		if len(gpus) == 0 {
			return "", fmt.Errorf("ort: no GPU provider exists on %s", goos)
		}
		return gpus[0], nil
	case "cuda":
		return CUDA, nil
	case "directml", "dml":
		return DirectML, nil
	case "coreml":
		return CoreML, nil
	}
	return "", fmt.Errorf("ort: unknown device %q (want auto, cpu or gpu)", s)
}

// gpuProviders lists the GPU providers goos can have, preferred first.
func gpuProviders(goos string) []Provider {
	switch goos {
	case "linux":
		return []Provider{CUDA}
	case "windows":
		return []Provider{CUDA, DirectML}
	case "darwin":
		return []Provider{CoreML}
	}
	return nil
}

// providerChain lists the providers to try, in order, for a request of p:
// p itself then CPU, or for Auto every GPU provider of goos then CPU.
func providerChain(p Provider, goos string) []Provider {
	switch p {
	case CPU:
		return []Provider{CPU}
	case Auto, "":
		return append(gpuProviders(goos), CPU)
	}
	return []Provider{p, CPU}
}

// errNotInstalled marks a provider that cannot exist here (wrong OS, provider
// libraries not installed), as opposed to one that failed to start.
var errNotInstalled = errors.New("not installed")

// cudaLibraries returns the provider libraries the CUDA provider needs next
// to the ONNX Runtime library on goos.
func cudaLibraries(goos string) []string {
	if goos == "windows" {
		return []string{"onnxruntime_providers_cuda.dll", "onnxruntime_providers_shared.dll"}
	}
	return []string{"libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"}
}

// missingFiles returns the names in names that are not files in dir.
func missingFiles(dir string, names []string, exists func(string) bool) []string {
	var missing []string
	for _, n := range names {
		if !exists(filepath.Join(dir, n)) {
			missing = append(missing, n)
		}
	}
	return missing
}

// attachProvider appends provider p to so. libDir is the folder of the ONNX
// Runtime library, where provider libraries live. An error wrapping
// errNotInstalled means p cannot exist on this machine.
func attachProvider(p Provider, so *onnx.SessionOptions, goos, libDir string) error {
	switch p {
	case CPU:
		return nil
	case CUDA:
		if goos != "linux" && goos != "windows" {
			return fmt.Errorf("%w: CUDA exists only on Linux and Windows", errNotInstalled)
		}
		if missing := missingFiles(libDir, cudaLibraries(goos), isFile); len(missing) > 0 {
			return fmt.Errorf("%w: %s missing in %s (install the kidney3d-cuda package)",
				errNotInstalled, strings.Join(missing, ", "), libDir)
		}
		opts, err := onnx.NewCUDAProviderOptions()
		if err != nil {
			return fmt.Errorf("CUDA provider options: %w", err)
		}
		defer opts.Destroy()
		if err := opts.Update(map[string]string{
			"device_id": "0",
			// Grow the GPU arena by what is asked, not by powers of two:
			// large 3D patches would otherwise waste GiBs.
			"arena_extend_strategy": "kSameAsRequested",
		}); err != nil {
			return fmt.Errorf("CUDA provider options: %w", err)
		}
		if err := so.AppendExecutionProviderCUDA(opts); err != nil {
			return fmt.Errorf("attaching CUDA: %w", err)
		}
		return nil
	case DirectML:
		if goos != "windows" {
			return fmt.Errorf("%w: DirectML exists only on Windows", errNotInstalled)
		}
		// DirectML supports neither memory patterns nor parallel execution.
		if err := so.SetMemPattern(false); err != nil {
			return fmt.Errorf("DirectML: disabling memory patterns: %w", err)
		}
		if err := so.SetExecutionMode(onnx.ExecutionModeSequential); err != nil {
			return fmt.Errorf("DirectML: sequential execution: %w", err)
		}
		if err := so.AppendExecutionProviderDirectML(0); err != nil {
			return fmt.Errorf("attaching DirectML: %w", err)
		}
		return nil
	case CoreML:
		if goos != "darwin" {
			return fmt.Errorf("%w: CoreML exists only on macOS", errNotInstalled)
		}
		if err := so.AppendExecutionProviderCoreMLV2(nil); err != nil {
			return fmt.Errorf("attaching CoreML: %w", err)
		}
		return nil
	}
	return fmt.Errorf("unknown provider %q", p)
}

// Installed lists the providers whose libraries lie beside the loaded ONNX
// Runtime library, CPU first: CUDA where its provider libraries are there
// (it still needs CUDA, cuDNN and a driver to start), DirectML on Windows
// where DirectML.dll is there, CoreML on macOS. Before a successful Init
// it is CPU alone.
func Installed() []Provider {
	path := LibraryPath()
	if path == "" {
		return []Provider{CPU}
	}
	return installed(runtime.GOOS, filepath.Dir(path), isFile)
}

func installed(goos, libDir string, exists func(string) bool) []Provider {
	out := []Provider{CPU}
	for _, p := range gpuProviders(goos) {
		var need []string
		switch p {
		case CUDA:
			need = cudaLibraries(goos)
		case DirectML:
			need = []string{"DirectML.dll"}
		}
		if len(missingFiles(libDir, need, exists)) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// needs says what provider p needs besides its own libraries, for a
// message saying why p did not start; "" when nothing more.
func needs(p Provider) string {
	switch p {
	case CUDA:
		return "; the CUDA provider needs an NVIDIA GPU and driver, CUDA 13 and cuDNN 9"
	case DirectML:
		return "; DirectML needs a DirectX 12 GPU"
	}
	return ""
}

// shortReason is the part of a provider error a user can act on: ONNX
// Runtime's "… Failed to load library X with error: libcublasLt.so.13:
// cannot open shared object file …" becomes what follows "with error: ",
// and "… [ONNXRuntimeError] : 1 : FAIL : what" becomes "what"; other
// errors are returned whole. The result is one line.
func shortReason(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "with error: "); ok {
		msg = after
	} else if i := strings.LastIndex(msg, "[ONNXRuntimeError] : "); i >= 0 {
		rest := msg[i+len("[ONNXRuntimeError] : "):]
		// "CODE : NAME : what"
		if parts := strings.SplitN(rest, " : ", 3); len(parts) == 3 {
			msg = parts[2]
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}
