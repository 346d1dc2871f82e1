package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// StaleError says that a result is out of date: it is not what the last
// successful runs of the stages that make it would make from the case's
// inputs as they are now.
type StaleError struct {
	Path   string // the result, relative to the case folder
	Reason string // e.g. "input/A.nii.gz changed since stage load ran"
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s is out of date: rerun (%s)", e.Path, e.Reason)
}

// Check is the read side of the manifest: whether a case's results are
// current.
type Check struct {
	Root string // the case folder
	// Given tells whether a path (relative to Root, slash-separated) is
	// one of the case's own inputs, which no stage makes.
	Given func(rel string) bool
	// Expect lists inputs (relative to Root) that every result must have
	// been made from, such as the phases present now: one that no stage
	// behind a result read is new since it was made.
	Expect []string
}

// Current returns nil when the result at rel (a file or folder, relative
// to Root) is current: the stage that made it and every stage
// behind it finished ok in their last runs, and every file they read or
// wrote still hashes as they recorded (a file whose size and modification
// time match the manifest's hash cache is not read again). Otherwise it
// returns a *StaleError naming the first difference found, or the error
// that stopped the check (a file that cannot be read).
func (c Check) Current(m *Manifest, rel string) error {
	w := &walk{check: c, m: m, made: map[string]string{}, done: map[string]bool{}, read: map[string]bool{},
		hasher: &Hasher{Root: c.Root, Cache: maps.Clone(m.Hashes)}}
	if w.hasher.Cache == nil {
		w.hasher.Cache = map[string]CachedHash{}
	}
	for name, e := range m.Stages {
		if e == nil || e.Status != OK {
			continue
		}
		for _, f := range e.Outputs {
			w.made[f.Path] = name
		}
	}
	rel = filepath.ToSlash(rel)
	reason, err := w.result(rel)
	if err == nil && reason == "" {
		for _, p := range c.Expect {
			if !w.read[filepath.ToSlash(p)] {
				reason = filepath.ToSlash(p) + " is new since the run that made it"
				break
			}
		}
	}
	if err != nil || reason == "" {
		return err
	}
	return &StaleError{Path: rel, Reason: reason}
}

// walk follows a result back through the stages that made it.
type walk struct {
	check  Check
	m      *Manifest
	hasher *Hasher
	made   map[string]string // output path → stage whose last run (ok) wrote it
	done   map[string]bool   // stages checked
	read   map[string]bool   // inputs read by the stages checked
}

// result checks the artefact at rel and the stages behind it; it returns
// why it is out of date, or "".
func (w *walk) result(rel string) (string, error) {
	name, ok := w.made[rel]
	if !ok {
		return w.unmade(rel), nil
	}
	e := w.m.Stages[name]
	for _, f := range e.Outputs {
		if f.Path != rel {
			continue
		}
		if why, err := w.same(f, fmt.Sprintf("since stage %s made it", name)); why != "" || err != nil {
			return why, err
		}
	}
	return w.stage(name)
}

// stage checks the inputs of one stage's last run and, recursively, the
// stages that made them: first whether any changed (the usual reason, and
// the one to name), then the stages behind them.
func (w *walk) stage(name string) (string, error) {
	if w.done[name] {
		return "", nil
	}
	w.done[name] = true
	e := w.m.Stages[name]
	keys := slices.Sorted(maps.Keys(e.Inputs))
	for _, k := range keys {
		in := e.Inputs[k]
		w.read[in.Path] = true
		if why, err := w.same(in, fmt.Sprintf("since stage %s ran", name)); why != "" || err != nil {
			return why, err
		}
	}
	for _, k := range keys {
		in := e.Inputs[k]
		if _, made := w.made[in.Path]; made {
			if why, err := w.result(in.Path); why != "" || err != nil {
				return why, err
			}
		} else if !w.check.Given(in.Path) {
			return w.unmade(in.Path), nil
		}
	}
	return "", nil
}

// same compares a recorded file with the file as it is now.
func (w *walk) same(f File, since string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
		return "the manifest names " + f.Path + ", outside the case folder", nil
	}
	now, err := w.hasher.File(filepath.Join(w.check.Root, filepath.FromSlash(f.Path)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f.Path + " is gone " + since, nil
	case err != nil:
		return "", err
	case now.SHA256 != f.SHA256:
		return f.Path + " changed " + since, nil
	}
	return "", nil
}

// unmade says why a stage output is recorded by no successful run: the
// stages whose last run failed or was cancelled, with their errors.
func (w *walk) unmade(rel string) string {
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(w.m.Stages)) {
		if e := w.m.Stages[name]; e != nil && (e.Status == Failed || e.Status == Cancelled) {
			bad = append(bad, fmt.Sprintf("stage %s %s: %s", name, e.Status, firstLine(e.Error)))
		}
	}
	if len(bad) == 0 {
		return "no finished run made " + rel
	}
	return "no finished run made " + rel + "; last run: " + strings.Join(bad, "; ")
}

// maxReason is how much of a stage's error a reason quotes.
const maxReason = 200

// firstLine is the first line of an error message, cut to maxReason bytes.
func firstLine(s string) string {
	cut := false
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s, cut = strings.TrimSuffix(s[:i], ":"), true
	}
	if len(s) > maxReason {
		s, cut = strings.ToValidUTF8(s[:maxReason], ""), true
	}
	if cut {
		s += " …"
	}
	return s
}
