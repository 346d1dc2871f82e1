package orchestrate

import (
	"errors"
	"fmt"
	"strings"

	"kidney3d/pipeline/stage"
)

// optionalSet is the set of artefacts a stage lists as optional inputs or
// outputs.
func optionalSet(names []stage.Artefact) map[stage.Artefact]bool {
	set := map[stage.Artefact]bool{}
	for _, n := range names {
		set[n] = true
	}
	return set
}

func optionalInputs(s stage.Stage) map[stage.Artefact]bool {
	if o, ok := s.(stage.OptionalInputs); ok {
		return optionalSet(o.OptionalInputs())
	}
	return map[stage.Artefact]bool{}
}

func optionalOutputs(s stage.Stage) map[stage.Artefact]bool {
	if o, ok := s.(stage.OptionalOutputs); ok {
		return optionalSet(o.OptionalOutputs())
	}
	return map[stage.Artefact]bool{}
}

// plan is the graph of a run: which stage produces each artefact and, per
// stage, where each input comes from.
type plan struct {
	stages   []stage.Stage
	producer map[stage.Artefact]int      // artefact → index of the stage that writes it
	given    map[stage.Artefact]string   // artefact → file present before the run
	deps     [][]int                     // stage → stages whose outputs it reads
	missing  map[int][]stage.Artefact    // stage → required inputs nobody provides
	sources  []map[stage.Artefact]string // stage → artefact → file it reads
}

// newPlan builds the graph. given maps the artefacts present before any
// stage runs (input phases, masks in input/masks) to their files; path gives
// the file of an artefact written by a stage.
func newPlan(stages []stage.Stage, given map[stage.Artefact]string, path func(stageName string, artefact stage.Artefact) string) (*plan, error) {
	p := &plan{stages: stages, producer: map[stage.Artefact]int{}, given: given,
		deps: make([][]int, len(stages)), missing: map[int][]stage.Artefact{}, sources: make([]map[stage.Artefact]string, len(stages))}
	var problems []string
	names := map[string]bool{}
	for i, s := range stages {
		if names[s.Name()] {
			problems = append(problems, fmt.Sprintf("stage %s is listed twice", s.Name()))
		}
		names[s.Name()] = true
		for _, out := range s.Outputs() {
			if j, dup := p.producer[out]; dup {
				problems = append(problems, fmt.Sprintf("%s is written by both %s and %s", out, stages[j].Name(), s.Name()))
			}
			p.producer[out] = i
		}
	}
	for i, s := range stages {
		optional := optionalInputs(s)
		p.sources[i] = map[stage.Artefact]string{}
		for _, in := range s.Inputs() {
			if j, ok := p.producer[in]; ok && !p.allGiven(j) {
				if j == i {
					problems = append(problems, fmt.Sprintf("stage %s reads its own output %s", s.Name(), in))
					continue
				}
				p.deps[i] = append(p.deps[i], j)
				p.sources[i][in] = path(stages[j].Name(), in)
			} else if f, ok := given[in]; ok {
				p.sources[i][in] = f
			} else if !optional[in] {
				p.missing[i] = append(p.missing[i], in)
			}
		}
	}
	if err := p.checkAcyclic(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return nil, errors.New("pipeline: " + strings.Join(problems, "; "))
	}
	return p, nil
}

// allGiven reports whether every output of stage i was given before the
// run, so that the stage is not run and its outputs are read from input/.
func (p *plan) allGiven(i int) bool {
	outs := p.stages[i].Outputs()
	if len(outs) == 0 {
		return false
	}
	for _, out := range outs {
		if _, ok := p.given[out]; !ok {
			return false
		}
	}
	return true
}

// checkAcyclic reports a dependency cycle, naming its stages.
func (p *plan) checkAcyclic() error {
	const (
		unseen = iota
		active
		finished
	)
	mark := make([]int, len(p.stages))
	var visit func(i int, path []string) error
	visit = func(i int, path []string) error {
		path = append(path, p.stages[i].Name())
		switch mark[i] {
		case active:
			return fmt.Errorf("stages form a cycle: %s", strings.Join(path, " → "))
		case finished:
			return nil
		}
		mark[i] = active
		for _, j := range p.deps[i] {
			if err := visit(j, path); err != nil {
				return err
			}
		}
		mark[i] = finished
		return nil
	}
	for i := range p.stages {
		if err := visit(i, nil); err != nil {
			return err
		}
	}
	return nil
}
