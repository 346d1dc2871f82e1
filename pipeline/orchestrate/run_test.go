package orchestrate

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/stage"
)

// concat is a test stage that writes the concatenation of its inputs
// (present ones, in declared order) plus a suffix to each output.
type concat struct {
	name     string
	in, out  []stage.Artefact
	optional []stage.Artefact
	res      stage.Resource
	suffix   string
	runs     *atomic.Int32
	gate     func(ctx context.Context) error // runs before writing
	note     string                          // recorded as stage.NoteRecord
}

func (c *concat) Name() string                     { return c.name }
func (c *concat) Inputs() []stage.Artefact         { return c.in }
func (c *concat) Outputs() []stage.Artefact        { return c.out }
func (c *concat) OptionalInputs() []stage.Artefact { return c.optional }
func (c *concat) Resource() stage.Resource         { return c.res }
func (c *concat) Params() any                      { return map[string]string{"suffix": c.suffix} }
func (c *concat) Check(env *stage.Env) error {
	for _, in := range c.in {
		if _, err := env.Input(in); err != nil && !slices.Contains(c.optional, in) {
			return err
		}
	}
	return nil
}

func (c *concat) Run(ctx context.Context, env *stage.Env) error {
	c.runs.Add(1)
	if c.note != "" {
		env.Record[stage.NoteRecord] = c.note
	}
	if c.gate != nil {
		if err := c.gate(ctx); err != nil {
			return err
		}
	}
	var data []byte
	for _, in := range c.in {
		p, err := env.Input(in)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data = append(data, b...)
	}
	data = append(data, c.suffix...)
	for _, out := range c.out {
		if err := atomicfile.Write(env.Output(out), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
	}
	env.Progress(1)
	return nil
}

// newCase makes a case folder with the given phases (content = their name).
func newCase(t *testing.T, phases ...string) *casefile.Case {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "input", "masks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range phases {
		if err := os.WriteFile(filepath.Join(dir, "input", p+".nii.gz"), []byte(p), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// chain is a three-stage pipeline: seg (A+P → mask/kidney_left), merge
// (mask → labels) and report (labels → report).
func chain(runs *atomic.Int32) []stage.Stage {
	return []stage.Stage{
		&concat{name: "seg", in: []stage.Artefact{stage.Phase("A"), stage.Phase("P")}, out: []stage.Artefact{stage.Mask("kidney_left")}, res: stage.GPU, suffix: "+seg", runs: runs},
		&concat{name: "merge", in: []stage.Artefact{stage.Mask("kidney_left")}, out: []stage.Artefact{stage.Labels}, res: stage.CPU, suffix: "+merge", runs: runs},
		&concat{name: "report", in: []stage.Artefact{stage.Labels}, out: []stage.Artefact{stage.Report}, res: stage.IO, suffix: "+report", runs: runs},
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunThenReuseThenForce(t *testing.T) {
	c := newCase(t, "A", "P")
	var runs atomic.Int32
	var events []Event
	opts := Options{Program: "test", Events: func(e Event) { events = append(events, e) }}
	if err := Run(context.Background(), c, chain(&runs), opts); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(c.Dir, "output", "report.json")); got != "AP+seg+merge+report" {
		t.Fatalf("report = %q", got)
	}
	if runs.Load() != 3 {
		t.Fatalf("%d runs, want 3", runs.Load())
	}
	man, err := manifest.Load(c.ManifestPath())
	if err != nil || man.Stages["merge"].Status != manifest.OK || man.Stages["merge"].Outputs[string(stage.Labels)].Path != "output/labels.nii.gz" {
		t.Fatalf("manifest: %+v, %v", man.Stages["merge"], err)
	}
	stat := func() time.Time { st, _ := os.Stat(c.OutputLabelsPath()); return st.ModTime() }
	before := stat()

	runs.Store(0)
	if err := Run(context.Background(), c, chain(&runs), opts); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 0 || !stat().Equal(before) {
		t.Fatalf("second run ran %d stages or rewrote output", runs.Load())
	}

	opts.Force = []string{"merge"}
	if err := Run(context.Background(), c, chain(&runs), opts); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Fatalf("--force merge ran %d stages, want 1 (report's input is byte-identical)", runs.Load())
	}
	opts.Force = []string{"nope"}
	if err := Run(context.Background(), c, chain(&runs), opts); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown --force stage: %v", err)
	}
}

func TestChangedInputOrParamsReruns(t *testing.T) {
	c := newCase(t, "A", "P")
	var runs atomic.Int32
	if err := Run(context.Background(), c, chain(&runs), Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	runs.Store(0)
	stages := chain(&runs)
	stages[1].(*concat).suffix = "+merge2"
	if err := Run(context.Background(), c, stages, Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 2 {
		t.Fatalf("changed merge parameters ran %d stages, want merge and report", runs.Load())
	}
	// Deleting work is allowed at any time: the stage runs again.
	os.RemoveAll(filepath.Join(c.Dir, "work"))
	runs.Store(0)
	if err := Run(context.Background(), c, stages, Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Fatalf("after deleting work/, %d stages ran, want seg only", runs.Load())
	}
}

func TestGivenMaskSkipsItsStage(t *testing.T) {
	c := newCase(t, "A", "P")
	if err := os.WriteFile(c.MaskPath("kidney_left"), []byte("given"), 0o444); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	var states []string
	opts := Options{Program: "test", Events: func(e Event) { states = append(states, e.Stage+":"+string(e.State)) }}
	if err := Run(context.Background(), c, chain(&runs), opts); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(c.Dir, "output", "report.json")); got != "given+merge+report" {
		t.Fatalf("report = %q", got)
	}
	if !slices.Contains(states, "seg:given") || runs.Load() != 2 {
		t.Fatalf("states %v, runs %d", states, runs.Load())
	}
}

func TestMissingInputSkipsStageAndDependents(t *testing.T) {
	c := newCase(t, "A") // no P
	var runs atomic.Int32
	var skipped []string
	opts := Options{Program: "test", Events: func(e Event) {
		if e.State == Skipped {
			skipped = append(skipped, e.Stage+": "+e.Message)
		}
	}}
	if err := Run(context.Background(), c, chain(&runs), opts); err != nil {
		t.Fatal(err)
	}
	// The stages after the first say why it could not run, not only that
	// it wrote nothing.
	if runs.Load() != 0 || len(skipped) != 3 || !strings.Contains(skipped[0], "needs phase P (no input/P.nii.gz)") ||
		!strings.Contains(skipped[2], "needs phase P") {
		t.Fatalf("runs %d, skipped %q", runs.Load(), skipped)
	}
}

// TestReferencePhaseIsTheFirstPresent: without A, P is the reference; it
// is its own registered image (its register stage does not run), D is
// registered onto it, and a stage that needs A says so.
func TestReferencePhaseIsTheFirstPresent(t *testing.T) {
	c := newCase(t, "P", "D", "N")
	var runs atomic.Int32
	var events []string
	stages := []stage.Stage{
		&concat{name: "register_P", in: []stage.Artefact{stage.Reference, stage.Phase("P")}, out: []stage.Artefact{stage.Registered("P")}, res: stage.CPU, suffix: "+regP", runs: &runs},
		&concat{name: "register_D", in: []stage.Artefact{stage.Reference, stage.Phase("D")}, out: []stage.Artefact{stage.Registered("D")}, res: stage.CPU, suffix: "+regD", runs: &runs},
		&concat{name: "seg", in: []stage.Artefact{stage.Registered("P"), stage.Registered("D")}, out: []stage.Artefact{stage.Mask("kidney_left")}, res: stage.GPU, suffix: "+seg", runs: &runs},
		&concat{name: "arterial", in: []stage.Artefact{stage.Reference, stage.Registered("A")}, out: []stage.Artefact{stage.Mask("artery")}, res: stage.GPU, suffix: "+art", runs: &runs},
	}
	opts := Options{Program: "test", Events: func(e Event) { events = append(events, e.Stage+":"+string(e.State)+":"+e.Message) }}
	if err := Run(context.Background(), c, stages, opts); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c.ArtefactPath("seg", stage.Mask("kidney_left"))); got != "P"+"PD+regD"+"+seg" {
		t.Errorf("seg read %q, want P as given and D registered onto P", got)
	}
	if !slices.Contains(events, "register_P:given:all outputs given in input/") || runs.Load() != 2 ||
		!slices.Contains(events, "arterial:skipped:needs phase A (no input/A.nii.gz)") {
		t.Errorf("runs %d, events %q", runs.Load(), events)
	}
}

// TestNoteIsDoneMessage: what a stage notes about how it ran (a GPU
// fallback) is the message of its "done" event.
func TestNoteIsDoneMessage(t *testing.T) {
	c := newCase(t, "A")
	var runs atomic.Int32
	s := &concat{name: "seg", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Mask("kidney_left")},
		res: stage.GPU, suffix: "+seg", runs: &runs, note: "on CPU: cuda did not start"}
	var events []string
	opts := Options{Program: "test", Events: func(e Event) { events = append(events, string(e.State)+":"+e.Message) }}
	if err := Run(context.Background(), c, []stage.Stage{s}, opts); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(events, "done:on CPU: cuda did not start") {
		t.Errorf("events %q, want done:on CPU: cuda did not start", events)
	}
}

func TestOptionalInputMayBeMissing(t *testing.T) {
	c := newCase(t, "A")
	var runs atomic.Int32
	s := &concat{name: "reg", in: []stage.Artefact{stage.Phase("A"), stage.Phase("D")}, optional: []stage.Artefact{stage.Phase("D")},
		out: []stage.Artefact{stage.Registered("P")}, res: stage.CPU, suffix: "+reg", runs: &runs}
	if err := Run(context.Background(), c, []stage.Stage{s}, Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c.ArtefactPath("reg", stage.Registered("P"))); got != "A+reg" {
		t.Fatalf("got %q", got)
	}
}

func TestFailureIsRecordedAndStopsDependents(t *testing.T) {
	c := newCase(t, "A", "P")
	var runs atomic.Int32
	stages := chain(&runs)
	boom := errors.New("boom")
	stages[1].(*concat).gate = func(context.Context) error { return boom }
	err := Run(context.Background(), c, stages, Options{Program: "test"})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "stage merge") {
		t.Fatalf("got %v", err)
	}
	man, _ := manifest.Load(c.ManifestPath())
	if man.Stages["merge"].Status != manifest.Failed || man.Stages["report"] != nil {
		t.Fatalf("manifest: merge %+v, report %+v", man.Stages["merge"], man.Stages["report"])
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "output", "report.json")); err == nil {
		t.Fatal("report written after a failed dependency")
	}
}

