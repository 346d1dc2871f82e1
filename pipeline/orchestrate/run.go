// Package orchestrate runs a case's stages as a graph (DESIGN.md "How it
// computes"): the graph follows from the artefacts each stage declares;
// GPU stages run one at a time, CPU stages in parallel up to the cores; a
// stage whose inputs and parameters hash as at its last success is reused;
// every stage is cancellable and reports progress as events; the manifest
// is written after each stage's outputs.
package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/stage"
)

// Options configure a run.
type Options struct {
	Program string   // program version, recorded per stage; a new version reruns stages
	Device  string   // auto, cpu or gpu
	Force   []string // stages to run even if their last run can be reused
	Log     *slog.Logger
	Events  func(Event) // called from several goroutines, one call at a time
	// CPUSlots is how many CPU stages may run at once (default: the cores).
	CPUSlots int
	// Lock is the case's lock, taken by the caller; nil makes Run take it
	// (failing at once when another process holds it) and release it.
	Lock *casefile.Lock
}

// ErrUnknownStage is the error of a forced stage that the pipeline lacks.
var ErrUnknownStage = errors.New("no such stage in this pipeline")

// CheckForce checks that every stage named in force is one of stages.
func CheckForce(stages []stage.Stage, force []string) error {
	for _, f := range force {
		if !slices.ContainsFunc(stages, func(s stage.Stage) bool { return s.Name() == f }) {
			return fmt.Errorf("--force %s: %w", f, ErrUnknownStage)
		}
	}
	return nil
}

// runner is the state of one run.
type runner struct {
	opts    Options
	c       *casefile.Case
	plan    *plan
	mu      sync.Mutex // guards man, hasher and events
	man     *manifest.Manifest
	hasher  *manifest.Hasher
	volumes *stage.Store // the run's decoded volumes
	started time.Time
	// absent holds, per stage index, the optional outputs its run did not
	// write; only the scheduling goroutine touches it.
	// couldNot holds, per stage index, why a stage could not run, so that
	// the stages that needed its outputs say the same.
	couldNot map[int]string
	absent   map[int]map[stage.Artefact]bool
}

// Run runs the stages on the case, under the case's lock, and returns the
// first stage error (the stages still running are cancelled then), or
// ctx.Err() when cancelled; stages that finished before stay recorded, so
// the next run resumes where this one stopped. A panic in a stage is
// returned as an error wrapping a *panics.Error.
func Run(ctx context.Context, c *casefile.Case, stages []stage.Stage, opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Events == nil {
		opts.Events = func(Event) {}
	}
	if opts.CPUSlots <= 0 {
		opts.CPUSlots = runtime.NumCPU()
	}
	if err := CheckForce(stages, opts.Force); err != nil {
		return err
	}
	if opts.Lock == nil {
		lock, err := c.Lock(ctx, "kidney3d pipeline", nil)
		if err != nil {
			return err
		}
		defer lock.Unlock()
		opts.Lock = lock
	}
	// Temporary files left by a run that was killed are never outputs.
	if err := opts.Lock.CleanTemp(); err != nil {
		return err
	}
	man, err := manifest.Load(c.ManifestPath())
	if err != nil {
		return err
	}
	given, err := givenArtefacts(c)
	if err != nil {
		return err
	}
	p, err := newPlan(stages, given, c.ArtefactPath)
	if err != nil {
		return err
	}
	r := &runner{opts: opts, c: c, plan: p, man: man, started: time.Now(), absent: map[int]map[stage.Artefact]bool{}, couldNot: map[int]string{},
		hasher: &manifest.Hasher{Root: c.Dir, Cache: man.Hashes}, volumes: stage.NewStore()}
	return r.schedule(ctx)
}

// givenArtefacts are the phases and masks present in input/, the segment
// editor's saved versions (stage.Edits), and the reference phase: as stage.Reference and as itself on its own grid
// (stage.Registered), so that no stage registers it.
func givenArtefacts(c *casefile.Case) (map[stage.Artefact]string, error) {
	given := map[stage.Artefact]string{}
	for _, p := range c.PresentPhases() {
		given[stage.Phase(p)] = c.PhasePath(p)
	}
	if ref, ok := c.ReferencePhase(); ok {
		given[stage.Reference] = c.PhasePath(ref)
		given[stage.Registered(ref)] = c.PhasePath(ref)
	}
	masks, err := c.GivenMasks()
	if err != nil {
		return nil, err
	}
	for label, path := range masks {
		given[stage.Mask(label)] = path
		given[stage.Given(label)] = path
	}
	if st, err := os.Stat(c.MasksDir()); err == nil && st.IsDir() {
		given[stage.GivenFolder] = c.MasksDir()
	}
	if _, err := os.Stat(c.VersionsPath()); err == nil {
		given[stage.Edits] = c.VersionsPath()
	}
	return given, nil
}

