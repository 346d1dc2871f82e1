package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"kidney3d/assets"
	"kidney3d/pipeline/infer"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// segmentKind is one of the segmentation stages: its name, its default model
// packages (in order of preference) and the labels it writes by default.
type segmentKind struct {
	name   string
	models []string
	labels []string
}

// segmentKinds are the segmentation stages. Kidneys and tumour come from A and P
// together when the case has both, else from any one contrast phase; the
// vessels from A and P, else from A or P alone; the ureter from the
// delayed phase.
var segmentKinds = []segmentKind{
	{"organs", []string{"demo-organs"}, []string{"liver", "spleen", "pancreas", "aorta", "inferior_vena_cava", "spine", "urinary_bladder"}},
	{"vessels", []string{"demo-vessels", "demo-vessels-single"}, []string{"artery", "vein"}},
	{"ureter", []string{"demo-ureter"}, []string{"ureter"}},
	{"tumour", []string{"demo-tumour", "demo-kidney"}, []string{"kidney_left", "kidney_right", "tumor", "cyst"}},
}

func init() {
	for _, k := range segmentKinds {
		stage.Register(k.name, func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
			return newSegment(k, name, p, table, modelCatalogue())
		})
	}
}

// modelCatalogue is where model packages are found: the installed folders,
// then the built-in demo packages.
func modelCatalogue() modelpkg.Catalogue {
	return modelpkg.Catalogue{Dirs: modelpkg.DefaultDirs(), Builtin: assets.Models()}
}

