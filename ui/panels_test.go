package ui

import (
	"context"
	"errors"
	"image/color"
	"io"
	"strings"
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
			{Name: "kidney_left", Display: "Left kidney", Color: color.RGBA{200, 90, 80, 255}, Measured: &measure.Structure{Name: "kidney_left", VolumeML: 152.25}},
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

// TestStructuresPanelDrivesVisibility: the 2D and 3D ticks hide a
// structure in the slices or in 3D only, the slider sets its 3D opacity,
// and the presets hide and show the context organs.
func TestStructuresPanelDrivesVisibility(t *testing.T) {
	test.NewTempApp(t)
	p := NewStructuresPanel()
	var got Visibility
	p.OnChange = func(v Visibility) { got = v }
	p.SetStructures([]Structure{
		{Name: "tumor", Color: color.RGBA{0, 190, 120, 255}},
		{Name: "perirenal_fat", Color: color.RGBA{255, 250, 225, 64}},
		{Name: "liver", Color: color.RGBA{150, 120, 100, 90}, Context: true},
	})
	w := test.NewWindow(p.Content())
	defer w.Close()
	if !got.Hidden3D["liver"] || got.Hidden3D["tumor"] || len(got.Hidden2D) != 0 || got.Opacity["perirenal_fat"] != 64.0/255 {
		t.Fatalf("defaults: %+v, want the liver hidden in 3D (Surgical) and the fat at its table opacity", got)
	}
	test.Tap(p.checks2["tumor"])
	if !got.Hidden2D["tumor"] || got.Hidden3D["tumor"] {
		t.Errorf("unticking tumor's 2D: %+v, want hidden in the slices only", got)
	}
	test.Tap(p.checks["tumor"])
	if !got.Hidden3D["tumor"] || !got.Hidden2D["tumor"] {
		t.Errorf("unticking tumor's 3D too: %+v", got)
	}
	p.sliders["perirenal_fat"].SetValue(0.5)
	if got.Opacity["perirenal_fat"] != 0.5 {
		t.Errorf("fat slider at 0.5: opacity %v", got.Opacity["perirenal_fat"])
	}
	p.preset.SetSelected(PresetAll)
	if got.Hidden3D["liver"] || got.Hidden3D["tumor"] || got.Opacity["liver"] != 90.0/255 || !p.checks["liver"].Checked {
		t.Errorf("All structures: %+v, want everything shown at table opacity", got)
	}
}

// TestStructuresPanelSettingsArePerCase: a second case starts from its own
// defaults, and the views are told so (the 3D view kept the first case's
// hidden set and opacities while the panel showed defaults).
func TestStructuresPanelSettingsArePerCase(t *testing.T) {
	test.NewTempApp(t)
	p := NewStructuresPanel()
	var got Visibility
	p.OnChange = func(v Visibility) { got = v }
	rows := []Structure{{Name: "tumor", Color: color.RGBA{0, 190, 120, 255}}, {Name: "kidney_left", Color: color.RGBA{140, 60, 70, 255}}}
	p.SetStructures(rows)
	w := test.NewWindow(p.Content())
	defer w.Close()
	test.Tap(p.checks["tumor"])
	p.sliders["kidney_left"].SetValue(0.2)
	p.SetStructures(rows)
	if got.Hidden3D["tumor"] || got.Opacity["kidney_left"] != 1 || !p.checks["tumor"].Checked || p.sliders["kidney_left"].Value != 1 {
		t.Errorf("after opening another case: views told %+v, tumour ticked %v, kidney slider %v; want defaults everywhere",
			got, p.checks["tumor"].Checked, p.sliders["kidney_left"].Value)
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
			p, w, finished := pipelinePanelIn(t, run)
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

// TestPipelinePanelCancelled: a run the user cancels is reported as
// cancelled, not failed, whatever error the run ends with (a child
// process killed by the cancel exits with a status, not context.Canceled).
func TestPipelinePanelCancelled(t *testing.T) {
	test.NewTempApp(t)
	started := make(chan struct{})
	run := func(ctx context.Context, dir string, o caserun.Options, _, _ io.Writer) error {
		close(started)
		<-ctx.Done()
		return errors.New("kidney3d run: exit status 1")
	}
	p, _, finished := pipelinePanelIn(t, run)
	p.Run()
	<-started
	p.Cancel()
	<-finished
	if s := p.status.Text; !strings.HasPrefix(s, "cancelled after") || strings.Contains(s, "failed") {
		t.Errorf("status %q, want cancelled", s)
	}
}

// pipelinePanelIn is a pipeline panel running run on an empty case, shown
// in a 480×320 test window, and the channel its runs' ends arrive on.
func pipelinePanelIn(t *testing.T, run RunFunc) (*PipelinePanel, fyne.Window, chan error) {
	p := NewPipelinePanel(run)
	finished := make(chan error, 1)
	p.OnFinished = func(err error) { finished <- err }
	p.SetCase(t.TempDir())
	w := test.NewWindow(p.Content())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(480, 320))
	return p, w, finished
}