// outcome is how a stage's run ended.
type outcome struct {
	i      int
	err    error
	absent map[stage.Artefact]bool // optional outputs not written
}

// schedule starts every stage whose dependencies have succeeded, as
// resource slots allow, until all have ended or one has failed; the first
// failure cancels the stages still running.
func (r *runner) schedule(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	n := len(r.plan.stages)
	const (
		pending = iota
		running
		succeeded
		unavailable
	)
	state := make([]int, n)
	slots := map[stage.Resource]int{stage.GPU: 1, stage.CPU: r.opts.CPUSlots, stage.IO: 2}
	done := make(chan outcome)
	var firstErr error
	active := 0
	for i, s := range r.plan.stages {
		r.emit(Event{Stage: s.Name(), State: Queued})
		if r.plan.allGiven(i) {
			state[i] = succeeded
			r.emit(Event{Stage: s.Name(), State: Given, Fraction: 1, Message: "all outputs given in input/"})
		}
	}
	for {
		if firstErr == nil && ctx.Err() == nil {
			for i, s := range r.plan.stages {
				if state[i] != pending {
					continue
				}
				ready, why := r.readiness(i, func(j int) int { return state[j] }, succeeded, unavailable)
				switch {
				case why != "":
					state[i] = unavailable
					r.couldNot[i] = why
					r.recordUnavailable(s, why)
					r.emit(Event{Stage: s.Name(), State: Skipped, Message: why})
					r.opts.Log.Warn("stage skipped", "stage", s.Name(), "reason", why)
				case ready && slots[s.Resource()] > 0:
					slots[s.Resource()]--
					state[i] = running
					active++
					go func(i int) {
						absent, err := r.runStage(ctx, i)
						done <- outcome{i, err, absent}
					}(i)
				}
			}
		}
		if active == 0 {
			break
		}
		o := <-done
		active--
		slots[r.plan.stages[o.i].Resource()]++
		// A file no stage left to run reads is not kept decoded.
		needed := map[string]bool{}
		for i, st := range state {
			if (st == pending || st == running) && i != o.i {
				for _, path := range r.plan.sources[i] {
					needed[path] = true
				}
			}
		}
		r.volumes.Release(func(path string) bool { return needed[path] })
		if o.err != nil {
			state[o.i] = unavailable
			if firstErr == nil {
				firstErr = o.err
				cancel(fmt.Errorf("stopped: stage %s failed", r.plan.stages[o.i].Name()))
			}
			continue
		}
		state[o.i] = succeeded
		r.absent[o.i] = o.absent
	}
	if firstErr != nil {
		return firstErr
	}
	return parent.Err()
}

// readiness says whether stage i can start (every dependency succeeded) or
// why it never will (a required input is missing or its producer did not
// succeed); optional inputs of producers that did not succeed are dropped.
func (r *runner) readiness(i int, state func(int) int, succeeded, unavailable int) (bool, string) {
	s := r.plan.stages[i]
	if miss := r.plan.missing[i]; len(miss) > 0 {
		return false, missingInputs(miss)
	}
	optional := optionalInputs(s)
	for _, j := range r.plan.deps[i] {
		var missing func(out stage.Artefact) bool
		switch state(j) {
		case unavailable:
			missing = func(stage.Artefact) bool { return true }
		case succeeded:
			missing = func(out stage.Artefact) bool { return r.absent[j][out] }
		default:
			return false, ""
		}
		for _, out := range r.plan.stages[j].Outputs() {
			if _, reads := r.plan.sources[i][out]; !reads || !missing(out) {
				continue
			}
			if !optional[out] {
				if why, ok := r.couldNot[j]; ok {
					return false, why
				}
				return false, fmt.Sprintf("input %s is unavailable (stage %s did not write it)", out, r.plan.stages[j].Name())
			}
			if f, ok := r.plan.given[out]; ok {
				// The producer left it to the case's own file.
				r.plan.sources[i][out] = f
				continue
			}
			delete(r.plan.sources[i], out)
		}
	}
	return true, ""
}

