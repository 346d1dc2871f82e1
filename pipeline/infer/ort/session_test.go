package ort

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	onnx "github.com/yalue/onnxruntime_go"
)

// parityTolerance is the largest difference allowed between torch's output
// and ours.
const parityTolerance = 1e-4

func TestParity(t *testing.T) {
	p := loadParity(t)
	s := p.session(t, p.options(CPU, nil))
	// The second run has the same shape and writes into a preallocated
	// output: both paths must agree with torch.
	for run := range 2 {
		out, shape, err := s.Run(context.Background(), p.input, p.inShape)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !slices.Equal(shape, p.outShape) {
			t.Fatalf("run %d: output shape %v, want %v", run, shape, p.outShape)
		}
		d := maxAbsDiff(out, p.output)
		t.Logf("run %d: max |ours - torch| = %.3g over %d values", run, d, len(out))
		if d > parityTolerance {
			t.Errorf("run %d: max abs difference %.3g > %.0e", run, d, parityTolerance)
		}
	}
	if st := s.Stats(); st.Runs != 2 || st.RunTime <= 0 {
		t.Errorf("Stats() = %+v, want 2 runs and some time", st)
	}
	if s.Provider() != CPU {
		t.Errorf("Provider() = %s, want cpu", s.Provider())
	}
}

func TestNamesFromModel(t *testing.T) {
	p := loadParity(t)
	opts := p.options(CPU, nil)
	opts.InputName, opts.OutputName = "", ""
	s := p.session(t, opts)
	if s.opts.InputName != p.inName || s.opts.OutputName != p.outName {
		t.Errorf("names %q, %q; want %q, %q", s.opts.InputName, s.opts.OutputName, p.inName, p.outName)
	}
}

