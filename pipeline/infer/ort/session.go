package ort

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	onnx "github.com/yalue/onnxruntime_go"
)

// ErrClosed is returned by Run on a closed Session.
var ErrClosed = errors.New("ort: session is closed")

// Options configure a Session. The zero value is usable: Auto provider, all
// cores, CPU arena off, the model's only input and output, slog.Default.
type Options struct {
	// Provider is the execution provider to ask for; "" means Auto.
	Provider Provider
	// Threads is the number of threads ONNX Runtime uses inside one
	// operator; 0 leaves it to ONNX Runtime, which uses one per physical
	// core.
	Threads int
	// CPUArena turns ONNX Runtime's CPU memory arena on. Off (the default)
	// returns memory after each run: the demo organ network on a 128³
	// patch peaked at 570 MB process memory instead of 761 MB with it
	// (BENCHMARKS.md).
	CPUArena bool
	// InputName and OutputName name the model's float32 input and output.
	// When empty, the model must have exactly one input (output) and it is
	// used.
	InputName, OutputName string
	// Log receives provider choices and fallbacks; nil means slog.Default.
	Log *slog.Logger
}

// Stats are a Session's cumulative counters.
type Stats struct {
	// Runs counts the batches Run completed.
	Runs int
	// RunTime is the time spent inside ONNX Runtime's own Run calls,
	// including a failed GPU run that was then redone on CPU.
	RunTime time.Duration
}

// Session runs one model on one execution provider. A Session is meant to be
// used by one goroutine at a time; calls from several goroutines are safe but
// run one after the other. Close it when done.
type Session struct {
	mu       sync.Mutex
	model    []byte
	opts     Options
	log      *slog.Logger
	libDir   string
	provider Provider
	// fallback says why the session runs on CPU instead of the GPU
	// provider asked for ("" when it runs where asked).
	fallback string
	sess     *onnx.DynamicAdvancedSession
	runOpts  *onnx.RunOptions
	stats    Stats
	// lastIn and lastOut are the shapes of the last successful run; a run
	// with the same input shape lets ONNX Runtime write into a Go slice
	// directly instead of allocating an output and copying it.
	lastIn, lastOut []int64
}

// testHooks is a seam for this package's tests; both are nil in production.
var testHooks struct {
	// attach, when set, replaces attaching provider p to so (so a test can
	// pretend a CPU session runs on a GPU provider).
	attach func(p Provider, so *onnx.SessionOptions) error
	// beforeRun, when set, is called before each ONNX Runtime run with the
	// session's provider; an error it returns stands for that run's error.
	beforeRun func(p Provider) error
}

// NewSession loads model (the bytes of an .onnx file) on the first provider
// of opts.Provider's chain that attaches, calling Init first if needed. The
// Session keeps model (to rebuild itself on CPU after a GPU failure): do not
// modify it while the Session is open.
func NewSession(model []byte, opts Options) (*Session, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if err := Init(log); err != nil {
		return nil, err
	}
	if opts.Threads < 0 {
		return nil, fmt.Errorf("ort: Threads is %d, want 0 (all cores) or more", opts.Threads)
	}
	switch opts.Provider {
	case "":
		opts.Provider = Auto
	case Auto, CPU, CUDA, DirectML, CoreML:
	default:
		return nil, fmt.Errorf("ort: unknown provider %q", opts.Provider)
	}
	ins, outs, err := modelNames(model)
	if err != nil {
		return nil, fmt.Errorf("ort: reading the model: %w", err)
	}
	if opts.InputName, err = pickName("input", opts.InputName, ins); err != nil {
		return nil, err
	}
	if opts.OutputName, err = pickName("output", opts.OutputName, outs); err != nil {
		return nil, err
	}
	ro, err := onnx.NewRunOptions()
	if err != nil {
		return nil, fmt.Errorf("ort: run options: %w", err)
	}
	s := &Session{model: model, opts: opts, log: log, libDir: filepath.Dir(LibraryPath()), runOpts: ro}
	chain := providerChain(opts.Provider, runtime.GOOS)
	for i, p := range chain {
		sess, err := s.open(p)
		if err == nil {
			s.sess, s.provider = sess, p
			log.Info("ort: session ready", "provider", string(p), "threads", opts.Threads, "cpu_arena", opts.CPUArena)
			return s, nil
		}
		if p == CPU || i == len(chain)-1 {
			_ = ro.Destroy()
			return nil, fmt.Errorf("ort: creating session on %s: %w", p, err)
		}
		level := slog.LevelWarn
		if opts.Provider == Auto && errors.Is(err, errNotInstalled) {
			// Expected on every machine without that GPU: not worth a warning.
			level = slog.LevelInfo
		} else if s.fallback == "" {
			s.fallback = fmt.Sprintf("%s did not start (%s)%s", p, shortReason(err), needs(p))
		}
		log.Log(context.Background(), level, "ort: execution provider unavailable, trying the next one",
			"provider", string(p), "next", string(chain[i+1]), "reason", err.Error())
	}
	panic("unreachable: the provider chain ends with CPU")
}

