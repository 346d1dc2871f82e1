package ort

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestSearchPaths(t *testing.T) {
	tests := []struct {
		goos, env string
		exes      []string
		want      []string
	}{
		{"linux", "", []string{"/opt/k/bin/kidney3d"}, []string{
			"/opt/k/bin/libonnxruntime.so.1", "/opt/k/bin/libonnxruntime.so",
			"/opt/k/lib/libonnxruntime.so.1", "/opt/k/lib/libonnxruntime.so",
			"/opt/k/lib/kidney3d/libonnxruntime.so.1", "/opt/k/lib/kidney3d/libonnxruntime.so",
			"/usr/lib/kidney3d/libonnxruntime.so.1", "/usr/lib/kidney3d/libonnxruntime.so",
			"/opt/kidney3d/lib/libonnxruntime.so.1", "/opt/kidney3d/lib/libonnxruntime.so",
		}},
		{"linux", "/x/ort", nil, []string{
			"/x/ort", "/x/ort/libonnxruntime.so.1", "/x/ort/libonnxruntime.so",
			"/usr/lib/kidney3d/libonnxruntime.so.1", "/usr/lib/kidney3d/libonnxruntime.so",
			"/opt/kidney3d/lib/libonnxruntime.so.1", "/opt/kidney3d/lib/libonnxruntime.so",
		}},
		// A symlinked /usr/bin/kidney3d: resolved first, and /usr/bin/../lib/kidney3d
		// is the install folder, listed once.
		{"linux", "", []string{"/opt/kidney3d/bin/kidney3d", "/usr/bin/kidney3d"}, []string{
			"/opt/kidney3d/bin/libonnxruntime.so.1", "/opt/kidney3d/bin/libonnxruntime.so",
			"/opt/kidney3d/lib/libonnxruntime.so.1", "/opt/kidney3d/lib/libonnxruntime.so",
			"/opt/kidney3d/lib/kidney3d/libonnxruntime.so.1", "/opt/kidney3d/lib/kidney3d/libonnxruntime.so",
			"/usr/bin/libonnxruntime.so.1", "/usr/bin/libonnxruntime.so",
			"/usr/lib/libonnxruntime.so.1", "/usr/lib/libonnxruntime.so",
			"/usr/lib/kidney3d/libonnxruntime.so.1", "/usr/lib/kidney3d/libonnxruntime.so",
		}},
		{"darwin", "", []string{"/Applications/K.app/Contents/MacOS/kidney3d"}, []string{
			"/Applications/K.app/Contents/MacOS/libonnxruntime.1.29.0.dylib",
			"/Applications/K.app/Contents/MacOS/libonnxruntime.dylib",
			"/Applications/K.app/Contents/lib/libonnxruntime.1.29.0.dylib",
			"/Applications/K.app/Contents/lib/libonnxruntime.dylib",
			"/Applications/K.app/Contents/lib/kidney3d/libonnxruntime.1.29.0.dylib",
			"/Applications/K.app/Contents/lib/kidney3d/libonnxruntime.dylib",
			"/Applications/K.app/Contents/Frameworks/libonnxruntime.1.29.0.dylib",
			"/Applications/K.app/Contents/Frameworks/libonnxruntime.dylib",
		}},
	}
	for _, tt := range tests {
		got := searchPaths(tt.goos, tt.env, tt.exes...)
		want := make([]string, len(tt.want))
		for i, w := range tt.want {
			want[i] = filepath.FromSlash(w)
		}
		if !slices.Equal(got, want) {
			t.Errorf("searchPaths(%s, %q, %v):\n got %q\nwant %q", tt.goos, tt.env, tt.exes, got, want)
		}
	}
}

