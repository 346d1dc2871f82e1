package dicomimport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/dicomseries"
	"kidney3d/pipeline/volume"
)

// Options say what Import brings in, from where, into which case.
type Options struct {
	Sources []string
	Case    string
	// Phases maps a phase (N, A, P, D) to the ID of the series to import
	// as it (Row.ID); empty: the guesses decide.
	Phases map[string]string
	// KeepIdentity writes the patient's name and ID into case.json; they
	// are left out otherwise.
	KeepIdentity bool
	// Progress, when set, is told of each phase as it is written.
	Progress io.Writer
	// FillGaps interpolates the slices missing from a series
	// (dicomseries.Options.FillGaps), recorded in case.json.
	FillGaps bool
}

// OptionError is an Options value that cannot be run: on the command line,
// a usage error.
type OptionError struct{ error }

func (e OptionError) Unwrap() error { return e.error }

// ParsePhases parses --phase's value, "A=ID,P=ID".
func ParsePhases(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		p, id, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || id == "" || !slices.Contains(casefile.Phases, p) {
			return nil, fmt.Errorf("--phase %q: want PHASE=SERIES_ID[,…] with PHASE one of %s", item, strings.Join(casefile.Phases, ", "))
		}
		if _, dup := out[p]; dup {
			return nil, fmt.Errorf("--phase names %s twice", p)
		}
		out[p] = id
	}
	return out, nil
}

// Record is case.json. The JSON keys are a contract.
type Record struct {
	Imported time.Time `json:"imported"`
	Study    Study     `json:"study"`
	// Phases are the series imported, by phase.
	Phases map[string]Phase `json:"phases"`
	// Series are all the series found, with their guesses.
	Series  []Row     `json:"series"`
	Dropped []Dropped `json:"dropped,omitempty"`
}

// Study identifies the study; the patient only with KeepIdentity.
type Study struct {
	UID         string `json:"uid"`
	Description string `json:"description"`
	Date        string `json:"date"`
	PatientName string `json:"patient_name,omitempty"`
	PatientID   string `json:"patient_id,omitempty"`
}

// Phase is one imported series: which, where, and why it is that phase.
type Phase struct {
	File        string   `json:"file"` // relative to the case
	SeriesID    string   `json:"series_id"`
	SeriesUID   string   `json:"series_uid"`
	Description string   `json:"description"`
	Dims        [3]int   `json:"dims"`
	Datatype    string   `json:"datatype"`
	Orientation string   `json:"orientation"`
	ChosenBy    string   `json:"chosen_by"` // "--phase" or "guess"
	Confidence  float64  `json:"confidence"`
	Reasons     []string `json:"reasons"`
	// Resampled says how the series was brought onto an equidistant grid;
	// absent when its slices were written as they are.
	Resampled string `json:"resampled,omitempty"`
}

// Import scans the sources, chooses a series per phase (opts.Phases, or
// the best guess of each phase: highest confidence, then most slices) and
// writes them to the case as input/<phase>.nii.gz, then case.json. The
// case folder may exist but must hold no input phase yet, and must not be
// inside a source. Every phase is written to the case's temporary folder
// first and moved into input/ only once all are; on any error nothing is
// left in the case (and a folder Import made is removed).
func Import(ctx context.Context, opts Options) (*Record, error) {
	if opts.Case == "" {
		return nil, OptionError{errors.New("no case folder")}
	}
	if err := outsideSources(opts.Case, opts.Sources); err != nil {
		return nil, OptionError{err}
	}
	l, err := listSeries(ctx, opts.Sources, dicomseries.Options{FillGaps: opts.FillGaps})
	if err != nil {
		return nil, err
	}
	known, err := knownChoices(l, opts.Phases)
	if err != nil {
		return nil, err
	}
	c := &casefile.Case{Dir: opts.Case}
	for _, k := range known {
		if err := absent(c, k.phase); err != nil {
			return nil, err
		}
	}
	made := false
	if _, err := os.Stat(opts.Case); errors.Is(err, os.ErrNotExist) {
		made = true
	}
	if err := os.MkdirAll(filepath.Join(opts.Case, "input"), 0o755); err != nil {
		return nil, err
	}
	rec, err := write(ctx, c, l, known, opts)
	if err != nil && made {
		os.RemoveAll(opts.Case)
	}
	return rec, err
}

// choice is a series chosen as a phase, and by what.
type choice struct {
	index int // in the listing
	by    string
}