func TestDynamicShapes(t *testing.T) {
	p := loadParity(t)
	s := p.session(t, p.options(CPU, nil))
	// Shapes alternate so the preallocated-output path meets a changed shape.
	for _, shape := range [][]int64{{1, 2, 8, 8, 8}, {2, 2, 4, 8, 12}, {1, 2, 8, 8, 8}, p.inShape} {
		n, _ := elements(shape)
		in := make([]float32, n)
		out, outShape, err := s.Run(context.Background(), in, shape)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		want := slices.Clone(shape)
		want[1] = p.outShape[1]
		if !slices.Equal(outShape, want) {
			t.Errorf("input %v: output shape %v, want %v", shape, outShape, want)
		}
		if m, _ := elements(outShape); int64(len(out)) != m {
			t.Errorf("input %v: %d output values for shape %v", shape, len(out), outShape)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	p := loadParity(t)
	s := p.session(t, p.options(CPU, nil))
	ctx := context.Background()
	if _, _, err := s.Run(ctx, p.input[:10], p.inShape); err == nil {
		t.Error("short input accepted")
	}
	if _, _, err := s.Run(ctx, nil, []int64{1, 0, 4}); err == nil {
		t.Error("zero dimension accepted")
	}
	if _, _, err := s.Run(ctx, make([]float32, 2*3*5*7), []int64{1, 2, 3, 5, 7}); err == nil {
		t.Error("shape the model cannot take accepted")
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.Run(done, p.input, p.inShape); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context = %v, want context.Canceled", err)
	}
	// Errors on CPU do not change the session.
	if out, _, err := s.Run(ctx, p.input, p.inShape); err != nil || maxAbsDiff(out, p.output) > parityTolerance {
		t.Errorf("Run after errors: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := s.Run(ctx, p.input, p.inShape); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
}

func TestOptionsValidated(t *testing.T) {
	p := loadParity(t)
	opts := p.options(CPU, nil)
	opts.Threads = -1
	if _, err := NewSession(p.model, opts); err == nil {
		t.Error("Threads -1 accepted")
	}
	if _, err := NewSession(p.model, p.options("tpu", nil)); err == nil {
		t.Error("provider tpu accepted")
	}
	opts = p.options(CPU, nil)
	opts.OutputName = "no_such_output"
	if _, err := NewSession(p.model, opts); err == nil {
		t.Error("unknown output name accepted")
	}
}

// TestConcurrentRuns shares one Session between goroutines (not the intended
// use, but it must stay correct): runs serialise and all results match.
func TestConcurrentRuns(t *testing.T) {
	p := loadParity(t)
	s := p.session(t, p.options(CPU, nil))
	var wg sync.WaitGroup
	diffs := make([]float64, 4)
	for i := range diffs {
		wg.Go(func() {
			out, _, err := s.Run(context.Background(), p.input, p.inShape)
			if err != nil {
				t.Error(err)
				return
			}
			diffs[i] = maxAbsDiff(out, p.output)
		})
	}
	wg.Wait()
	for i, d := range diffs {
		if d > parityTolerance {
			t.Errorf("goroutine %d: max abs difference %.3g", i, d)
		}
	}
	if st := s.Stats(); st.Runs != len(diffs) {
		t.Errorf("Stats().Runs = %d, want %d", st.Runs, len(diffs))
	}
}

// TestCUDAUnavailableFallsBackToCPU asks for CUDA on a machine without the
// CUDA provider libraries (or without a GPU): the session must come up on
// CPU, say why, and compute the same as CPU.
func TestCUDAUnavailableFallsBackToCPU(t *testing.T) {
	p := loadParity(t)
	rec := &recorder{}
	s := p.session(t, p.options(CUDA, slog.New(rec)))
	if s.Provider() == CUDA {
		t.Skip("CUDA attached: this machine has a working CUDA provider")
	}
	if s.Provider() != CPU {
		t.Fatalf("Provider() = %s, want cpu", s.Provider())
	}
	warn := rec.find(slog.LevelWarn, "provider=cuda", "next=cpu")
	if warn == "" {
		t.Fatalf("no warning about CUDA; log:\n%s", rec.dump())
	}
	t.Logf("warning: %s", warn)
	for _, lib := range missingFiles(filepath.Dir(LibraryPath()), cudaLibraries(runtime.GOOS), isFile) {
		if !strings.Contains(warn, lib) {
			t.Errorf("warning does not name the missing %s: %s", lib, warn)
		}
	}
	// What the run prints beside the stage: the provider, the loader's own
	// words (a missing CUDA library, or no device) and what CUDA needs.
	why := s.Fallback()
	t.Logf("Fallback(): %s", why)
	if !strings.HasPrefix(why, "cuda did not start (") || !strings.HasSuffix(why, needs(CUDA)) ||
		strings.Contains(why, "onnxruntime_src") {
		t.Errorf("Fallback() = %q, want \"cuda did not start (<reason>)%s\"", why, needs(CUDA))
	}
	out, _, err := s.Run(context.Background(), p.input, p.inShape)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(out, p.output); d > parityTolerance {
		t.Errorf("max abs difference to torch %.3g", d)
	}
}

func TestAutoOnCPUMachineLogsNoWarning(t *testing.T) {
	p := loadParity(t)
	rec := &recorder{}
	s := p.session(t, p.options(Auto, slog.New(rec)))
	if s.Provider() != CPU {
		t.Skipf("Auto chose %s: this machine has a GPU provider", s.Provider())
	}
	if missing := missingFiles(s.libDir, cudaLibraries("linux"), isFile); len(missing) == 0 {
		t.Skip("CUDA provider libraries installed: a failure to attach is worth a warning")
	}
	if w := rec.find(slog.LevelWarn); w != "" {
		t.Errorf("Auto without GPU providers warned: %s", w)
	}
	if why := s.Fallback(); why != "" {
		t.Errorf("Fallback() = %q, want \"\" (no GPU provider installed)", why)
	}
	if rec.find(slog.LevelInfo, "provider=cuda", "not installed") == "" {
		t.Errorf("Auto did not say why CUDA was skipped; log:\n%s", rec.dump())
	}
}

// pretendGPU makes sessions asking for CUDA attach nothing (they really run on
// CPU but report CUDA) and makes their runs fail from run failAfter+1 on; it
// returns a function counting the runs attempted on "CUDA".
func pretendGPU(t *testing.T, failAfter int) func() int {
	t.Helper()
	gpuRuns := 0
	testHooks.attach = func(p Provider, so *onnx.SessionOptions) error {
		if p == CUDA {
			return nil
		}
		return attachProvider(p, so, "linux", "")
	}
	testHooks.beforeRun = func(p Provider) error {
		if p != CUDA {
			return nil
		}
		gpuRuns++
		if gpuRuns > failAfter {
			return errors.New("CUDA failure 2: out of memory (simulated)")
		}
		return nil
	}
	t.Cleanup(func() { testHooks.attach, testHooks.beforeRun = nil, nil })
	return func() int { return gpuRuns }
}

// TestGPUFailureMidCaseRerunsOnCPU fails the "GPU" session on its third run:
// that batch must be redone on CPU with the CPU result, a warning logged, and
// the session must stay on CPU.
func TestGPUFailureMidCaseRerunsOnCPU(t *testing.T) {
	p := loadParity(t)
	cpu := p.session(t, p.options(CPU, nil))
	want, _, err := cpu.Run(context.Background(), p.input, p.inShape)
	if err != nil {
		t.Fatal(err)
	}

	const k = 2
	gpuRuns := pretendGPU(t, k)
	rec := &recorder{}
	s := p.session(t, p.options(CUDA, slog.New(rec)))
	if s.Provider() != CUDA {
		t.Fatalf("Provider() = %s, want the pretend cuda", s.Provider())
	}
	for run := range k + 3 {
		got, _, err := s.Run(context.Background(), p.input, p.inShape)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if d := maxAbsDiff(got, want); d > 1e-6 {
			t.Errorf("run %d on %s: max abs difference to CPU %.3g", run, s.Provider(), d)
		}
		wantProvider := CUDA
		if run >= k {
			wantProvider = CPU
		}
		if s.Provider() != wantProvider {
			t.Errorf("after run %d: Provider() = %s, want %s", run, s.Provider(), wantProvider)
		}
	}
	if n := gpuRuns(); n != k+1 {
		t.Errorf("%d runs tried on cuda, want %d (no cuda run after the failure)", n, k+1)
	}
	warn := rec.find(slog.LevelWarn, "provider=cuda", "out of memory (simulated)")
	if warn == "" {
		t.Fatalf("no warning naming the provider and the error; log:\n%s", rec.dump())
	}
	t.Logf("warning: %s", warn)
	if why, want := s.Fallback(), "cuda failed after 2 batches (CUDA failure 2: out of memory (simulated))"; why != want {
		t.Errorf("Fallback() = %q, want %q", why, want)
	}
	if st := s.Stats(); st.Runs != k+3 {
		t.Errorf("Stats().Runs = %d, want %d", st.Runs, k+3)
	}
}

// TestCPUErrorIsReturned checks that a failing CPU run is an error, with no
// retry.
func TestCPUErrorIsReturned(t *testing.T) {
	p := loadParity(t)
	boom := errors.New("boom")
	calls := 0
	testHooks.beforeRun = func(Provider) error { calls++; return boom }
	t.Cleanup(func() { testHooks.beforeRun = nil })
	s := p.session(t, p.options(CPU, nil))
	if _, _, err := s.Run(context.Background(), p.input, p.inShape); !errors.Is(err, boom) {
		t.Errorf("Run = %v, want boom", err)
	}
	if calls != 1 {
		t.Errorf("%d run attempts, want 1", calls)
	}
}

// TestCancel cancels a long run after a few milliseconds: Run must return
// context.Canceled promptly, and the session must work afterwards.
func TestCancel(t *testing.T) {
	p := loadParity(t)
	s := p.session(t, p.options(CPU, nil))

	shape := []int64{1, p.inShape[1], 128, 128, 128}
	n, _ := elements(shape)
	big := make([]float32, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = rng.Float32()*2 - 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := s.Run(ctx, big, shape)
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v after %v, want context.Canceled", err, took)
	}
	t.Logf("cancelled run returned after %v", took)
	if took > 3*time.Second {
		t.Errorf("cancelled run took %v to return", took)
	}
	if s.Stats().Runs != 0 {
		t.Errorf("cancelled run counted: %+v", s.Stats())
	}

	out, _, err := s.Run(context.Background(), p.input, p.inShape)
	if err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if d := maxAbsDiff(out, p.output); d > parityTolerance {
		t.Errorf("Run after cancel: max abs difference %.3g", d)
	}
	// The big input still runs to completion when nobody cancels.
	if testing.Short() {
		return
	}
	start = time.Now()
	if _, _, err := s.Run(context.Background(), big, shape); err != nil {
		t.Fatalf("uncancelled big run: %v", err)
	}
	t.Logf("the same run uncancelled takes %v", time.Since(start))
}

func BenchmarkRun(b *testing.B) {
	p := loadParity(b)
	s := p.session(b, p.options(CPU, nil))
	ctx := context.Background()
	if _, _, err := s.Run(ctx, p.input, p.inShape); err != nil { // warm up
		b.Fatal(err)
	}
	before := s.Stats()
	b.SetBytes(int64(4 * len(p.input)))
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, _, err := s.Run(ctx, p.input, p.inShape); err != nil {
			b.Fatal(err)
		}
	}
	wall := time.Since(start)
	st := s.Stats()
	runs := st.Runs - before.Runs
	inside := st.RunTime - before.RunTime
	b.ReportMetric(float64(inside.Nanoseconds())/float64(runs), "ort-ns/op")
	b.ReportMetric(float64((wall-inside).Nanoseconds())/float64(runs), "overhead-ns/op")
}