// missingInputs says which inputs a stage lacks, a phase by its file:
// "needs phase D (no input/D.nii.gz)"; the reference phase is missing only
// when the case has no phase at all.
func missingInputs(miss []stage.Artefact) string {
	var why, others []string
	for _, in := range miss {
		p, ok := stage.PhaseOf(in)
		if !ok {
			p, ok = stage.RegisteredOf(in)
		}
		var line string
		switch {
		case in == stage.Reference:
			line = "needs a phase (input/ has no A, P, D or N .nii.gz)"
		case ok:
			line = fmt.Sprintf("needs phase %s (no input/%s.nii.gz)", p, p)
		default:
			others = append(others, string(in))
			continue
		}
		if !slices.Contains(why, line) {
			why = append(why, line)
		}
	}
	if len(others) > 0 {
		why = append(why, "missing input "+strings.Join(others, ", "))
	}
	return strings.Join(why, "; ")
}

// recordUnavailable records in the manifest that stage s could not run in
// this run, why, and what it would have written, so that the report can
// name what was not made.
func (r *runner) recordUnavailable(s stage.Stage, why string) {
	e := &manifest.Entry{Status: manifest.Unavailable, Program: r.opts.Program, Started: time.Now().UTC(), Error: why,
		Record: map[string]any{manifest.UnmadeRecord: s.Outputs()}}
	if err := r.record(s.Name(), e); err != nil {
		r.opts.Log.Error("manifest not written", "stage", s.Name(), "err", err.Error())
	}
}

// emit sends an event, one at a time.
func (r *runner) emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Events(e)
}

// runStage reuses or runs stage i and records it. It returns the optional
// outputs that the stage did not write (an empty, non-nil set when it wrote
// all), or the stage's error.
func (r *runner) runStage(ctx context.Context, i int) (absent map[stage.Artefact]bool, err error) {
	s := r.plan.stages[i]
	log := r.opts.Log.With("stage", s.Name())
	t0 := time.Now()
	defer func() {
		if v := recover(); v != nil {
			p := panics.New(v)
			log.Error("stage panicked", "err", p.Error(), "stack", string(p.Stack))
			absent, err = r.fail(ctx, s, log, t0, nil, fmt.Errorf("stage %s: %w", s.Name(), p))
		}
	}()
	inputs, err := r.hashAll(ctx, r.plan.sources[i])
	if err != nil {
		return r.fail(ctx, s, log, t0, nil, fmt.Errorf("stage %s: %w", s.Name(), err))
	}
	params, paramsHash, err := manifest.Params(s.Params())
	if err != nil {
		return r.fail(ctx, s, log, t0, inputs, fmt.Errorf("stage %s: parameters: %w", s.Name(), err))
	}
	if absent, ok := r.reusable(ctx, s, inputs, paramsHash); ok && !slices.Contains(r.opts.Force, s.Name()) {
		r.emit(Event{Stage: s.Name(), State: Reused, Fraction: 1, Message: "inputs and parameters unchanged"})
		log.Info("stage reused")
		return absent, nil
	}
	env := stage.NewEnv(r.c, log, s.Name(), r.opts.Device, r.plan.sources[i], r.progress(s.Name(), t0))
	env.Volumes = r.volumes
	r.emit(Event{Stage: s.Name(), State: Running})
	log.Info("stage started")
	if err := s.Check(env); err != nil {
		return r.fail(ctx, s, log, t0, inputs, fmt.Errorf("stage %s: %w", s.Name(), err))
	}
	if err := s.Run(ctx, env); err != nil {
		return r.fail(ctx, s, log, t0, inputs, fmt.Errorf("stage %s: %w", s.Name(), err))
	}
	outputs := map[stage.Artefact]string{}
	absent = map[stage.Artefact]bool{}
	optional := optionalOutputs(s)
	for _, out := range s.Outputs() {
		p := env.Output(out)
		if _, err := os.Stat(p); err != nil && optional[out] {
			absent[out] = true
			continue
		}
		outputs[out] = p
	}
	outHashes, err := r.hashAll(ctx, outputs)
	if err != nil {
		return r.fail(ctx, s, log, t0, inputs, fmt.Errorf("stage %s: an output is missing: %w", s.Name(), err))
	}
	entry := &manifest.Entry{Status: manifest.OK, Program: r.opts.Program, Inputs: inputs, Params: params,
		ParamsHash: paramsHash, Outputs: outHashes, Record: env.Record, Started: t0.UTC(), Seconds: time.Since(t0).Seconds()}
	if err := r.record(s.Name(), entry); err != nil {
		return nil, err
	}
	state := Done
	why, _ := env.Record[stage.NoteRecord].(string)
	if skipped, _ := env.Record[stage.SkippedRecord].(string); skipped != "" {
		state, why = Skipped, skipped
	}
	r.emit(Event{Stage: s.Name(), State: state, Fraction: 1, Elapsed: entry.Seconds, Message: why})
	log.Info("stage done", "seconds", entry.Seconds)
	return absent, nil
}

