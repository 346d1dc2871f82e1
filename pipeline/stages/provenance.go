package stages

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/stage"
)

// maxDepth bounds a label's chain of stages, so that a corrupt manifest
// whose stages read each other's outputs cannot loop.
const maxDepth = 32

// tracer follows the labels of a label map back through the stages that
// made them, as manifest.json records them: the stage that wrote the label
// map (merge) lists the artefact it painted each label from; the stage
// whose output is that file (same path and sha256) made it from its own
// input of the same label, and so on, to a segmentation stage (the model
// and phases it recorded, stage.ModelRecord), a mask given in input/masks, or a stage that
// derived the label from other labels.
type tracer struct {
	m     *manifest.Manifest
	given string // the given masks' folder, relative and slash-separated, with a trailing slash
	merge *manifest.Entry
	used  map[string]string // label → artefact merge painted it from
	note  string            // why every label is unknown, when merge or its record is missing
	names []string          // the manifest's stages, sorted
	seen  map[string]string // every file read along the chains: path → sha256
}

// trace prepares the provenance of the label map at labelsRel (relative
// to the case folder, slash-separated) from the manifest; given is the
// folder of given masks, relative and slash-separated.
func trace(m *manifest.Manifest, labelsRel, given string) *tracer {
	t := &tracer{m: m, given: strings.TrimSuffix(given, "/") + "/", names: slices.Sorted(maps.Keys(m.Stages)), seen: map[string]string{}}
	for _, name := range t.names {
		if e := m.Stages[name]; e != nil && e.Status == manifest.OK && outputs(e, labelsRel) {
			t.merge = e
		}
	}
	if t.merge == nil {
		t.note = "no stage in manifest.json made " + labelsRel
		return t
	}
	if err := recorded(t.merge.Record[stage.SourcesRecord], &t.used); err != nil || t.used == nil {
		t.note = "the run that made " + labelsRel + " did not record the masks it merged"
	}
	for _, f := range t.merge.Inputs {
		t.seen[f.Path] = f.SHA256
	}
	return t
}

// outputs reports whether the entry wrote the file at rel.
func outputs(e *manifest.Entry, rel string) bool {
	for _, f := range e.Outputs {
		if f.Path == rel {
			return true
		}
	}
	return false
}

