package ort

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

// ExpectedVersion is the ONNX Runtime release kidney3d is built and tested
// against. Another release whose C API is new enough still loads, with a
// logged warning.
const ExpectedVersion = "1.29.0"

// EnvLibrary names the environment variable that points at the ONNX Runtime
// shared library: the library file itself, or the folder holding it.
const EnvLibrary = "KIDNEY3D_ONNXRUNTIME"

// minMinor is the oldest ONNX Runtime 1.x whose C API the Go binding
// (onnxruntime_go v1.27.0) can use: it asks for ORT_API_VERSION 24.
const minMinor = 24

// LibraryNotFoundError reports that no ONNX Runtime shared library exists in
// any of the places Init looks.
type LibraryNotFoundError struct {
	// Searched lists every file path tried, in order.
	Searched []string
}

// Error lists the searched paths and how to fix the problem.
func (e *LibraryNotFoundError) Error() string {
	var b strings.Builder
	b.WriteString("ort: ONNX Runtime shared library not found; looked for:\n")
	for _, p := range e.Searched {
		b.WriteString("  ")
		b.WriteString(p)
		b.WriteByte('\n')
	}
	b.WriteString("fix: run `make deps` in a source checkout, reinstall kidney3d, or set " +
		EnvLibrary + " to the library file or the folder that holds it")
	return b.String()
}

var lib struct {
	mu      sync.Mutex
	ready   bool
	path    string
	version string
}

