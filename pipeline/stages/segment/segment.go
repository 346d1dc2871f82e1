// Package segment holds the AI segmentation stages, the desktop form of
// the seed's nnU-Net inference services: "organs" (whole-body context
// organs from A), "vessels" (kidneys, artery and vein from A and P),
// "ureter" (from D) and "tumour" (tumour and cyst). Each runs a model
// package (pipeline/infer/modelpkg) through ONNX Runtime
// (pipeline/infer/ort) and the nnU-Net-style predictor (pipeline/infer),
// and writes one mask per label it declares, on the A grid. A label the
// case gives in input/masks is not written, so the given mask is the one
// used.
//
// A stage whose model package cannot be found, read, checked against the
// image limit (infer.CheckModel) or loaded by ONNX Runtime fails the run,
// naming the package, the file and the reason; with `optional: true` in
// its parameters it is skipped instead, the reason recorded under
// "skipped" in the manifest and shown in the run's summary. A stage
// configured with `model: none` is skipped the same way, by intent.
package segment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"kidney3d/assets"
	"kidney3d/pipeline/infer"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/volume"
)

// kind is one of the segmentation stages: its name, its default model
// package and the labels it writes by default.
type kind struct {
	name   string
	model  string
	labels []string
}

var kinds = []kind{
	{"organs", "demo-organs", []string{"liver", "spleen", "pancreas", "aorta", "inferior_vena_cava", "spine", "urinary_bladder"}},
	{"vessels", "demo-vessels", []string{"kidney_left", "kidney_right", "artery", "vein"}},
	{"ureter", "demo-ureter", []string{"ureter"}},
	{"tumour", "demo-tumour", []string{"tumor", "cyst"}},
}

func init() {
	for _, k := range kinds {
		stage.Register(k.name, func(name string, p stage.Params) (stage.Stage, error) {
			return newStage(k, name, p, catalogue())
		})
	}
}

// catalogue is where model packages are found: the installed folders,
// then the built-in demo packages.
func catalogue() modelpkg.Catalogue {
	return modelpkg.Catalogue{Dirs: modelpkg.DefaultDirs(), Builtin: assets.Models()}
}

// Params are a segmentation stage's parameters.
type Params struct {
	// Model is a package name (installed or built in) or a package folder;
	// "none" runs no model (the stage is skipped).
	Model string `yaml:"model" json:"model"`
	// Optional skips the stage, with the reason recorded, when its model
	// cannot be found or loaded; otherwise that fails the run.
	Optional bool `yaml:"optional" json:"optional"`
	// Labels are the label-table names written; "kidney_left" and
	// "kidney_right" may come from a model's "kidney", split by body side.
	Labels []string `yaml:"labels" json:"labels"`
	// Mirror is test-time mirroring: "auto" (on a GPU only), "on" or "off".
	Mirror string `yaml:"mirror" json:"mirror"`
	// Batch is the number of patches per network run.
	Batch int `yaml:"batch" json:"batch"`
	// Threads is ONNX Runtime's threads per operator (0: one per core).
	Threads int `yaml:"threads" json:"threads"`
}

// Stage is one segmentation stage.
type Stage struct {
	name   string
	params Params
	pkg    *modelpkg.Package
	// missing says why there is no model to run ("" when there is one).
	missing string
	// onnxHash identifies the network, so that a new model reruns the stage.
	onnxHash string
}