// pickName returns given when the model has such an input (output), or the
// model's only one when given is "".
func pickName(kind, given string, names []string) (string, error) {
	if given == "" {
		if len(names) != 1 {
			return "", fmt.Errorf("ort: the model has %d %ss %q; set Options.%sName",
				len(names), kind, names, strings.ToUpper(kind[:1])+kind[1:])
		}
		return names[0], nil
	}
	if !slices.Contains(names, given) {
		return "", fmt.Errorf("ort: the model has no %s %q (it has %q)", kind, given, names)
	}
	return given, nil
}

// open creates an ONNX Runtime session for s.model on provider p.
func (s *Session) open(p Provider) (*onnx.DynamicAdvancedSession, error) {
	so, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(s.opts.Threads); err != nil {
		return nil, fmt.Errorf("setting %d threads: %w", s.opts.Threads, err)
	}
	if err := so.SetCpuMemArena(s.opts.CPUArena); err != nil {
		return nil, fmt.Errorf("setting the CPU arena: %w", err)
	}
	if hook := testHooks.attach; hook != nil {
		err = hook(p, so)
	} else {
		err = attachProvider(p, so, runtime.GOOS, s.libDir)
	}
	if err != nil {
		return nil, err
	}
	sess, err := onnx.NewDynamicAdvancedSessionWithONNXData(s.model,
		[]string{s.opts.InputName}, []string{s.opts.OutputName}, so)
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Provider returns the execution provider the Session runs on now: the one
// that attached at creation, or CPU after a GPU failure.
func (s *Session) Provider() Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.provider
}

// Fallback says why the Session runs on CPU although a GPU provider was
// asked for: the provider that did not start, or failed during a run, and
// the short reason ("cuda did not start (libcublasLt.so.13: cannot open
// shared object file: No such file or directory); it needs …"). It is ""
// when the Session runs where asked, and for Auto on a machine where no GPU
// provider is installed.
func (s *Session) Fallback() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fallback
}

// Stats returns the Session's cumulative counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close releases the Session's ONNX Runtime resources. It is safe to call
// more than once; Run after Close returns ErrClosed.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.sess != nil {
		err = s.sess.Destroy()
		s.sess = nil
	}
	if s.runOpts != nil {
		_ = s.runOpts.Destroy()
		s.runOpts = nil
	}
	return err
}