// absent refuses a phase the case already has ("" names none yet).
func absent(c *casefile.Case, phase string) error {
	if _, err := os.Stat(c.PhasePath(phase)); phase != "" && err == nil {
		return fmt.Errorf("%s: the case already has this phase; import into a new folder", c.PhasePath(phase))
	}
	return nil
}

// knownChoice is a series Import will write whatever the phase guesses say, so
// that it is written while they are made: its phase, or "" when the guess
// names it.
type knownChoice struct {
	index int // in the listing
	phase string
}

// knownChoices are the series Import writes whatever the guesses say:
// those --phase names, or else the listing's one importable series of a
// modality with a phase (written when its guess names a phase, as choose
// would choose it; none when there are several).
func knownChoices(l *Listing, given map[string]string) ([]knownChoice, error) {
	if len(given) > 0 {
		chosen, err := choose(l, given)
		if err != nil {
			return nil, err
		}
		var out []knownChoice
		for _, p := range slices.Sorted(maps.Keys(chosen)) {
			out = append(out, knownChoice{chosen[p].index, p})
		}
		return out, nil
	}
	var out []knownChoice
	for i, r := range l.Series {
		if r.Problem == "" && phased(r.Modality) {
			out = append(out, knownChoice{i, ""})
		}
	}
	if len(out) != 1 {
		return nil, nil
	}
	return out, nil
}