// SegmentParams are a segmentation stage's parameters.
type SegmentParams struct {
	// Model is one package name (installed or built in) or package folder;
	// "none" runs no model (the stage is skipped). It is short for Models
	// with one entry.
	Model string `yaml:"model" json:"model,omitempty"`
	// Models are packages in order of preference: the first whose input
	// phases the case has runs.
	Models []string `yaml:"models" json:"models"`
	// Optional skips a model that cannot be found or loaded, with the
	// reason recorded; otherwise that fails the run.
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

// way is one model the stage may run.
type way struct {
	pkg *modelpkg.Package
	// onnxHash identifies the network, so that a new model reruns the stage.
	onnxHash string
}

// Segment is one of the AI segmentation stages, the desktop form of
// the seed's nnU-Net inference services: "organs" (whole-body context
// organs from A), "vessels" (artery and vein from A and P, else from A or
// P), "ureter" (from D) and "tumour" (kidneys, tumour and cyst from A and
// P, else from any one contrast phase). Each runs a model package
// (pipeline/infer/modelpkg) through ONNX Runtime (pipeline/infer/ort) and
// the nnU-Net-style predictor (pipeline/infer), and writes one mask per label it declares,
// on the reference grid. A label the case gives in input/masks is not
// written, so the given mask is the one used.
//
// A stage lists its models in order of preference (`models`); the first
// whose input phases the case has runs, and the manifest records which
// model and which phases (stage.ModelRecord, stage.PhasesRecord). When none can run,
// the stage writes nothing and says which phases it needs, listing what
// it would have made (manifest.UnmadeRecord).
//
// A stage whose model package cannot be found, read, checked against the
// image limit (infer.CheckModel) or loaded by ONNX Runtime fails the run,
// naming the package, the file and the reason; with `optional: true` in
// its parameters that model is passed over instead, the reason recorded
// under "skipped" in the manifest and shown in the run's summary when no
// model is left. A stage configured with `model: none` is skipped the same
// way, by intent.
type Segment struct {
	stage.Base[SegmentParams]
	// ways are the models it may run, in order of preference.
	ways []way
	// missing says why there is no model to run ("" when there is one).
	missing string
}

func newSegment(k segmentKind, name string, p stage.Params, table *labels.Table, cat modelpkg.Catalogue) (*Segment, error) {
	b, err := stage.NewBase(name, table, SegmentParams{Labels: k.labels, Mirror: "auto", Batch: 1}, p)
	if err != nil {
		return nil, err
	}
	s := &Segment{Base: b}
	switch {
	case s.Config.Model != "" && s.Config.Models != nil:
		return nil, fmt.Errorf("model %q and models %v: set one of them", s.Config.Model, s.Config.Models)
	case s.Config.Model != "":
		s.Config.Models, s.Config.Model = []string{s.Config.Model}, ""
	case s.Config.Models == nil:
		s.Config.Models = k.models
	}
	if !slices.Contains([]string{"auto", "on", "off"}, s.Config.Mirror) {
		return nil, fmt.Errorf("mirror %q: want auto, on or off", s.Config.Mirror)
	}
	if s.Config.Batch < 1 || s.Config.Threads < 0 {
		return nil, fmt.Errorf("batch %d, threads %d: want batch ≥ 1 and threads ≥ 0", s.Config.Batch, s.Config.Threads)
	}
	for _, l := range s.Config.Labels {
		if _, ok := table.ByName(l); !ok {
			return nil, fmt.Errorf("label %q is not in the label table", l)
		}
	}
	if len(s.Config.Models) == 0 || slices.Equal(s.Config.Models, []string{"none"}) {
		s.missing = "no model package configured"
		s.declare()
		return s, nil
	}
	var unavailable []string
	for _, m := range s.Config.Models {
		w, err := s.find(m, cat)
		if err != nil {
			if !s.Config.Optional {
				return nil, err
			}
			unavailable = append(unavailable, err.Error())
			continue
		}
		s.ways = append(s.ways, w)
	}
	if len(s.ways) == 0 {
		s.missing = "optional model unavailable: " + strings.Join(unavailable, "; ")
	}
	s.declare()
	return s, nil
}

// declare declares the stage's artefacts once its models are known: every
// phase a model may read, optional when the stage has a choice of phases
// (several models, or a channel with alternatives) and Run picks;
// otherwise the orchestrator names the missing phase.
func (s *Segment) declare() {
	phases := s.phases()
	choice := len(s.ways) != 1 || len(phases) != len(s.ways[0].pkg.InputPhases)
	s.Declare(stage.Segmenter(phases, choice, s.Config.Labels))
}

// find loads and checks one model package.
func (s *Segment) find(model string, cat modelpkg.Catalogue) (way, error) {
	pkg, err := cat.Find(model)
	if err != nil {
		return way{}, err
	}
	if err := checkModelLabels(pkg.Manifest, s.Config.Labels); err != nil {
		return way{}, fmt.Errorf("model %s (%s): %w", pkg.Name, pkg.Source, err)
	}
	if _, err := infer.CheckModel(pkg.Manifest, s.Config.Batch); err != nil {
		return way{}, &modelpkg.Error{Package: pkg.Name, File: pkg.File(modelpkg.ManifestFile), Err: err}
	}
	net, err := pkg.ONNX()
	if err != nil {
		return way{}, err
	}
	sum := sha256.Sum256(net)
	return way{pkg: pkg, onnxHash: hex.EncodeToString(sum[:])}, nil
}

// checkModelLabels checks that the model gives every label written.
func checkModelLabels(m *modelpkg.Manifest, want []string) error {
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

// phases are every phase a model of the stage may read, in order of first
// mention.
func (s *Segment) phases() []string {
	var out []string
	for _, w := range s.ways {
		for _, ch := range w.pkg.Channels() {
			for _, p := range ch {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// Params implements stage.Stage: the models' identities are part of them.
func (s *Segment) Params() any {
	ids := []modelpkg.Identity{}
	var axes []string
	for _, w := range s.ways {
		ids = append(ids, w.pkg.Identity(w.onnxHash))
		axes = append(axes, w.pkg.AxisCodes())
	}
	return struct {
		SegmentParams
		ModelIDs []modelpkg.Identity `json:"model_ids"`
		// ModelAxes are the storages the networks run in (model.json's
		// orientation), which change their labels without changing them.
		ModelAxes []string `json:"model_axes,omitempty"`
	}{s.Config, ids, axes}
}

// choose is the first model whose every channel has a phase the case
// has, with the phase fed to each channel; ok is false when there is
// none.
func (s *Segment) choose(env *stage.Env) (way, []string, bool) {
	for _, w := range s.ways {
		var phases []string
		for _, ch := range w.pkg.Channels() {
			for _, p := range ch {
				if _, err := env.Input(stage.Registered(p)); err == nil {
					phases = append(phases, p)
					break
				}
			}
		}
		if len(phases) == len(w.pkg.InputPhases) {
			return w, phases, true
		}
	}
	return way{}, nil, false
}

// needs says which phases the stage's models need: "needs phase A and
// phase P (model demo-tumour) or one of phases A, P, D (model demo-kidney)".
func (s *Segment) needs() string {
	var alts []string
	for _, w := range s.ways {
		var chans []string
		for _, ch := range w.pkg.Channels() {
			if len(ch) == 1 {
				chans = append(chans, "phase "+ch[0])
			} else {
				chans = append(chans, "one of phases "+strings.Join(ch, ", "))
			}
		}
		alts = append(alts, strings.Join(chans, " and ")+" (model "+w.pkg.Name+")")
	}
	return "needs " + strings.Join(alts, " or ")
}

// Run implements stage.Stage.
func (s *Segment) Run(ctx context.Context, env *stage.Env) error {
	if len(s.ways) == 0 {
		s.skip(env, s.missing)
		return nil
	}
	givenMasks, err := env.Case.GivenMasks()
	if err != nil {
		return err
	}
	var wanted, given []string
	for _, l := range s.Config.Labels {
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
	w, chosen, ok := s.choose(env)
	if !ok {
		s.skip(env, s.needs())
		env.Record[manifest.UnmadeRecord] = s.Outputs()
		return nil
	}
	pkg := w.pkg
	phases, err := loadPhases(ctx, env, chosen)
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
	net, err := pkg.ONNX()
	if err != nil {
		return err
	}
	sess, err := ort.NewSession(net, ort.Options{Provider: provider, Threads: s.Config.Threads,
		InputName: pkg.ONNXInput, OutputName: pkg.ONNXOutput, Log: env.Log})
	if err != nil {
		err = &modelpkg.Error{Package: pkg.Name, File: pkg.File(modelpkg.NetworkFile), Err: err}
		if !s.Config.Optional {
			return err
		}
		s.skip(env, "optional model unavailable: "+err.Error())
		return nil
	}
	defer sess.Close()
	mirror := s.Config.Mirror == "on" || (s.Config.Mirror == "auto" && sess.Provider() != ort.CPU)
	classes, tm, err := infer.Segment(ctx, pkg.Manifest, sess, phases,
		infer.Options{Mirror: mirror, Batch: s.Config.Batch, Progress: func(f float64) { env.Progress(0.95 * f) }})
	if err != nil {
		return err
	}
	stats := sess.Stats()
	env.Record["model"] = map[string]string{"name": pkg.Name, "version": pkg.Version, "source": pkg.Source}
	env.Record[stage.ModelRecord] = pkg.Identity(w.onnxHash)
	env.Record[stage.PhasesRecord] = chosen
	if dice := pkg.Manifest.ValidationDice(chosen); dice != nil {
		byLabel := map[string]float64{}
		for _, l := range wanted {
			if d, ok := dice[modelLabel(pkg.Manifest, l)]; ok {
				byLabel[l] = d
			}
		}
		env.Record[stage.ValidationRecord] = byLabel
	}
	env.Record["provider"] = string(sess.Provider())
	if why := sess.Fallback(); why != "" {
		env.Record[stage.NoteRecord] = "on CPU: " + why
	}
	env.Record["mirror"] = mirror
	env.Record["timings"] = tm
	env.Record["onnxruntime_run_s"] = stats.RunTime.Seconds()
	return saveMasks(env, split(classes, pkg.Manifest, wanted, phases[0]))
}

// skip records why the stage writes nothing.
func (s *Segment) skip(env *stage.Env, why string) {
	env.Log.Warn("segmentation skipped", "reason", why)
	env.Record[stage.SkippedRecord] = why
}

// loadPhases reads the phases, concurrently, as int16 on the reference
// grid (the run's shared volumes: never changed here).
func loadPhases(ctx context.Context, env *stage.Env, names []string) ([]*volume.Volume[int16], error) {
	out := make([]*volume.Volume[int16], len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, p := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer panics.Recover(&errs[i])
			out[i], errs[i] = stage.LoadVolume[int16](env, stage.Registered(p))
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

// saveMasks writes the masks, concurrently, and records their voxel counts.
func saveMasks(env *stage.Env, masks map[string]*volume.Volume[uint8]) error {
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

// Interface guards.
var (
	_ stage.Stage           = (*Segment)(nil)
	_ stage.OptionalInputs  = (*Segment)(nil)
	_ stage.OptionalOutputs = (*Segment)(nil)
)