func newStage(k kind, name string, p stage.Params, cat modelpkg.Catalogue) (*Stage, error) {
	s := &Stage{name: name, params: Params{Model: k.model, Labels: k.labels, Mirror: "auto", Batch: 1}}
	if err := p.Decode(&s.params); err != nil {
		return nil, err
	}
	if !slices.Contains([]string{"auto", "on", "off"}, s.params.Mirror) {
		return nil, fmt.Errorf("mirror %q: want auto, on or off", s.params.Mirror)
	}
	if s.params.Batch < 1 || s.params.Threads < 0 {
		return nil, fmt.Errorf("batch %d, threads %d: want batch ≥ 1 and threads ≥ 0", s.params.Batch, s.params.Threads)
	}
	for _, l := range s.params.Labels {
		if _, ok := labels.Default().ByName(l); !ok {
			return nil, fmt.Errorf("label %q is not in the label table", l)
		}
	}
	if s.params.Model == "none" || s.params.Model == "" {
		s.missing = "no model package configured"
		return s, nil
	}
	pkg, err := cat.Find(s.params.Model)
	if err != nil {
		return s.unavailable(err)
	}
	if err := sources(pkg.Manifest, s.params.Labels); err != nil {
		return nil, fmt.Errorf("model %s (%s): %w", pkg.Name, pkg.Source, err)
	}
	if _, err := infer.CheckModel(pkg.Manifest, s.params.Batch); err != nil {
		return s.unavailable(&modelpkg.Error{Package: pkg.Name, File: pkg.File(modelpkg.ManifestFile), Err: err})
	}
	net, err := pkg.ONNX()
	if err != nil {
		return s.unavailable(err)
	}
	sum := sha256.Sum256(net)
	s.pkg, s.onnxHash = pkg, hex.EncodeToString(sum[:])
	return s, nil
}

// unavailable is the stage, skipped for err, when it is optional, and
// err otherwise.
func (s *Stage) unavailable(err error) (*Stage, error) {
	if !s.params.Optional {
		return nil, err
	}
	s.missing = "optional model unavailable: " + err.Error()
	return s, nil
}

