package stages

import (
	"context"
	"fmt"
	"slices"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/register"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("register", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, RegisterParams{Phase: "P", Fill: -1024, Init: "moments"}, p)
		if err != nil {
			return nil, err
		}
		if _, ok := registerInits[b.Config.Init]; !ok {
			return nil, fmt.Errorf("init %q: want moments, geometry or identity", b.Config.Init)
		}
		if !slices.Contains([]string{"N", "P", "D"}, b.Config.Phase) {
			return nil, fmt.Errorf("phase %q: want N, P or D (A is always the reference when present)", b.Config.Phase)
		}
		// The load stage has validated both phases.
		b.Declare(stage.Decl{Resource: stage.CPU,
			Needs:   []stage.Artefact{stage.Reference, stage.Phase(b.Config.Phase), stage.InputsSummary},
			Outputs: []stage.Artefact{stage.Registered(b.Config.Phase)}})
		return &Register{b}, nil
	})
}

// RegisterParams are the stage's parameters.
type RegisterParams struct {
	Phase string `yaml:"phase" json:"phase"`
	// Fill is the HU given to reference-grid voxels outside the moving phase.
	Fill int16 `yaml:"fill_hu" json:"fill_hu"`
	// Init is the starting position: "moments" aligns the bodies' centres
	// of mass; "identity" trusts the scanner frame (use it when a phase
	// covers a shorter length of the body); "geometry" aligns grid centres.
	Init string `yaml:"init" json:"init"`
}

var registerInits = map[string]register.Init{
	"moments":  register.InitMoments,
	"geometry": register.InitGeometry,
	"identity": register.InitIdentity,
}

// Register is the stage "register", which registers one phase (P, D or
// N) onto the case's reference phase (the arterial phase, else the first
// of P, D and N the case has: casefile.Case.ReferencePhase): rigid,
// multi-resolution, Mattes mutual information (package pipeline/register).
// It writes the phase resampled onto the reference grid and records the
// transform and the metric in the manifest. When the phase is itself the
// reference, its file is that artefact and the stage does not run.
type Register struct {
	stage.Base[RegisterParams]
}

// Params implements stage.Stage: the method's options are part of them.
func (s *Register) Params() any {
	return struct {
		RegisterParams
		Method register.Options `json:"method"`
	}{s.Config, register.DefaultOptions()}
}

// Run implements stage.Stage.
func (s *Register) Run(ctx context.Context, env *stage.Env) error {
	refPath, _ := env.Input(stage.Reference)
	mPath, _ := env.Input(stage.Phase(s.Config.Phase))
	fixed, err := stage.LoadVolume[int16](env, stage.Reference)
	if err != nil {
		return err
	}
	moving, err := stage.LoadVolume[int16](env, stage.Phase(s.Config.Phase))
	if err != nil {
		return err
	}
	// Registered and resampled from their storages nearest to RAS, as Rigid
	// works: the same images, held once (Canonical copies only a volume not
	// stored so; the run's volumes are shared and never changed).
	fixedGrid := fixed.Grid
	fixed, moving = register.Canonical(fixed), register.Canonical(moving)
	opts := register.DefaultOptions()
	opts.Init = registerInits[s.Config.Init]
	// The reference's pyramid levels, made once for every phase registered
	// onto it in this run.
	opts.FixedLevels = stage.Shared(env, stage.Reference, "register.FixedLevels", func() *register.FixedLevels { return &register.FixedLevels{} })
	opts.Progress = func(f float64) { env.Progress(0.9 * f) }
	res, err := register.Rigid(ctx, fixed, moving, opts)
	if err != nil {
		return fmt.Errorf("registering %s onto %s: %w", mPath, refPath, err)
	}
	env.Record["registration"] = res
	env.Log.Info("registered", "phase", s.Config.Phase, "translation_mm", res.Transform.Translation,
		"rotation_deg", res.Transform.RotationDegrees(), "metric", res.MetricFinal)
	out, err := register.Apply(moving, fixedGrid, res.Transform, volume.Linear, s.Config.Fill)
	if err != nil {
		return err
	}
	return stage.SaveVolume(env, stage.Registered(s.Config.Phase), out)
}

// Interface guards.
var (
	_ stage.Stage = (*Register)(nil)
)