// reusable reports whether the last run of s had these inputs and
// parameters, succeeded under this program version, and its outputs are
// still there unchanged; it also returns the optional outputs that run did
// not write.
func (r *runner) reusable(ctx context.Context, s stage.Stage, inputs map[string]manifest.File, paramsHash string) (map[stage.Artefact]bool, bool) {
	r.mu.Lock()
	prev := r.man.Stages[s.Name()]
	r.mu.Unlock()
	if prev == nil || prev.Status != manifest.OK || prev.Program != r.opts.Program || prev.ParamsHash != paramsHash ||
		!sameFiles(prev.Inputs, inputs) {
		return nil, false
	}
	absent := map[stage.Artefact]bool{}
	optional := optionalOutputs(s)
	for _, out := range s.Outputs() {
		if _, ok := prev.Outputs[string(out)]; !ok {
			if !optional[out] {
				return nil, false
			}
			absent[out] = true
		}
	}
	paths := map[stage.Artefact]string{}
	for name, f := range prev.Outputs {
		paths[stage.Artefact(name)] = filepath.Join(r.c.Dir, filepath.FromSlash(f.Path))
	}
	now, err := r.hashAll(ctx, paths)
	return absent, err == nil && sameFiles(prev.Outputs, now)
}

func sameFiles(a, b map[string]manifest.File) bool {
	if len(a) != len(b) {
		return false
	}
	for k, f := range a {
		if b[k] != f {
			return false
		}
	}
	return true
}

// hashAll hashes artefact files, stopping when ctx is done.
func (r *runner) hashAll(ctx context.Context, paths map[stage.Artefact]string) (map[string]manifest.File, error) {
	out := map[string]manifest.File{}
	for name, p := range paths {
		f, err := func() (manifest.File, error) {
			r.mu.Lock()
			defer r.mu.Unlock() // even when hashing panics
			return r.hasher.FileContext(ctx, p)
		}()
		if err != nil {
			return nil, err
		}
		out[string(name)] = f
	}
	return out, nil
}

// fail records a stage that failed or was cancelled and returns its error.
// A stage cancelled because another failed says which.
func (r *runner) fail(ctx context.Context, s stage.Stage, log *slog.Logger, t0 time.Time, inputs map[string]manifest.File, err error) (map[stage.Artefact]bool, error) {
	st, ev := manifest.Failed, Failed
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		st, ev = manifest.Cancelled, Cancelled
		if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
			err = fmt.Errorf("%w (%v)", err, cause)
		}
	}
	entry := &manifest.Entry{Status: st, Program: r.opts.Program, Inputs: inputs, Started: t0.UTC(),
		Seconds: time.Since(t0).Seconds(), Error: err.Error()}
	if rerr := r.record(s.Name(), entry); rerr != nil {
		log.Error("manifest not written", "err", rerr)
	}
	r.emit(Event{Stage: s.Name(), State: ev, Elapsed: entry.Seconds, Message: err.Error()})
	log.Error("stage "+st, "err", err.Error())
	return nil, err
}

// record stores a stage's entry and writes the manifest.
func (r *runner) record(name string, e *manifest.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.man.Stages[name] = e
	return r.man.Save(r.c.ManifestPath())
}

// progress returns the stage's progress sink: it emits Running events with
// an estimate of the time left, at most every 100 ms.
func (r *runner) progress(name string, t0 time.Time) func(float64) {
	var mu sync.Mutex
	var last time.Time
	return func(f float64) {
		mu.Lock()
		now := time.Now()
		if now.Sub(last) < 100*time.Millisecond && f < 1 {
			mu.Unlock()
			return
		}
		last = now
		mu.Unlock()
		el := now.Sub(t0).Seconds()
		var eta float64
		if f > 0.01 {
			eta = el * (1 - f) / f
		}
		r.emit(Event{Stage: name, State: Running, Fraction: f, Elapsed: el, Estimate: eta})
	}
}
