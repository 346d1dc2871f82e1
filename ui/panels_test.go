package ui

import (
	"context"
	"errors"
	"image/color"
	"io"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/orchestrate"
)

func TestStructuresPanel(t *testing.T) {
	test.NewTempApp(t)
	tumourDice := 0.7168
	tests := []struct {
		name    string
		rows    []Structure
		notMade []string
		golden  string
	}{
		{"empty", nil, nil, "structures_empty.xml"},
		{"two", []Structure{
			{Name: "kidney_left", Color: color.RGBA{200, 90, 80, 255}, Measured: &measure.Structure{Name: "kidney_left", VolumeML: 152.25}},
			{Name: "tumor", Color: color.RGBA{250, 200, 40, 255}},
		}, nil, "structures_two.xml"},
		{"cut by the field of view", []Structure{
			{Name: "liver", Color: color.RGBA{160, 80, 60, 255}, Measured: &measure.Structure{Name: "liver", VolumeML: 1012.66,
				CutByFieldOfView: []measure.Cut{{Side: "superior", Face: "last slice (k = 95)", Voxels: 120}}, VolumeIsLowerBound: true}},
		}, nil, "structures_cut.xml"},
		{"what the run could not make", []Structure{
			{Name: "liver", Color: color.RGBA{160, 80, 60, 255}, Measured: &measure.Structure{Name: "liver", VolumeML: 1012.66}},
		}, []string{"ureter: needs phase D (no input/D.nii.gz)"}, "structures_not_made.xml"},
		{"a weak model", []Structure{
			{Name: "tumor", Color: color.RGBA{250, 200, 40, 255}, Measured: &measure.Structure{Name: "tumor", VolumeML: 12.5,
				Provenance: measure.Provenance{Source: measure.FromModel, Model: &modelpkg.Identity{Name: "demo-kidney", Version: "1.0.0"},
					Phases: []string{"A"}, ValidationDice: &tumourDice}}},
		}, nil, "structures_weak_model.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewStructuresPanel()
			p.SetStructures(tt.rows)
			p.SetNotMade(tt.notMade)
			w := test.NewWindow(p.Content())
			defer w.Close()
			w.Resize(fyne.NewSize(360, 160))
			test.AssertRendersToMarkup(t, tt.golden, w.Canvas())
		})
	}
}

func TestStructuresPanelDrivesVisibility(t *testing.T) {
	test.NewTempApp(t)
	p := NewStructuresPanel()
	var hidden map[string]bool
	p.OnChange = func(h map[string]bool, _ map[string]float64) { hidden = h }
	p.SetStructures([]Structure{{Name: "tumor", Color: color.RGBA{250, 200, 40, 255}}})
	w := test.NewWindow(p.Content())
	defer w.Close()
	test.Tap(p.checks["tumor"])
	if !hidden["tumor"] {
		t.Fatalf("unticking tumor: hidden = %v", hidden)
	}
}

func TestPipelinePanelRun(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name   string
		err    error
		golden string
	}{
		{"success", nil, "pipeline_done.xml"},
		{"failure", errors.New("load: input/A.nii.gz: not a NIfTI file"), "pipeline_failed.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(ctx context.Context, dir string, o caserun.Options, _, _ io.Writer) error {
				o.Events(orchestrate.Event{Stage: "load", State: orchestrate.Done, Fraction: 1, Elapsed: 0.4})
				o.Events(orchestrate.Event{Stage: "register_P", State: orchestrate.Running, Fraction: 0.5, Elapsed: 2})
				return tt.err
			}
			p := NewPipelinePanel(run)
			finished := make(chan error, 1)
			p.OnFinished = func(err error) { finished <- err }
			p.SetCase(t.TempDir())
			w := test.NewWindow(p.Content())
			defer w.Close()
			w.Resize(fyne.NewSize(480, 320))
			p.Run()
			if err := <-finished; !errors.Is(err, tt.err) {
				t.Fatalf("finished with %v, want %v", err, tt.err)
			}
			// The status holds the run's duration; pin it for the golden.
			if tt.err != nil {
				p.status.SetText("failed: " + tt.err.Error())
			} else {
				p.status.SetText("finished")
			}
			test.AssertRendersToMarkup(t, tt.golden, w.Canvas())
		})
	}
}

func TestFormatLogLine(t *testing.T) {
	at, _ := time.Parse(time.RFC3339Nano, "2026-11-22T02:13:14.683Z")
	for _, tt := range []struct{ in, want string }{
		{`{"time":"2026-11-22T02:13:14.683Z","level":"INFO","msg":"stage done","case":"/c","stage":"mesh","seconds":0.265802066}`,
			at.Local().Format("15:04:05") + " INFO  mesh: stage done seconds=0.2658"},
		{`{"level":"ERROR","msg":"failed","stage":"load","error":"input/A.nii.gz: not a NIfTI file","n":3}`,
			`ERROR load: failed error="input/A.nii.gz: not a NIfTI file" n=3`},
		{"not json", "not json"},
	} {
		if got := formatLogLine(tt.in); got != tt.want {
			t.Errorf("formatLogLine(%s)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
