package ort

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseProvider(t *testing.T) {
	tests := []struct {
		in, goos string
		want     Provider
		wantErr  bool
	}{
		{"auto", "linux", Auto, false},
		{"", "linux", Auto, false},
		{"CPU", "linux", CPU, false},
		{" gpu ", "linux", CUDA, false},
		{"gpu", "windows", CUDA, false},
		{"gpu", "darwin", CoreML, false},
		{"gpu", "freebsd", "", true},
		{"cuda", "darwin", CUDA, false}, // parses; attaching fails later with a reason
		{"DirectML", "windows", DirectML, false},
		{"dml", "windows", DirectML, false},
		{"coreml", "darwin", CoreML, false},
		{"tpu", "linux", "", true},
	}
	for _, tt := range tests {
		got, err := parseProvider(tt.in, tt.goos)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseProvider(%q, %s) = %q, %v; want %q, err=%v", tt.in, tt.goos, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := ParseProvider("quantum"); err == nil || !strings.Contains(err.Error(), "auto, cpu or gpu") {
		t.Errorf("ParseProvider(quantum) error %v does not list the choices", err)
	}
}

func TestProviderChain(t *testing.T) {
	tests := []struct {
		p    Provider
		goos string
		want []Provider
	}{
		{Auto, "linux", []Provider{CUDA, CPU}},
		{Auto, "windows", []Provider{CUDA, DirectML, CPU}},
		{Auto, "darwin", []Provider{CoreML, CPU}},
		{Auto, "freebsd", []Provider{CPU}},
		{"", "linux", []Provider{CUDA, CPU}},
		{CPU, "windows", []Provider{CPU}},
		{CUDA, "linux", []Provider{CUDA, CPU}},
		{DirectML, "windows", []Provider{DirectML, CPU}},
		{CoreML, "darwin", []Provider{CoreML, CPU}},
	}
	for _, tt := range tests {
		if got := providerChain(tt.p, tt.goos); !slices.Equal(got, tt.want) {
			t.Errorf("providerChain(%q, %s) = %v, want %v", tt.p, tt.goos, got, tt.want)
		}
	}
}

func TestAttachNotInstalled(t *testing.T) {
	dir := t.TempDir() // holds no provider library
	tests := []struct {
		p        Provider
		goos     string
		mentions []string
	}{
		{CUDA, "linux", []string{"libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so", dir}},
		{CUDA, "windows", []string{"onnxruntime_providers_cuda.dll", "onnxruntime_providers_shared.dll"}},
		{CUDA, "darwin", []string{"Linux and Windows"}},
		{DirectML, "linux", []string{"Windows"}},
		{CoreML, "windows", []string{"macOS"}},
	}
	for _, tt := range tests {
		// These refusals come before the session options are touched.
		err := attachProvider(tt.p, nil, tt.goos, dir)
		if !errors.Is(err, errNotInstalled) {
			t.Errorf("attachProvider(%s, %s) = %v, want errNotInstalled", tt.p, tt.goos, err)
			continue
		}
		for _, m := range tt.mentions {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("attachProvider(%s, %s) error %q does not mention %q", tt.p, tt.goos, err, m)
			}
		}
	}
}

func TestInstalledListsProvidersWhoseLibrariesAreThere(t *testing.T) {
	files := func(names ...string) func(string) bool {
		return func(p string) bool { return slices.Contains(names, filepath.Base(p)) && filepath.Dir(p) == "lib" }
	}
	for _, tc := range []struct {
		goos   string
		exists func(string) bool
		want   []Provider
	}{
		{"linux", files(), []Provider{CPU}},
		{"linux", files("libonnxruntime_providers_cuda.so"), []Provider{CPU}},
		{"linux", files("libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"), []Provider{CPU, CUDA}},
		{"windows", files("DirectML.dll"), []Provider{CPU, DirectML}},
		{"windows", files("onnxruntime_providers_cuda.dll", "onnxruntime_providers_shared.dll", "DirectML.dll"), []Provider{CPU, CUDA, DirectML}},
		{"darwin", files(), []Provider{CPU, CoreML}},
	} {
		if got := installed(tc.goos, "lib", tc.exists); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.goos, got, tc.want)
		}
	}
}

func TestShortReason(t *testing.T) {
	for _, tt := range []struct{ err, want string }{
		{"CUDA provider options: /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 " +
			"onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : " +
			"Failed to load library /usr/lib/kidney3d/libonnxruntime_providers_cuda.so with error: " +
			"libcublasLt.so.13: cannot open shared object file: No such file or directory",
			"libcublasLt.so.13: cannot open shared object file: No such file or directory"},
		{"attaching CUDA: /src/cuda_call.cc:129 [ONNXRuntimeError] : 1 : FAIL : CUDA failure 100: no CUDA-capable device is detected ;\n GPU=0",
			"CUDA failure 100: no CUDA-capable device is detected ; GPU=0"},
		{"not installed: libonnxruntime_providers_cuda.so missing in /opt/k", "not installed: libonnxruntime_providers_cuda.so missing in /opt/k"},
	} {
		if got := shortReason(errors.New(tt.err)); got != tt.want {
			t.Errorf("shortReason(%q)\n = %q\nwant %q", tt.err, got, tt.want)
		}
	}
}
