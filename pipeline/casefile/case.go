// Package casefile is the case folder of DESIGN.md: where each input, work
// file and output of a case lives.
package casefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/filelock"
)

// Phases are the CT phases a case may hold, in acquisition order: N
// (non-contrast), A (arterial), P (portal venous), D (delayed).
var Phases = []string{"N", "A", "P", "D"}

// Case is an opened case folder.
type Case struct {
	Dir string
}

// Open checks that dir is a case folder (it has an input/ folder).
func Open(dir string) (*Case, error) {
	st, err := os.Stat(filepath.Join(dir, "input"))
	if err != nil {
		return nil, fmt.Errorf("%s: not a case folder: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a case folder: input is not a folder", dir)
	}
	return &Case{Dir: dir}, nil
}

// PhasePath is the input file of a phase, e.g. input/A.nii.gz.
func (c *Case) PhasePath(phase string) string {
	return filepath.Join(c.Dir, "input", phase+".nii.gz")
}

// TruthPath is the ground-truth label map of a demo case.
func (c *Case) TruthPath() string { return filepath.Join(c.Dir, "truth", "labels.nii.gz") }

// OutputLabelsPath is the final label map.
func (c *Case) OutputLabelsPath() string { return filepath.Join(c.Dir, "output", "labels.nii.gz") }

// PresentPhases lists the phases whose input file exists, in acquisition order.
func (c *Case) PresentPhases() []string {
	var out []string
	for _, p := range Phases {
		if _, err := os.Stat(c.PhasePath(p)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ReferenceOrder is the order in which a phase is chosen as the case's
// reference, the grid of its masks and label map: the arterial phase, else
// the portal venous, else the delayed, else the non-contrast one.
var ReferenceOrder = []string{"A", "P", "D", "N"}

// ReferencePhase is the case's reference phase: the first of
// ReferenceOrder whose input file exists.
func (c *Case) ReferencePhase() (string, bool) {
	for _, p := range ReferenceOrder {
		if _, err := os.Stat(c.PhasePath(p)); err == nil {
			return p, true
		}
	}
	return "", false
}

// MeshesDir is the folder of the case's surface meshes, output/meshes.
func (c *Case) MeshesDir() string { return c.ArtefactPath("", "meshes") }

// MaskPath is where a binary mask made elsewhere is given, by label name.
func (c *Case) MaskPath(label string) string {
	return filepath.Join(c.Dir, "input", "masks", label+".nii.gz")
}

// Artefact names a stage's input or output ("labels", "meshes", "report",
// "mask/<label>", "registered/<phase>", ...: package stage gives them);
// the case folder decides where each lives (ArtefactPath).
type Artefact string

// ArtefactPath is where the artefact written by the named stage lives:
// the final label map, meshes, report and territory map under output/, everything else
// under work/<stage>/ (NIfTI, or as named when the name has an extension
// such as inputs.json).
func (c *Case) ArtefactPath(stageName string, a Artefact) string {
	artefact := string(a)
	switch artefact {
	case "labels":
		return c.OutputLabelsPath()
	case "meshes":
		return filepath.Join(c.Dir, "output", "meshes")
	case "report":
		return filepath.Join(c.Dir, "output", "report.json")
	case "territories":
		return filepath.Join(c.Dir, "output", "territories.nii.gz")
	}
	if path.Ext(artefact) != "" {
		return filepath.Join(c.Dir, "work", stageName, filepath.FromSlash(artefact))
	}
	return filepath.Join(c.Dir, "work", stageName, filepath.FromSlash(artefact)+".nii.gz")
}

// Rel is path relative to the case folder, slash-separated, as
// manifest.json and report.json name files ("input/masks/artery.nii.gz").
func (c *Case) Rel(path string) string {
	r, err := filepath.Rel(c.Dir, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// WrittenBy are the files of the artefact that any stage has written
// under work/ (e.g. "registered/P" of every register stage), sorted.
func (c *Case) WrittenBy(artefact Artefact) []string {
	m, _ := filepath.Glob(c.ArtefactPath("*", artefact))
	return m
}

// ImportPath is case.json, what `kidney3d import` brought in: the study
// and series UIDs, descriptions, and which series became which phase, why.
func (c *Case) ImportPath() string { return filepath.Join(c.Dir, "case.json") }

// ManifestPath is manifest.json, the record of every stage run.
func (c *Case) ManifestPath() string { return filepath.Join(c.Dir, "manifest.json") }

// LogPath is the case's structured log.
func (c *Case) LogPath() string { return filepath.Join(c.Dir, "log.jsonl") }

// MasksDir is input/masks, where masks made elsewhere are given.
func (c *Case) MasksDir() string { return filepath.Join(c.Dir, "input", "masks") }

// GivenMasks lists the binary masks in input/masks by label name.
func (c *Case) GivenMasks() (map[string]string, error) {
	dir := filepath.Join(c.Dir, "input", "masks")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if label, ok := strings.CutSuffix(name, ".nii.gz"); ok && !e.IsDir() && !strings.HasPrefix(name, ".") {
			out[label] = filepath.Join(dir, name)
		}
	}
	return out, nil
}

// TempDir is where atomic writes stage their temporary files, so that
// output/ never shows an unfinished file; it is emptied under the case's
// lock (Lock.CleanTemp) at each run's start.
func (c *Case) TempDir() string { return filepath.Join(c.Dir, "work", ".tmp") }

// LockPath is the file whose OS lock says that a process is working on the
// case; it holds that process's Holder. It is never removed.
func (c *Case) LockPath() string { return filepath.Join(c.Dir, "case.lock") }

// Holder is who holds a case's lock, as its lock file says.
type Holder struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Purpose string    `json:"purpose"` // what it does, e.g. "kidney3d run"
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process"
	}
	return fmt.Sprintf("%s (pid %d, since %s)", h.Purpose, h.PID, h.Started.Local().Format("2006-01-02 15:04:05"))
}

// BusyError is the error of a lock that another process holds.
type BusyError struct {
	Path   string // the lock file
	Holder Holder
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s: the case is busy: %s is working on it", e.Path, e.Holder)
}

// Lock is a case's lock, held by this process until Unlock or its exit
// (the operating system drops it then, even after a crash).
type Lock struct {
	c *Case
	f *os.File
}

// lockRetry is how often Lock tries again while it waits.
const lockRetry = 200 * time.Millisecond

// Lock takes the case's exclusive lock for purpose (written in the lock
// file with this process's id and the time). When another process holds
// it, Lock returns a *BusyError if waiting is nil; otherwise it calls
// waiting once with the holder and tries again until it succeeds or ctx is
// done.
func (c *Case) Lock(ctx context.Context, purpose string, waiting func(Holder)) (*Lock, error) {
	path := c.LockPath()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open the case's lock: %w", path, err)
	}
	for told := false; ; {
		ok, err := filelock.TryLock(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if ok {
			break
		}
		h := readHolder(path)
		if waiting == nil {
			f.Close()
			return nil, &BusyError{Path: path, Holder: h}
		}
		if !told {
			waiting(h)
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%s: waiting for %s: %w", path, h, ctx.Err())
		case <-time.After(lockRetry):
		}
	}
	h, _ := json.Marshal(Holder{PID: os.Getpid(), Started: time.Now().UTC().Truncate(time.Second), Purpose: purpose})
	if err := writeHolder(f, h); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Lock{c: c, f: f}, nil
}

// writeHolder replaces the lock file's content with h.
func writeHolder(f *os.File, h []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt(append(h, '\n'), 0)
	return err
}

// maxHolder bounds the read of a lock file, which may be anything.
const maxHolder = 4 << 10

// readHolder reads who holds a lock; a lock file being written, or not
// written by Lock, gives the zero Holder.
func readHolder(path string) Holder {
	var h Holder
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxHolder))
	if json.Unmarshal(b, &h) != nil {
		return Holder{}
	}
	return h
}