// recorded decodes a Record value (decoded JSON) into v.
func recorded(rec any, v any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// label is the provenance of one label of the map.
func (t *tracer) label(name string) measure.Provenance {
	if t.note != "" {
		return unknownProvenance(t.note)
	}
	a, ok := t.used[name]
	if !ok {
		return unknownProvenance("the run that made the label map did not merge a mask of " + name)
	}
	return t.follow(name, a, t.merge, 0)
}

func unknownProvenance(why string) measure.Provenance {
	return measure.Provenance{Source: measure.FromUnknown, Steps: []measure.Step{}, Note: why}
}

// follow traces the artefact a, as the entry reader read it, back to its
// source; label is the label it holds.
func (t *tracer) follow(label, a string, reader *manifest.Entry, depth int) measure.Provenance {
	f, ok := reader.Inputs[a]
	if !ok {
		return unknownProvenance("manifest.json does not record the file " + a + " was read from")
	}
	t.seen[f.Path] = f.SHA256
	name, producer := t.producer(f)
	switch {
	case producer == nil && a == string(stage.Edits):
		var src measure.EditSource
		if err := recorded(reader.Record[stage.EditRecord], &src); err != nil || src.File == "" {
			return unknownProvenance(fmt.Sprintf("the run that read %s did not record the version it took %s from", f.Path, label))
		}
		t.seen[src.File] = src.SHA256
		return measure.Provenance{Source: measure.FromEdit, Edit: &src, Edited: true, Steps: []measure.Step{}}
	case producer == nil && strings.HasPrefix(f.Path, t.given):
		return measure.Provenance{Source: measure.FromGiven, Given: &measure.GivenMask{File: f.Path, SHA256: f.SHA256}, Steps: []measure.Step{}}
	case producer == nil:
		return unknownProvenance("no stage in manifest.json made " + f.Path)
	case depth >= maxDepth:
		return unknownProvenance(fmt.Sprintf("manifest.json chains more than %d stages behind %s", maxDepth, f.Path))
	}
	if id, phases := modelID(producer); id != nil {
		p := measure.Provenance{Source: measure.FromModel, Stage: name, Model: id, Phases: phases, Steps: []measure.Step{}}
		var dice map[string]float64
		if recorded(producer.Record[stage.ValidationRecord], &dice) == nil {
			if d, ok := dice[label]; ok {
				p.ValidationDice = &d
			}
		}
		return p
	}
	for _, in := range producer.Inputs {
		t.seen[in.Path] = in.SHA256
	}
	own := string(stage.Mask(label))
	var read map[string]string // the artefact it read each label from, when it says
	if recorded(producer.Record[stage.SourcesRecord], &read) == nil && read[label] != "" {
		own = read[label]
	}
	if in, ok := producer.Inputs[own]; ok && own != a {
		p := t.follow(label, own, producer, depth+1)
		p.Steps = append(p.Steps, measure.Step{Stage: name, Changed: in.SHA256 != f.SHA256})
		return p
	}
	// Made from other labels: the models behind every mask it read.
	p := measure.Provenance{Source: measure.FromDerived, Stage: name, Steps: []measure.Step{}}
	for _, k := range slices.Sorted(maps.Keys(producer.Inputs)) {
		other, isMask := stage.MaskOf(stage.Artefact(k))
		if !isMask {
			continue
		}
		from := t.follow(other, k, producer, depth+1)
		if from.Note != "" && p.Note == "" {
			p.Note = "made from " + other + ", whose provenance is unknown: " + from.Note
		}
		for _, id := range from.Models() {
			if !slices.Contains(p.BasedOn, id) {
				p.BasedOn = append(p.BasedOn, id)
			}
		}
	}
	return p
}

// producer is the stage whose last successful run wrote the file f (the
// same path and content), or nil.
func (t *tracer) producer(f manifest.File) (string, *manifest.Entry) {
	for _, name := range t.names {
		e := t.m.Stages[name]
		if e == nil || e.Status != manifest.OK {
			continue
		}
		for _, out := range e.Outputs {
			if out == f {
				return name, e
			}
		}
	}
	return "", nil
}

// modelID is the model a segmentation stage ran and the phases it fed it
// (stage.ModelRecord, stage.PhasesRecord), or nil for a stage that ran
// none.
func modelID(e *manifest.Entry) (*modelpkg.Identity, []string) {
	var id modelpkg.Identity
	if recorded(e.Record[stage.ModelRecord], &id) != nil || id.Name == "" {
		return nil, nil
	}
	var phases []string
	if recorded(e.Record[stage.PhasesRecord], &phases) != nil {
		phases = nil
	}
	return &id, phases
}

// skipped are the stages that made nothing, with their reason: those whose
// last successful run recorded why it had nothing to do, among those that
// read the files the label map was made from as they were then (a stage of
// an earlier run on other inputs is left out), and those that could not
// run in the last run, with the labels they would have made that the label
// map, which holds present, lacks. Call it after label has traced every
// label.
func (t *tracer) skipped(present []string) []measure.Skipped {
	var out []measure.Skipped
	for _, name := range t.names {
		e := t.m.Stages[name]
		switch {
		case e == nil:
		case e.Status == manifest.Unavailable:
			out = append(out, measure.Skipped{Stage: name, Reason: e.Error, NotMade: unmade(e, present)})
		case e.Status != manifest.OK:
		default:
			if why, _ := e.Record[stage.SkippedRecord].(string); why != "" && t.sameInputs(e) {
				out = append(out, measure.Skipped{Stage: name, Reason: why, NotMade: unmade(e, present)})
			}
		}
	}
	return out
}

// unmade are the labels whose masks an entry that could not run (or ran
// and could not make them) would have written and that are not in
// present.
func unmade(e *manifest.Entry, present []string) []string {
	outs, _ := e.Record[manifest.UnmadeRecord].([]any)
	var out []string
	for _, o := range outs {
		s, _ := o.(string)
		if label, ok := stage.MaskOf(stage.Artefact(s)); ok && !slices.Contains(present, label) && !slices.Contains(out, label) {
			out = append(out, label)
		}
	}
	return out
}

// sameInputs reports whether the entry read at least one file the label
// map was made from, and every such file as it was then.
func (t *tracer) sameInputs(e *manifest.Entry) bool {
	shared := false
	for _, in := range e.Inputs {
		if sha, ok := t.seen[in.Path]; ok {
			if sha != in.SHA256 {
				return false
			}
			shared = true
		}
	}
	return shared
}
