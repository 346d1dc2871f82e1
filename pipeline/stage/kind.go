package stage

import (
	"kidney3d/pipeline/labels"
)

// Decl is what a stage declares besides its name and parameters: its
// resource class and the artefacts it reads and writes. The kinds
// (Segmenter, LabelFilter, Mesher, Measurer) make the declarations of
// their stages; a stage of no kind (load, register) writes its own.
type Decl struct {
	Resource Resource
	// Needs are the inputs the stage cannot run without: Check insists on
	// them. Optional are the inputs it reads when the case has them.
	Needs, Optional []Artefact
	// Outputs are the artefacts the stage writes; OptionalOutputs those of
	// them it writes only when the case calls for them.
	Outputs, OptionalOutputs []Artefact
}

// Segmenter declares a stage that segments structures from phases: it
// reads the reference phase, the load stage's summary and each phase on
// the reference grid (Registered; optional when the stage has a choice of
// phases), and writes one mask per label, each optional (a skipped stage,
// or a label given in input/masks, writes none); it takes the GPU.
func Segmenter(phases []string, phasesOptional bool, labels []string) Decl {
	d := Decl{Resource: GPU, Needs: []Artefact{Reference, InputsSummary}}
	for _, p := range phases {
		if phasesOptional {
			d.Optional = append(d.Optional, Registered(p))
		} else {
			d.Needs = append(d.Needs, Registered(p))
		}
	}
	for _, l := range labels {
		d.Outputs = append(d.Outputs, Mask(l))
	}
	d.OptionalOutputs = d.Outputs
	return d
}

// LabelFilter declares a stage that turns masks on the reference phase's
// grid into masks or a label map: it reads the reference phase (for the
// grid), the load stage's summary (the given masks are checked) and needs,
// may read optional, and writes outputs, on the CPU.
func LabelFilter(needs, optional, outputs []Artefact) Decl {
	return Decl{Resource: CPU, Needs: append([]Artefact{Reference, InputsSummary}, needs...),
		Optional: optional, Outputs: outputs}
}

// Mesher declares a stage that turns the label map into the surface
// meshes, on the CPU.
func Mesher() Decl {
	return Decl{Resource: CPU, Needs: []Artefact{Labels}, Outputs: []Artefact{Meshes}}
}

// Measurer declares a stage that measures the label map, writing outputs
// and reading optional when the case has them, on the CPU.
func Measurer(outputs []Artefact, optional ...Artefact) Decl {
	return Decl{Resource: CPU, Needs: []Artefact{Labels}, Optional: optional, Outputs: outputs}
}

// Base is what every stage has besides its Run: its name, its parameters,
// the run's label table and its declaration (Decl). An adapter embeds the
// Base that NewBase makes, declares its artefacts once its parameters are
// known (Declare) and adds Run; Base implements the rest of Stage,
// OptionalInputs and OptionalOutputs.
type Base[P any] struct {
	// Config are the stage's parameters: the adapter's defaults overlaid
	// by config.yaml's. Params returns them.
	Config P
	// Table is the label table of the run the stage was made for: the
	// labels it reads and writes are that table's.
	Table *labels.Table
	name  string
	decl  Decl
}

// NewBase is the base of a stage running under name for the label table,
// its parameters decoded from p (Params.Decode) over defaults.
func NewBase[P any](name string, table *labels.Table, defaults P, p Params) (Base[P], error) {
	b := Base[P]{Config: defaults, Table: table, name: name}
	return b, p.Decode(&b.Config)
}

// Declare sets what the stage reads and writes.
func (b *Base[P]) Declare(d Decl) { b.decl = d }

// Name implements Stage.
func (b *Base[P]) Name() string { return b.name }

// Inputs implements Stage: the needed inputs, then the optional ones.
func (b *Base[P]) Inputs() []Artefact {
	return append(append([]Artefact{}, b.decl.Needs...), b.decl.Optional...)
}

// OptionalInputs implements OptionalInputs.
func (b *Base[P]) OptionalInputs() []Artefact { return b.decl.Optional }

// Outputs implements Stage.
func (b *Base[P]) Outputs() []Artefact { return b.decl.Outputs }

// OptionalOutputs implements OptionalOutputs.
func (b *Base[P]) OptionalOutputs() []Artefact { return b.decl.OptionalOutputs }

// Resource implements Stage.
func (b *Base[P]) Resource() Resource { return b.decl.Resource }

// Params implements Stage: the parameters (Config).
func (b *Base[P]) Params() any { return b.Config }

// Check implements Stage: every needed input must be there. A stage that
// checks more overrides it.
func (b *Base[P]) Check(env *Env) error {
	for _, in := range b.decl.Needs {
		if _, err := env.Input(in); err != nil {
			return err
		}
	}
	return nil
}

// Structures are the labels of a table but the background: those a
// stage may read or write a mask of.
func Structures(t *labels.Table) []labels.Label {
	var out []labels.Label
	for _, l := range t.Labels {
		if l.Value != 0 {
			out = append(out, l)
		}
	}
	return out
}

// Interface guards.
var (
	_ OptionalInputs  = (*Base[struct{}])(nil)
	_ OptionalOutputs = (*Base[struct{}])(nil)
)