func TestSearchPathsWindowsUsesExeFolderOnly(t *testing.T) {
	// filepath is the host's, so only the shape of the list is checked.
	got := searchPaths("windows", "", filepath.Join("k", "bin", "kidney3d.exe"))
	want := []string{filepath.Join("k", "bin", "onnxruntime.dll")}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFindLibraryTakesFirstExisting(t *testing.T) {
	cands := []string{"/a/libonnxruntime.so.1", "/b/libonnxruntime.so.1", "/c/libonnxruntime.so.1"}
	exists := func(p string) bool { return p != cands[0] }
	got, err := findLibrary(cands, exists)
	if err != nil || got != cands[1] {
		t.Fatalf("findLibrary = %q, %v; want %q", got, err, cands[1])
	}
}

func TestFindLibraryMissingNamesEveryPlace(t *testing.T) {
	cands := searchPaths("linux", "/nonexistent", "/opt/k/bin/kidney3d")
	_, err := findLibrary(cands, func(string) bool { return false })
	var nf *LibraryNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v (%T), want *LibraryNotFoundError", err, err)
	}
	msg := err.Error()
	for _, want := range append(cands, "make deps", EnvLibrary) {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	for _, place := range []string{"/nonexistent", "/opt/k/bin", "/opt/k/lib", "/usr/lib/kidney3d", "/opt/kidney3d/lib"} {
		if !strings.Contains(msg, filepath.FromSlash(place)) {
			t.Errorf("error does not mention %s", place)
		}
	}
	t.Logf("error shown to the user:\n%s", msg)
}

func TestFromEnv(t *testing.T) {
	if !fromEnv("/x/libonnxruntime.so.1", "/x", "linux") || !fromEnv("/x/my.so", "/x/my.so", "linux") {
		t.Error("library inside the env folder or equal to the env file not recognised")
	}
	if fromEnv("/usr/lib/kidney3d/libonnxruntime.so.1", "/x", "linux") {
		t.Error("install-folder library taken as coming from the env")
	}
}

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"1.29.0": true, "1.24.0": true, "1.30.1": true, "2.0.0": true,
		"1.23.2": false, "1.16.3": false, "0.9.0": false,
		"": true, "dev": true, // unparseable: the API handshake already passed
	} {
		if err := checkVersion(v); (err == nil) != ok {
			t.Errorf("checkVersion(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}

func TestInitConcurrentAndIdempotent(t *testing.T) {
	needORT(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = Init(nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Init #%d: %v", i, err)
		}
	}
	if LibraryPath() == "" || !isFile(LibraryPath()) {
		t.Errorf("LibraryPath() = %q, want the loaded file", LibraryPath())
	}
	if Version() != ExpectedVersion {
		t.Errorf("Version() = %q, want %q", Version(), ExpectedVersion)
	}
	t.Logf("ONNX Runtime %s from %s", Version(), LibraryPath())
}

// TestInitMissingLibrary runs Init in a child process (ONNX Runtime's
// environment is process-wide) with KIDNEY3D_ONNXRUNTIME=/nonexistent and no
// library anywhere else it looks.
func TestInitMissingLibrary(t *testing.T) {
	if os.Getenv("KIDNEY3D_ORT_CHILD") == "1" {
		err := Init(nil)
		fmt.Fprintf(os.Stderr, "INIT ERROR: %v\n", err)
		if err == nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	if runtime.GOOS != "linux" {
		t.Skip("the expected paths are Linux ones")
	}
	if isFile("/usr/lib/kidney3d/libonnxruntime.so.1") || isFile("/opt/kidney3d/lib/libonnxruntime.so.1") {
		t.Skip("kidney3d is installed on this machine")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestInitMissingLibrary$")
	cmd.Env = append(os.Environ(), "KIDNEY3D_ORT_CHILD=1", EnvLibrary+"=/nonexistent")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"INIT ERROR: ort: ONNX Runtime shared library not found",
		"/nonexistent/libonnxruntime.so.1", filepath.Dir(exe), "make deps", EnvLibrary} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output does not mention %q:\n%s", want, out)
		}
	}
}

func TestLoadHint(t *testing.T) {
	if got := loadHint("linux"); got != "" {
		t.Errorf("loadHint(linux) = %q, want \"\"", got)
	}
	if got, want := loadHint("windows"), " (onnxruntime.dll needs the Microsoft Visual C++ 2015-2022 Redistributable, x64: install vc_redist.x64.exe)"; got != want {
		t.Errorf("loadHint(windows) = %q, want %q", got, want)
	}
}