func TestCancelStopsPromptlyAndResumes(t *testing.T) {
	c := newCase(t, "A", "P")
	var runs atomic.Int32
	stages := chain(&runs)
	started := make(chan struct{})
	stages[1].(*concat).gate = func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	t0 := time.Now()
	if err := Run(ctx, c, stages, Options{Program: "test"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	runs.Store(0)
	if err := Run(context.Background(), c, chain(&runs), Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 2 {
		t.Fatalf("resume ran %d stages, want merge and report", runs.Load())
	}
}

func TestGPUStagesRunOneAtATime(t *testing.T) {
	c := newCase(t, "A")
	var runs, running, peak atomic.Int32
	var mu sync.Mutex
	gate := func(context.Context) error {
		n := running.Add(1)
		mu.Lock()
		if n > peak.Load() {
			peak.Store(n)
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return nil
	}
	var stages []stage.Stage
	for _, name := range []string{"g1", "g2", "g3"} {
		stages = append(stages, &concat{name: name, in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Mask(name)},
			res: stage.GPU, runs: &runs, gate: gate})
	}
	if err := Run(context.Background(), c, stages, Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 1 || runs.Load() != 3 {
		t.Fatalf("peak %d GPU stages at once, %d runs", peak.Load(), runs.Load())
	}
}

func TestPlanRejectsBadGraphs(t *testing.T) {
	c := newCase(t, "A")
	var runs atomic.Int32
	for _, tc := range []struct {
		name   string
		stages []stage.Stage
		want   string
	}{
		{"two writers", []stage.Stage{
			&concat{name: "a", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Labels}, runs: &runs},
			&concat{name: "b", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{stage.Labels}, runs: &runs},
		}, "written by both a and b"},
		{"cycle", []stage.Stage{
			&concat{name: "a", in: []stage.Artefact{stage.Mask("x")}, out: []stage.Artefact{stage.Mask("y")}, runs: &runs},
			&concat{name: "b", in: []stage.Artefact{stage.Mask("y")}, out: []stage.Artefact{stage.Mask("x")}, runs: &runs},
		}, "cycle"},
	} {
		if err := Run(context.Background(), c, tc.stages, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
}

// maybe writes its optional output only when asked.
type maybe struct {
	concat
	write bool
}

func (m *maybe) OptionalOutputs() []stage.Artefact { return m.out }

func (m *maybe) Run(ctx context.Context, env *stage.Env) error {
	if !m.write {
		return nil
	}
	return m.concat.Run(ctx, env)
}

func TestOptionalOutputMayBeAbsent(t *testing.T) {
	for _, write := range []bool{false, true} {
		c := newCase(t, "A")
		var runs atomic.Int32
		clean := &maybe{concat: concat{name: "clean", in: []stage.Artefact{stage.Phase("A")}, out: []stage.Artefact{"clean/tumor"}, res: stage.CPU, suffix: "+clean", runs: &runs}, write: write}
		use := &concat{name: "use", in: []stage.Artefact{stage.Phase("A"), "clean/tumor"}, optional: []stage.Artefact{"clean/tumor"},
			out: []stage.Artefact{stage.Labels}, res: stage.CPU, suffix: "+use", runs: &runs}
		need := &concat{name: "need", in: []stage.Artefact{"clean/tumor"}, out: []stage.Artefact{stage.Report}, res: stage.CPU, runs: &runs}
		var skipped []string
		opts := Options{Program: "test", Events: func(e Event) {
			if e.State == Skipped {
				skipped = append(skipped, e.Stage)
			}
		}}
		for pass := 0; pass < 2; pass++ { // the second pass reuses every stage
			if err := Run(context.Background(), c, []stage.Stage{clean, use, need}, opts); err != nil {
				t.Fatalf("write=%v pass %d: %v", write, pass, err)
			}
		}
		want, wantSkipped := "A+use", "need,need"
		if write {
			want, wantSkipped = "AA+clean+use", ""
		}
		if got := read(t, c.OutputLabelsPath()); got != want {
			t.Errorf("write=%v: labels %q, want %q", write, got, want)
		}
		if got := strings.Join(skipped, ","); got != wantSkipped {
			t.Errorf("write=%v: skipped %q, want %q", write, got, wantSkipped)
		}
	}
}
