package casefile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
)

// demoCase writes a small demo case with no results.
func demoCase(t *testing.T) *casefile.Case {
	t.Helper()
	dir, _ := demotest.Write(t, 4)
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func summary(t *testing.T, c *casefile.Case) string {
	t.Helper()
	var b bytes.Buffer
	if err := casefile.WriteSummary(&b, c.Dir); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSummaryOfAnUnprocessedDemoCaseSaysItIsTheTruth: the volumes are the
// truth's, said to be so, with "≥" for the structures the scan's edge cuts.
func TestSummaryOfAnUnprocessedDemoCaseSaysItIsTheTruth(t *testing.T) {
	out := summary(t, demoCase(t))
	if !strings.Contains(out, "truth/labels.nii.gz (ground truth of a demo case, not a result)") {
		t.Errorf("summary does not say the structures are the truth of a demo case:\n%s", out)
	}
	if !strings.Contains(out, "≥") || !strings.Contains(out, "cut by the field of view (") {
		t.Errorf("no structure of the demo case is cut by the field of view:\n%s", out)
	}
}

// TestSummaryReadsTheReport: with a current label map and report, the
// structures are the report's, lower bounds marked, with the notice and
// the stages that made nothing.
func TestSummaryReadsTheReport(t *testing.T) {
	c := demoCase(t)
	demotest.TruthAsOutput(t, c.Dir)
	model := modelpkg.Identity{Name: "demo-organs", Version: "1.0.0", IntendedUse: "demonstration only; trained on synthetic phantoms — not for clinical use"}
	rep := measure.Report{LabelMap: "output/labels.nii.gz", Structures: []measure.Structure{
		{Name: "liver", Value: 9, Voxels: 10, VolumeML: 1012.66, VolumeIsLowerBound: true,
			CutByFieldOfView: []measure.Cut{{Side: "superior", Face: "last slice (k = 95)", Voxels: 4}},
			Provenance:       measure.Provenance{Source: measure.FromModel, Stage: "organs", Model: &model, Steps: []measure.Step{}}},
	}, Skipped: []measure.Skipped{{Stage: "ureter", Reason: "no model package configured"}}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	reportPath := c.ArtefactPath("", "report")
	if err := os.WriteFile(reportPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}, Hashes: map[string]manifest.CachedHash{}}
	h := &manifest.Hasher{Root: c.Dir, Cache: m.Hashes}
	file := func(p string) manifest.File {
		f, err := h.File(p)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	merge := &manifest.Entry{Status: manifest.OK, Inputs: map[string]manifest.File{}, Outputs: map[string]manifest.File{"labels": file(c.OutputLabelsPath())}}
	for _, p := range c.PresentPhases() {
		merge.Inputs["phase/"+p] = file(c.PhasePath(p))
	}
	m.Stages["merge"] = merge
	m.Stages["measure"] = &manifest.Entry{Status: manifest.OK, Inputs: map[string]manifest.File{"labels": file(c.OutputLabelsPath())},
		Outputs: map[string]manifest.File{"report": file(reportPath)}}
	if err := m.Save(c.ManifestPath()); err != nil {
		t.Fatal(err)
	}
	out := summary(t, c)
	for _, want := range []string{
		"(from " + reportPath + ")",
		"    liver                 ≥ 1012.7 mL  cut by the field of view (superior)\n",
		"NOT FOR CLINICAL USE — labels from demo-organs 1.0.0: demonstration only; trained on synthetic phantoms — not for clinical use",
		"skipped: stage ureter: no model package configured",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
