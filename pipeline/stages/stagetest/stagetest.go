// Package stagetest helps the stages' tests: it writes demo cases and runs
// a few stages on them through the orchestrator, as `kidney3d run` would.
package stagetest

import (
	"context"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// DefectiveDemoCase writes a small demo case of the seed, with its truth
// structures given as input/masks carrying the defects of `demo --defects`,
// and returns the case folder and the generated case (with its truth).
func DefectiveDemoCase(t testing.TB, seed int64) (*casefile.Case, *demo.Case) {
	t.Helper()
	dir := t.TempDir()
	c, m := demotest.Defective(t, seed)
	if err := demo.Write(dir, c); err != nil {
		t.Fatal(err)
	}
	if err := demo.WriteMasks(dir, m); err != nil {
		t.Fatal(err)
	}
	cf, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cf, c
}

// Entry is one stage of a test pipeline, as a config.yaml entry gives it.
type Entry struct {
	Kind   string
	Name   string // "" for the kind's own name
	Params stage.Params
}

// Run makes the stages and runs them on the case.
func Run(t testing.TB, c *casefile.Case, entries ...Entry) {
	t.Helper()
	var stages []stage.Stage
	for _, e := range entries {
		s, err := stage.New(e.Kind, e.Name, e.Params, nil)
		if err != nil {
			t.Fatal(err)
		}
		stages = append(stages, s)
	}
	if err := orchestrate.Run(context.Background(), c, stages, orchestrate.Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
}

// LoadOutput is the label-valued volume a stage of the run wrote as
// artefact (volume.Load).
func LoadOutput(t testing.TB, c *casefile.Case, stageName string, artefact stage.Artefact) *volume.Volume[uint8] {
	t.Helper()
	v, err := volume.Load[uint8](c.ArtefactPath(stageName, artefact))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// RunOnDemo writes the defective demo case of the seed
// (DefectiveDemoCase), runs the load stage and the stage of kind on it,
// and returns the case, the generated case and the stage's output
// artefact (LoadOutput).
func RunOnDemo(t testing.TB, seed int64, kind string, artefact stage.Artefact) (*casefile.Case, *demo.Case, *volume.Volume[uint8]) {
	t.Helper()
	cf, c := DefectiveDemoCase(t, seed)
	Run(t, cf, Entry{Kind: "load"}, Entry{Kind: kind})
	return cf, c, LoadOutput(t, cf, kind, artefact)
}