// Init finds the ONNX Runtime shared library, loads it and creates the
// process-wide ONNX Runtime environment. It is idempotent and safe for
// concurrent callers: the first successful call does the work, later calls
// return nil at once. After a failure the next call tries again (so a user
// can fix the library and retry). log may be nil (slog.Default).
//
// The library is looked for, in this order:
//   - $KIDNEY3D_ONNXRUNTIME: the library file, or a folder holding it;
//   - the folder of the running executable (symlinks resolved first, then as
//     invoked);
//   - on Linux and macOS, <exe>/../lib and <exe>/../lib/kidney3d;
//   - install folders: /usr/lib/kidney3d and /opt/kidney3d/lib on Linux,
//     <exe>/../Frameworks on macOS (Windows uses the executable's folder
//     only).
//
// The file names are libonnxruntime.so.1 and libonnxruntime.so on Linux,
// onnxruntime.dll on Windows, libonnxruntime.1.29.0.dylib and
// libonnxruntime.dylib on macOS. When none exists the error is a
// *LibraryNotFoundError naming every path tried. A library whose C API is
// older than the binding needs (ONNX Runtime < 1.24) is refused; one that is
// not ExpectedVersion is used with a logged warning.
func Init(log *slog.Logger) error {
	lib.mu.Lock()
	defer lib.mu.Unlock()
	if lib.ready {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	env := os.Getenv(EnvLibrary)
	candidates := searchPaths(runtime.GOOS, env, executablePaths()...)
	path, err := findLibrary(candidates, isFile)
	if err != nil {
		return err
	}
	if env != "" && !fromEnv(path, env, runtime.GOOS) {
		log.Warn("ort: "+EnvLibrary+" holds no ONNX Runtime library; using another one",
			"env", env, "path", path)
	}
	onnx.SetSharedLibraryPath(path)
	// Linux builds of ONNX Runtime 1.29 start 1DS telemetry with the
	// environment (DNS look-ups of mobile.events.data.microsoft.com) unless
	// this is set first; a hospital app sends nothing.
	os.Setenv("ORT_DISABLE_TELEMETRY", "1")
	if err := onnx.InitializeEnvironment(onnx.WithLogLevelError()); err != nil {
		if strings.Contains(err.Error(), "Error setting ORT API base: 2") {
			return fmt.Errorf("ort: %s is too old: the Go binding needs ONNX Runtime 1.%d or newer "+
				"(C API version %d); install %s (`make deps`) or point %s at it",
				path, minMinor, minMinor, ExpectedVersion, EnvLibrary)
		}
		return fmt.Errorf("ort: loading %s: %w%s", path, err, loadHint(runtime.GOOS))
	}
	version := onnx.GetVersion()
	if err := checkVersion(version); err != nil {
		_ = onnx.DestroyEnvironment()
		return fmt.Errorf("ort: %s: %w", path, err)
	}
	if version != ExpectedVersion {
		log.Warn("ort: ONNX Runtime version differs from the tested one",
			"version", version, "expected", ExpectedVersion, "path", path)
	}
	_ = onnx.DisableTelemetry()
	lib.ready, lib.path, lib.version = true, path, version
	log.Info("ort: ONNX Runtime loaded", "version", version, "path", path)
	return nil
}

// LibraryPath returns the path of the loaded ONNX Runtime library, or "" before
// a successful Init.
func LibraryPath() string {
	lib.mu.Lock()
	defer lib.mu.Unlock()
	return lib.path
}

// Version returns the loaded ONNX Runtime's version (e.g. "1.29.0"), or ""
// before a successful Init.
func Version() string {
	lib.mu.Lock()
	defer lib.mu.Unlock()
	return lib.version
}

// loadHint is what a library that exists but does not load may lack on
// goos: on Windows, onnxruntime.dll imports the Microsoft Visual C++ runtime
// (VCRUNTIME140, MSVCP140 and their _1/_ATOMIC_WAIT parts), which a clean
// Windows does not have and the installer does not ship.
func loadHint(goos string) string {
	if goos == "windows" {
		return " (onnxruntime.dll needs the Microsoft Visual C++ 2015-2022 Redistributable, x64: install vc_redist.x64.exe)"
	}
	return ""
}

// libraryNames returns the file names the ONNX Runtime library has on goos,
// preferred first.
func libraryNames(goos string) []string {
	switch goos {
	case "windows":
		return []string{"onnxruntime.dll"}
	case "darwin":
		return []string{"libonnxruntime." + ExpectedVersion + ".dylib", "libonnxruntime.dylib"}
	default:
		return []string{"libonnxruntime.so.1", "libonnxruntime.so"}
	}
}

// searchPaths returns, in search order and without duplicates, the files that
// may be the ONNX Runtime library on goos, given the value of EnvLibrary
// (may be "") and the running executable's paths (may be none).
func searchPaths(goos, env string, exes ...string) []string {
	names := libraryNames(goos)
	out := envPaths(goos, env)
	var dirs []string
	for _, exe := range exes {
		dir := filepath.Dir(exe)
		dirs = append(dirs, dir)
		if goos != "windows" {
			dirs = append(dirs, filepath.Join(dir, "..", "lib"), filepath.Join(dir, "..", "lib", "kidney3d"))
		}
	}
	switch goos {
	case "linux":
		dirs = append(dirs, "/usr/lib/kidney3d", "/opt/kidney3d/lib")
	case "darwin":
		for _, exe := range exes {
			dirs = append(dirs, filepath.Join(filepath.Dir(exe), "..", "Frameworks"))
		}
	}
	for _, d := range dirs {
		for _, n := range names {
			out = append(out, filepath.Join(d, n))
		}
	}
	seen := make(map[string]bool, len(out))
	uniq := out[:0]
	for _, p := range out {
		if !seen[p] {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	return uniq
}

// envPaths returns the files EnvLibrary=env may name on goos: env itself,
// then the library names inside it; none when env is "".
func envPaths(goos, env string) []string {
	if env == "" {
		return nil
	}
	out := []string{filepath.Clean(env)}
	for _, n := range libraryNames(goos) {
		out = append(out, filepath.Join(env, n))
	}
	return out
}

// findLibrary returns the first candidate for which exists is true, or a
// *LibraryNotFoundError listing all candidates.
func findLibrary(candidates []string, exists func(string) bool) (string, error) {
	for _, c := range candidates {
		if exists(c) {
			return c, nil
		}
	}
	return "", &LibraryNotFoundError{Searched: candidates}
}

// fromEnv reports whether path is one of the candidates EnvLibrary=env yields.
func fromEnv(path, env, goos string) bool {
	return slices.Contains(envPaths(goos, env), path)
}

// isFile reports whether path names an existing regular file (or a symlink to
// one).
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// executablePaths returns the running executable's path with symlinks
// resolved, then as invoked when that differs; none when unknown.
func executablePaths() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil || resolved == exe {
		return []string{exe}
	}
	return []string{resolved, exe}
}

// checkVersion refuses an ONNX Runtime 1.x older than the binding's C API. A
// version string it cannot parse passes: the API handshake in Init already
// proved the C API new enough.
func checkVersion(v string) error {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return nil
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return nil
	}
	if major < 1 || (major == 1 && minor < minMinor) {
		return fmt.Errorf("ONNX Runtime %s is too old: the Go binding needs 1.%d or newer; install %s (`make deps`)",
			v, minMinor, ExpectedVersion)
	}
	return nil
}
