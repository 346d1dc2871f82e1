package caselibrary

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/manifest"
)

// Statuses of a case, in the order a case goes through them; Failed may
// come at any step.
const (
	New         = "new"
	Queued      = "queued"
	Running     = "running"
	NeedsReview = "needs review"
	Reviewed    = "reviewed"
	SignedOff   = "signed off"
	Failed      = "failed"
)

// Statuses lists every status, in order.
var Statuses = []string{New, Queued, Running, NeedsReview, Reviewed, SignedOff, Failed}

// Entry is one case of the library.
type Entry struct {
	ID          int64     `json:"id"`
	Dir         string    `json:"dir"`
	Name        string    `json:"name"`
	StudyUID    string    `json:"study_uid,omitempty"`
	Description string    `json:"description,omitempty"`
	StudyDate   string    `json:"study_date,omitempty"`
	PatientName string    `json:"patient_name,omitempty"`
	PatientID   string    `json:"patient_id,omitempty"`
	Phases      []string  `json:"phases"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"` // why it failed
	Priority    string    `json:"priority,omitempty"`
	Assignee    string    `json:"assignee,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Notes       string    `json:"notes,omitempty"`
	Versions    int       `json:"versions"`
	SignedOff   *Mark     `json:"signed_off,omitempty"`
	SignoffNote string    `json:"signoff_note,omitempty"` // a sign-off that an edit cleared
	Changed     time.Time `json:"changed"`
	// fingerprint is the sizes and modification times of the files the
	// entry was read from (Sync reads it again when they change).
	fingerprint string
}

// SignedLabels is the label map a reviewer signs off: the case's current
// one (the newest saved version, else output/labels.nii.gz).
func SignedLabels(c *casefile.Case) string { return c.CurrentLabelsPath() }

// labelsSHA256 is the sha256 of the case's SignedLabels, "" when it has none.
func labelsSHA256(c *casefile.Case) (rel, sum string, err error) {
	p := SignedLabels(c)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return c.Rel(p), "", nil
	}
	h := manifest.Hasher{Root: c.Dir, Cache: map[string]manifest.CachedHash{}}
	f, err := h.File(p)
	return f.Path, f.SHA256, err
}

// Describe reads a case folder into an Entry (ID 0): what case.json says of
// the study, the phases in input/, the review record, and the status that
// manifest.json and the outputs give, or a job submitted to the scale-out
// workers (remote-job.json and worker.lease: applyRemote). The local
// queue's jobs are not in the folder: the library's queries apply them.
func Describe(dir string) (Entry, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Entry{}, err
	}
	c, err := casefile.Open(abs)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Dir: abs, Name: filepath.Base(abs), Phases: c.PresentPhases(), Versions: len(c.LabelVersions())}
	if e.Phases == nil {
		e.Phases = []string{}
	}
	if err := readImport(c, &e); err != nil {
		return Entry{}, err
	}
	r, err := LoadReview(c)
	if err != nil {
		return Entry{}, err
	}
	e.Assignee, e.Tags, e.Notes = r.Assignee, r.Tags, r.Notes
	e.Status, e.Reason, err = folderStatus(c)
	if err != nil {
		return Entry{}, err
	}
	applyRemote(c, &e, time.Now())
	if e.Status == NeedsReview {
		if err := applyReview(c, r, &e); err != nil {
			return Entry{}, err
		}
	}
	e.Changed, e.fingerprint = lastChange(c)
	return e, nil
}

// readImport fills in the study from case.json, when the case was imported.
func readImport(c *casefile.Case, e *Entry) error {
	b, err := os.ReadFile(c.ImportPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var rec dicomimport.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return fmt.Errorf("%s: not a valid import record: %v", c.ImportPath(), err)
	}
	s := rec.Study
	e.StudyUID, e.Description, e.StudyDate, e.PatientName, e.PatientID = s.UID, s.Description, s.Date, s.PatientName, s.PatientID
	return nil
}

// folderStatus is New, NeedsReview or Failed, from the manifest: a failed
// stage fails the case, with its error as the reason; a label map with no
// failure needs review.
func folderStatus(c *casefile.Case) (status, reason string, err error) {
	m, err := manifest.Load(c.ManifestPath())
	if err != nil {
		return Failed, err.Error(), nil
	}
	names := make([]string, 0, len(m.Stages))
	for name := range m.Stages {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if e := m.Stages[name]; e.Status == manifest.Failed {
			return Failed, name + ": " + e.Error, nil
		}
	}
	if _, err := os.Stat(c.OutputLabelsPath()); err == nil {
		return NeedsReview, "", nil
	}
	return New, "", nil
}

// applyReview turns NeedsReview into Reviewed or SignedOff where the marks
// name the labels as they are now; a mark on other labels is cleared, and
// a cleared sign-off says so.
func applyReview(c *casefile.Case, r Review, e *Entry) error {
	if r.Reviewed == nil && r.SignedOff == nil {
		return nil
	}
	_, sum, err := labelsSHA256(c)
	if err != nil {
		return err
	}
	if s := r.SignedOff; s != nil {
		if s.SHA256 == sum {
			e.Status, e.SignedOff = SignedOff, s
			return nil
		}
		e.SignoffNote = fmt.Sprintf("sign-off by %s on %s cleared: the labels were edited since", s.By, s.At.Local().Format("2006-01-02 15:04"))
	}
	if r.Reviewed != nil && r.Reviewed.SHA256 == sum {
		e.Status = Reviewed
	}
	return nil
}

// lastChange is the newest modification time of the files that say what
// happened to the case (else of its folder), and their fingerprint: the
// size and time of each, which changes with any write even within the
// file system's clock tick.
func lastChange(c *casefile.Case) (time.Time, string) {
	var t time.Time
	var fp strings.Builder
	for _, p := range []string{c.Dir, c.ImportPath(), c.ManifestPath(), c.ReviewPath(), c.CurrentLabelsPath(),
		c.RemoteJobPath(), c.LeasePath()} {
		st, err := os.Stat(p)
		if err != nil {
			fp.WriteString("-;")
			continue
		}
		fmt.Fprintf(&fp, "%d:%d;", st.Size(), st.ModTime().UnixNano())
		if st.ModTime().After(t) {
			t = st.ModTime()
		}
	}
	return t.UTC(), fp.String()
}

// searchText is what search looks through: names, IDs, description, tags,
// notes and assignee.
func (e Entry) searchText() string {
	return strings.Join([]string{e.Name, e.PatientName, e.PatientID, e.StudyUID, e.Description, e.StudyDate,
		strings.Join(e.Tags, " "), e.Notes, e.Assignee}, " ")
}
