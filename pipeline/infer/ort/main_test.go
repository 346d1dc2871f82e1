package ort

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	onnx "github.com/yalue/onnxruntime_go"
)

// defaultLibrary is where `make deps` puts ONNX Runtime, relative to this
// package.
var defaultLibrary = filepath.Join("..", "..", "..", ".deps", "onnxruntime-"+ExpectedVersion, "linux-x64", "libonnxruntime.so.1")

// parityDir holds the torch-made parity fixture.
var parityDir = filepath.Join("..", "..", "..", "testdata", "onnx", "parity")

// envWasSet records whether the caller named the library (the Makefile does):
// then a library that fails to load fails the tests instead of skipping them.
var envWasSet bool

func TestMain(m *testing.M) {
	envWasSet = os.Getenv(EnvLibrary) != ""
	if !envWasSet && runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		if abs, err := filepath.Abs(defaultLibrary); err == nil && isFile(abs) {
			os.Setenv(EnvLibrary, abs)
		}
	}
	code := m.Run()
	if LibraryPath() != "" {
		_ = onnx.DestroyEnvironment()
	}
	os.Exit(code)
}

// needORT initialises ONNX Runtime or skips the test when no library exists.
func needORT(tb testing.TB) {
	tb.Helper()
	err := Init(slog.New(slog.DiscardHandler))
	if err == nil {
		return
	}
	if envWasSet {
		tb.Fatalf("%s=%s: %v", EnvLibrary, os.Getenv(EnvLibrary), err)
	}
	tb.Skipf("ONNX Runtime not available (run `make deps` or set %s): %v", EnvLibrary, err)
}

// parity is the torch-made fixture: a tiny 3D U-Net, one input and torch's
// output for it.
type parity struct {
	model             []byte
	input, output     []float32
	inShape, outShape []int64
	inName, outName   string
}

func loadParity(tb testing.TB) *parity {
	tb.Helper()
	needORT(tb)
	var meta struct {
		InputShape  []int64 `json:"input_shape"`
		OutputShape []int64 `json:"output_shape"`
		InputName   string  `json:"input_name"`
		OutputName  string  `json:"output_name"`
	}
	raw, err := os.ReadFile(filepath.Join(parityDir, "meta.json"))
	if os.IsNotExist(err) {
		tb.Skipf("parity fixture missing: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		tb.Fatalf("meta.json: %v", err)
	}
	model, err := os.ReadFile(filepath.Join(parityDir, "model.onnx"))
	if err != nil {
		tb.Fatal(err)
	}
	return &parity{
		model:    model,
		input:    readF32(tb, filepath.Join(parityDir, "input.f32"), meta.InputShape),
		output:   readF32(tb, filepath.Join(parityDir, "output.f32"), meta.OutputShape),
		inShape:  meta.InputShape,
		outShape: meta.OutputShape,
		inName:   meta.InputName,
		outName:  meta.OutputName,
	}
}

// readF32 reads raw little-endian float32s and checks their count.
func readF32(tb testing.TB, path string, shape []int64) []float32 {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := elements(shape)
	if err != nil {
		tb.Fatal(err)
	}
	if int64(len(raw)) != 4*n {
		tb.Fatalf("%s: %d bytes, shape %v needs %d", path, len(raw), shape, 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// options returns CPU-friendly Options for the parity model.
func (p *parity) options(provider Provider, log *slog.Logger) Options {
	return Options{Provider: provider, Threads: 2, InputName: p.inName, OutputName: p.outName, Log: log}
}

// session opens a Session on the parity model, closed when the test ends.
func (p *parity) session(tb testing.TB, opts Options) *Session {
	tb.Helper()
	s, err := NewSession(p.model, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// maxAbsDiff returns the largest |a[i]-b[i]|; +Inf when lengths differ or a
// value is NaN.
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = max(m, d)
	}
	return m
}

// recorder is a slog.Handler that keeps every record.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// find returns the text (message and attributes) of the first record at
// level whose text holds every one of subs, or "" when none does.
func (r *recorder) find(level slog.Level, subs ...string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
next:
	for _, rec := range r.records {
		if rec.Level != level {
			continue
		}
		var b strings.Builder
		b.WriteString(rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		text := b.String()
		for _, s := range subs {
			if !strings.Contains(text, s) {
				continue next
			}
		}
		return text
	}
	return ""
}

func (r *recorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, rec := range r.records {
		fmt.Fprintf(&b, "%s %s", rec.Level, rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		b.WriteByte('\n')
	}
	return b.String()
}