// choose picks the series of each phase.
func choose(l *Listing, given map[string]string) (map[string]choice, error) {
	out := map[string]choice{}
	if len(given) > 0 {
		for p, id := range given {
			i := slices.IndexFunc(l.Series, func(r Row) bool { return r.ID == id })
			if i < 0 {
				return nil, fmt.Errorf("--phase %s=%s: no such series (have %s)", p, id, ids(l))
			}
			if l.Series[i].Problem != "" {
				return nil, fmt.Errorf("--phase %s=%s: %s", p, id, l.Series[i].Problem)
			}
			out[p] = choice{i, "--phase"}
		}
		studies := map[string]bool{}
		for _, ch := range out {
			studies[l.Series[ch.index].StudyUID] = true
		}
		if len(studies) > 1 {
			return nil, fmt.Errorf("--phase names series of %d studies: a case is one study", len(studies))
		}
		return out, nil
	}
	studies := map[string]bool{}
	for i, r := range l.Series {
		if r.Problem != "" || r.Guess.Phase == "" {
			continue
		}
		studies[r.StudyUID] = true
		best, ok := out[r.Guess.Phase]
		if !ok || better(r, l.Series[best.index]) {
			out[r.Guess.Phase] = choice{i, "guess"}
		}
	}
	if len(studies) > 1 {
		return nil, fmt.Errorf("the sources hold %d studies: name the series of each phase with --phase (kidney3d import --list shows them)", len(studies))
	}
	if len(out) == 0 {
		var problems []string
		for _, r := range l.Series {
			if r.Problem != "" {
				problems = append(problems, r.Problem)
			}
		}
		if len(problems) == 0 {
			return nil, errors.New("no CT series has a phase guess: name the series of each phase with --phase (kidney3d import --list shows them)")
		}
		return nil, fmt.Errorf("no series can be imported: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// better reports whether a is a better candidate for its phase than b:
// a surer guess, then an original (not derived) image, then more slices,
// then thinner ones.
func better(a, b Row) bool {
	return cmp.Or(cmp.Compare(a.Guess.Confidence, b.Guess.Confidence), cmp.Compare(original(a), original(b)),
		cmp.Compare(a.Slices, b.Slices), cmp.Compare(b.Spacing[2], a.Spacing[2])) > 0
}

// original is 1 for an ORIGINAL image (Image Type's first value), 0 for a
// DERIVED one (a reformat, a MIP).
func original(r Row) int {
	if len(r.ImageType) > 0 && r.ImageType[0] == "ORIGINAL" {
		return 1
	}
	return 0
}

func ids(l *Listing) string {
	var out []string
	for _, r := range l.Series {
		out = append(out, r.ID)
	}
	return strings.Join(out, ", ")
}

// outsideSources refuses a case folder that is a source or inside one.
func outsideSources(dir string, sources []string) error {
	d, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, s := range sources {
		a, err := filepath.Abs(s)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(a, d); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return fmt.Errorf("--out %s is inside the source %s: kidney3d never writes into a source folder", dir, s)
		}
	}
	return nil
}

// staged is a series saved into the import's temporary folder.
type staged struct {
	path     string
	grid     volume.Grid
	datatype string
	took     time.Duration
}

// save saves series s to path (dicomseries.Save).
func save(ctx context.Context, s *dicomseries.Series, path string) (staged, error) {
	start := time.Now()
	g, datatype, err := dicomseries.Save(ctx, s, path)
	return staged{path, g, datatype, time.Since(start)}, err
}

// write guesses the listing's phases while it saves the known series,
// then saves the other chosen ones, all under the case's lock, and moves
// them into the case.
func write(ctx context.Context, c *casefile.Case, l *Listing, known []knownChoice, opts Options) (*Record, error) {
	lock, err := c.Lock(ctx, "kidney3d import", nil)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := os.MkdirAll(c.TempDir(), 0o755); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(c.TempDir(), "import-")
	if err != nil {
		return nil, err
	}
	defer func() {
		os.RemoveAll(stage)
		os.Remove(c.TempDir()) // when empty, as are the folders above it
		os.Remove(filepath.Dir(c.TempDir()))
	}()
	early := make([]staged, len(known))
	earlyCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	saved := make(chan error, 1)
	go func() {
		for i, k := range known {
			var err error
			if early[i], err = save(earlyCtx, l.series[k.index], filepath.Join(stage, fmt.Sprintf("known%d.nii.gz", i))); err != nil {
				saved <- err
				return
			}
		}
		saved <- nil
	}()
	l.guessPhases()
	chosen, err := choose(l, opts.Phases)
	for p := range chosen {
		if err == nil {
			err = absent(c, p)
		}
	}
	if err != nil {
		cancel()
		<-saved
		return nil, err
	}
	if err := <-saved; err != nil {
		return nil, err
	}
	phases := slices.Sorted(maps.Keys(chosen))
	first := l.series[chosen[phases[0]].index].First() // the study's header
	rec := &Record{
		Imported: time.Now().UTC().Truncate(time.Second),
		Study:    Study{UID: first.StudyInstanceUID, Description: first.StudyDescription, Date: firstOf(first.StudyDate, first.SeriesDate)},
		Phases:   map[string]Phase{}, Series: l.Series, Dropped: l.Dropped,
	}
	if opts.KeepIdentity {
		rec.Study.PatientName, rec.Study.PatientID = first.PatientName, first.PatientID
	}
	files := map[string]string{}
	for _, p := range phases {
		ch := chosen[p]
		s, row := l.series[ch.index], l.Series[ch.index]
		i := slices.IndexFunc(known, func(k knownChoice) bool { return k.index == ch.index && (k.phase == p || k.phase == "") })
		var st staged
		if i >= 0 {
			st, known[i].index = early[i], -1 // each used once
		} else if st, err = save(ctx, s, filepath.Join(stage, p+".nii.gz")); err != nil {
			return nil, err
		}
		files[p] = st.path
		rec.Phases[p] = Phase{
			File: c.Rel(c.PhasePath(p)), SeriesID: row.ID, SeriesUID: row.SeriesUID, Description: row.Description,
			Dims: st.grid.Dims, Datatype: st.datatype, Orientation: st.grid.Affine.AxisCodes(), ChosenBy: ch.by,
			Confidence: row.Guess.Confidence, Reasons: row.Guess.Reasons, Resampled: row.Resampled,
		}
		if ch.by == "--phase" {
			ph := rec.Phases[p]
			ph.Confidence, ph.Reasons = 1, []string{"named with --phase", "guessed " + guessText(row.Guess)}
			rec.Phases[p] = ph
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "%s ← series %s %q: %s (%.1f s)\n", rec.Phases[p].File, row.ID, row.Description, dicomseries.Describe(st.grid, st.datatype), st.took.Seconds())
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range phases {
		if err := atomicfile.Rename(files[p], c.PhasePath(p)); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.SyncDir(filepath.Dir(c.PhasePath("A"))); err != nil {
		return nil, err
	}
	return rec, atomicfile.WriteJSON(c.ImportPath(), rec)
}

// guessText is a guess in a few words.
func guessText(g ctphase.Guess) string {
	if g.Phase == "" {
		return "no phase"
	}
	return fmt.Sprintf("%s at %.0f%% (%s)", g.Phase, 100*g.Confidence, strings.Join(g.Reasons, "; "))
}

// WriteText writes what an import did.
func (r *Record) WriteText(w io.Writer) error {
	for _, p := range []string{"N", "A", "P", "D"} {
		ph, ok := r.Phases[p]
		if !ok {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s: series %s %q (%s, %.0f%%: %s)\n", ph.File, ph.SeriesID, ph.Description, ph.ChosenBy, 100*ph.Confidence, strings.Join(ph.Reasons, "; ")); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the record as case.json holds it.
func (r *Record) WriteJSON(w io.Writer) error {
	return atomicfile.EncodeJSON(w, r)
}