// Busy reports whether another process holds the case's lock, and who.
// It takes nothing: the answer may be out of date by the time it is read.
func (c *Case) Busy() (Holder, bool, error) {
	f, err := os.Open(c.LockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, fmt.Errorf("%s: %w", c.LockPath(), err)
	}
	defer f.Close()
	ok, err := filelock.TryLock(f)
	if err != nil || ok {
		return Holder{}, false, err
	}
	return readHolder(c.LockPath()), true, nil
}

// CleanTemp removes what killed writes left in the case: the folder of
// temporary files, and the temporary files of atomicfile.Write in every
// other folder but input/ (the manifest's, say). Only the lock's holder
// may, since another process's writes would lose their files.
func (l *Lock) CleanTemp() error {
	if err := os.RemoveAll(l.c.TempDir()); err != nil {
		return err
	}
	input := filepath.Join(l.c.Dir, "input")
	return filepath.WalkDir(l.c.Dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.IsDir():
			return nil
		case p == input:
			return filepath.SkipDir
		}
		_, err = atomicfile.RemoveStale(p)
		return err
	})
}

// Unlock releases the lock.
func (l *Lock) Unlock() error { return l.f.Close() }

// LeasePath is the lease of the scale-out worker that processes the case
// (package caselease): its id, heartbeat and the last job it finished.
func (c *Case) LeasePath() string { return filepath.Join(c.Dir, "worker.lease") }

// RemoteJobPath is the state of the case's newest job submitted to the
// scale-out workers (package remotejob): queued, or failed and why.
func (c *Case) RemoteJobPath() string { return filepath.Join(c.Dir, "remote-job.json") }