// Run runs one batch: input holds a float32 tensor of the given shape (in
// row-major order; the model decides which shapes it accepts) and the result
// is the model's float32 output and its shape. input is only read, and only
// during the call; output is a new slice owned by the caller.
//
// When ctx is cancelled during the run, ONNX Runtime is told to stop (it
// checks between operators) and Run returns ctx.Err(); the Session stays
// usable. When a run on a GPU provider fails for any other reason, the
// failure is logged, the Session is rebuilt on CPU, the same batch is run
// again there, and the Session stays on CPU. An error on CPU is returned as
// is.
func (s *Session) Run(ctx context.Context, input []float32, shape []int64) (output []float32, outShape []int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	n, err := elements(shape)
	if err != nil {
		return nil, nil, err
	}
	if n != int64(len(input)) {
		return nil, nil, fmt.Errorf("ort: input has %d values, shape %v needs %d", len(input), shape, n)
	}
	in, err := onnx.NewTensor(onnx.Shape(shape), input)
	if err != nil {
		return nil, nil, fmt.Errorf("ort: input tensor: %w", err)
	}
	defer in.Destroy()

	output, outShape, err = s.runOnce(ctx, in, shape)
	if err == nil {
		s.stats.Runs++
		return output, outShape, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, nil, ctxErr
	}
	if s.provider == CPU {
		return nil, nil, fmt.Errorf("ort: run on cpu: %w", err)
	}
	failed := s.provider
	s.log.Warn("ort: run failed on the GPU provider; continuing on CPU",
		"provider", string(failed), "error", err.Error())
	cpu, openErr := s.open(CPU)
	if openErr != nil {
		return nil, nil, fmt.Errorf("ort: run on %s: %w; rebuilding on cpu: %v", failed, err, openErr)
	}
	_ = s.sess.Destroy()
	s.sess, s.provider = cpu, CPU
	s.fallback = fmt.Sprintf("%s failed after %d batches (%s)", failed, s.stats.Runs, shortReason(err))
	s.lastIn, s.lastOut = nil, nil

	output, outShape, err = s.runOnce(ctx, in, shape)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, ctxErr
		}
		return nil, nil, fmt.Errorf("ort: run on cpu after %s failed: %w", failed, err)
	}
	s.stats.Runs++
	return output, outShape, nil
}

// runOnce runs the current ONNX Runtime session once on in, stopping it when
// ctx is cancelled.
func (s *Session) runOnce(ctx context.Context, in *onnx.Tensor[float32], shape []int64) ([]float32, []int64, error) {
	if err := s.runOpts.UnsetTerminate(); err != nil {
		return nil, nil, fmt.Errorf("clearing the terminate flag: %w", err)
	}
	if hook := testHooks.beforeRun; hook != nil {
		if err := hook(s.provider); err != nil {
			return nil, nil, err
		}
	}

	// Same input shape as last time: the output shape is known, so ONNX
	// Runtime writes straight into a Go slice. Otherwise it allocates the
	// output and the binding copies it into Go memory.
	var data []float32
	outputs := []onnx.Value{nil}
	if s.lastIn != nil && slices.Equal(shape, s.lastIn) {
		n, _ := elements(s.lastOut)
		data = make([]float32, n)
		t, err := onnx.NewTensor(onnx.Shape(slices.Clone(s.lastOut)), data)
		if err != nil {
			return nil, nil, fmt.Errorf("output tensor: %w", err)
		}
		outputs[0] = t
	}

	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = s.runOpts.Terminate()
		close(stopped)
	})
	start := time.Now()
	err := s.sess.RunWithOptions([]onnx.Value{in}, outputs, s.runOpts)
	s.stats.RunTime += time.Since(start)
	if !stop() {
		<-stopped // Terminate ran or is running: let it finish before the next UnsetTerminate.
	}
	out := outputs[0]
	if out != nil {
		defer out.Destroy()
	}
	if err != nil {
		return nil, nil, err
	}
	t, ok := out.(*onnx.Tensor[float32])
	if !ok {
		return nil, nil, fmt.Errorf("output %q is %v, want a float32 tensor", s.opts.OutputName, out.DataType())
	}
	if data == nil {
		data = t.GetData()
	}
	outShape := []int64(t.GetShape())
	s.lastIn, s.lastOut = slices.Clone(shape), slices.Clone(outShape)
	return data, outShape, nil
}

// elements returns the number of values a tensor of shape holds.
func elements(shape []int64) (int64, error) {
	if len(shape) == 0 {
		return 0, errors.New("ort: empty shape")
	}
	n := int64(1)
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("ort: shape %v has a dimension ≤ 0", shape)
		}
		if n > (1<<62)/d {
			return 0, fmt.Errorf("ort: shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}