// sources checks that the model gives every label written.
func sources(m *modelpkg.Manifest, want []string) error {
	for _, l := range want {
		if _, ok := m.Labels[l]; ok {
			continue
		}
		if _, ok := m.Labels["kidney"]; ok && (l == "kidney_left" || l == "kidney_right") {
			continue
		}
		return fmt.Errorf("the model has no label %q (it has %v); set the stage's labels", l, m.Structures())
	}
	return nil
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// phases are the model's input phases, or A when there is no model.
func (s *Stage) phases() []string {
	if s.pkg == nil {
		return []string{"A"}
	}
	return s.pkg.InputPhases
}

// phaseArtefact is where a phase is read: A as given, the others
// registered onto A.
func phaseArtefact(p string) string {
	if p == "A" {
		return stage.Phase("A")
	}
	return stage.Registered(p)
}

// Inputs implements stage.Stage.
func (s *Stage) Inputs() []string {
	in := []string{stage.Phase("A"), load.Summary}
	for _, p := range s.phases() {
		if p != "A" {
			in = append(in, phaseArtefact(p))
		}
	}
	return in
}

// Outputs implements stage.Stage: one mask per label.
func (s *Stage) Outputs() []string {
	out := make([]string, len(s.params.Labels))
	for i, l := range s.params.Labels {
		out[i] = stage.Mask(l)
	}
	return out
}

// OptionalOutputs implements orchestrate.OptionalOutputs: a skipped stage
// writes nothing, and a label given in input/masks is not written.
func (s *Stage) OptionalOutputs() []string { return s.Outputs() }

// Resource implements stage.Stage: inference takes the GPU, or every core.
func (s *Stage) Resource() stage.Resource { return stage.GPU }

// Params implements stage.Stage: the model's identity is part of them.
func (s *Stage) Params() any {
	var model *modelpkg.Identity
	var axes string
	if s.pkg != nil {
		id := s.pkg.Identity(s.onnxHash)
		model, axes = &id, s.pkg.AxisCodes()
	}
	return struct {
		Params
		ModelID *modelpkg.Identity `json:"model_id"`
		// ModelAxes is the storage the network runs in (model.json's
		// orientation), which changes its labels without changing it.
		ModelAxes string `json:"model_axes,omitempty"`
	}{s.params, model, axes}
}

// Check implements stage.Stage: the phases must be there.
func (s *Stage) Check(env *stage.Env) error {
	for _, p := range s.phases() {
		if _, err := env.Input(phaseArtefact(p)); err != nil {
			return err
		}
	}
	return nil
}

// Run implements stage.Stage.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	if s.pkg == nil {
		s.skip(env, s.missing)
		return nil
	}
	givenMasks, err := env.Case.GivenMasks()
	if err != nil {
		return err
	}
	var wanted, given []string
	for _, l := range s.params.Labels {
		if _, ok := givenMasks[l]; ok {
			given = append(given, l)
			continue
		}
		wanted = append(wanted, l)
	}
	if len(given) > 0 {
		env.Record["given"] = given
	}
	if len(wanted) == 0 {
		env.Record[stage.SkippedRecord] = "every label is given in input/masks"
		return nil
	}
	phases, err := s.loadPhases(ctx, env)
	if err != nil {
		return err
	}
	if err := ort.Init(env.Log); err != nil {
		return err
	}
	provider, err := ort.ParseProvider(env.Device)
	if err != nil {
		return err
	}
	net, err := s.pkg.ONNX()
	if err != nil {
		return err
	}
	sess, err := ort.NewSession(net, ort.Options{Provider: provider, Threads: s.params.Threads,
		InputName: s.pkg.ONNXInput, OutputName: s.pkg.ONNXOutput, Log: env.Log})
	if err != nil {
		err = &modelpkg.Error{Package: s.pkg.Name, File: s.pkg.File(modelpkg.NetworkFile), Err: err}
		if !s.params.Optional {
			return err
		}
		s.skip(env, "optional model unavailable: "+err.Error())
		return nil
	}
	defer sess.Close()
	mirror := s.params.Mirror == "on" || (s.params.Mirror == "auto" && sess.Provider() != ort.CPU)
	classes, tm, err := infer.Segment(ctx, s.pkg.Manifest, sess, phases,
		infer.Options{Mirror: mirror, Batch: s.params.Batch, Progress: func(f float64) { env.Progress(0.95 * f) }})
	if err != nil {
		return err
	}
	stats := sess.Stats()
	env.Record["model"] = map[string]string{"name": s.pkg.Name, "version": s.pkg.Version, "source": s.pkg.Source}
	env.Record["provider"] = string(sess.Provider())
	env.Record["mirror"] = mirror
	env.Record["timings"] = tm
	env.Record["onnxruntime_run_s"] = stats.RunTime.Seconds()
	return save(env, split(classes, s.pkg.Manifest, wanted, phases[0]))
}

// skip records why the stage writes nothing.
func (s *Stage) skip(env *stage.Env, why string) {
	env.Log.Warn("segmentation skipped", "reason", why)
	env.Record[stage.SkippedRecord] = why
}

// loadPhases reads the model's phases, concurrently, as int16 on the A
// grid.
func (s *Stage) loadPhases(ctx context.Context, env *stage.Env) ([]*volume.Volume[int16], error) {
	names := s.phases()
	out := make([]*volume.Volume[int16], len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, p := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer panics.Recover(&errs[i])
			path, err := env.Input(phaseArtefact(p))
			if err == nil {
				out[i], err = volume.Load[int16](path)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, ctx.Err()
}

// saveMask writes one mask; a panic while writing is an internal error.
func saveMask(env *stage.Env, label string, m *volume.Volume[uint8]) (err error) {
	defer panics.Recover(&err)
	return volume.Save(env.Output(stage.Mask(label)), m, env.Atomic())
}

// save writes the masks, concurrently, and records their voxel counts.
func save(env *stage.Env, masks map[string]*volume.Volume[uint8]) error {
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for l, m := range masks {
		n := 0
		for _, v := range m.Data {
			n += int(v)
		}
		counts[l] = n
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := saveMask(env, l, m); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	env.Record["voxels"] = counts
	env.Progress(1)
	return errors.Join(errs...)
}
