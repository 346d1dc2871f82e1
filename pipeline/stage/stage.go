// Package stage defines the pipeline's stages (DESIGN.md "How it computes"):
// each has one responsibility, declares the artefacts it reads and writes
// and its resource class, validates its inputs before any work, runs
// cancellably and saves atomically. Stages are typed by kind (Segmenter,
// LabelFilter, Mesher, Measurer: kind.go), which declares what a stage of
// it reads and writes, and embed a Base that implements all of Stage but
// Run. Stages register a factory by name, as database/sql drivers do, and
// config.yaml composes them.
package stage

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"kidney3d/pipeline/labels"
)

// Resource is the class of machine resource a stage mostly uses; the
// orchestrator runs GPU stages one at a time per device and CPU stages in
// parallel up to the cores.
type Resource string

// Resource classes.
const (
	GPU Resource = "gpu"
	CPU Resource = "cpu"
	IO  Resource = "io"
)

// Stage is one step of the pipeline.
type Stage interface {
	// Name is the stage's name in config.yaml, the manifest and logs.
	Name() string
	// Inputs are the artefacts the stage reads (see Artefact names).
	Inputs() []Artefact
	// Outputs are the artefacts the stage writes.
	Outputs() []Artefact
	// Resource is the stage's resource class.
	Resource() Resource
	// Params are the stage's effective parameters, hashed to decide
	// whether an earlier run can be reused and recorded in the manifest.
	Params() any
	// Check validates the inputs before any long work and reports every
	// problem found, not only the first.
	Check(env *Env) error
	// Run does the work, writes every output through env and reports
	// progress; it returns ctx.Err() promptly once ctx is cancelled.
	Run(ctx context.Context, env *Env) error
}

// OptionalInputs is implemented by stages that run without some of their
// inputs (e.g. registration when a case has no delayed phase); the
// orchestrator drops those a case lacks from the stage's sources.
type OptionalInputs interface {
	OptionalInputs() []Artefact
}

// OptionalOutputs is implemented by stages that write some outputs only
// when the case calls for them (e.g. a cleaned mask only for the masks a
// case has). A missing optional output is simply unavailable to the stages
// that read it.
type OptionalOutputs interface {
	OptionalOutputs() []Artefact
}

// Factory makes a stage from its config.yaml entry: the name it runs
// under (the registered name, or the entry's own name when one kind of
// stage is configured twice, e.g. register_P and register_D), its
// parameters, and the label table the run uses (the labels a stage reads
// and writes are that table's).
type Factory func(name string, params Params, table *labels.Table) (Stage, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes a stage available by name; it panics on a duplicate name,
// which is a programming error.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("stage: Register called twice for " + name)
	}
	registry[name] = f
}

// New makes a stage of the registered kind, running under name ("" for
// the kind's own name), from its parameters, for the label table (nil:
// labels.Default()).
func New(kind, name string, params Params, table *labels.Table) (Stage, error) {
	registryMu.RLock()
	f, ok := registry[kind]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown stage %q (known: %v)", kind, Names())
	}
	if name == "" {
		name = kind
	}
	if table == nil {
		table = labels.Default()
	}
	return f(name, params, table)
}

// Names lists the registered stages, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
