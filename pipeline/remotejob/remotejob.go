// Package remotejob is a case's remote-job.json: the state of its newest
// job submitted to the scale-out workers, kept in the case folder (the
// folders are the truth) so that the case library shows a remote job as
// it shows a local one. `kidney3d submit` writes it queued before it
// publishes the job; a worker writes it queued again, with the attempt
// and the error, when a run fails and is retried, and failed, with the
// reason, when it dead-letters the job. The submitter cancels the job by
// writing it cancelled (Cancel): a worker looks before it starts the job
// and every second while it runs it, and stops. While a worker runs the job, the
// case's lease (package caselease) says so, and once it is done the lease
// names it as done: the case library (caselibrary.Describe) derives the
// status from the two.
package remotejob

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/limits"
)

// States of a remote job.
const (
	Queued    = "queued"    // published; waiting for a worker, or for its retry
	Failed    = "failed"    // dead-lettered, or never published
	Cancelled = "cancelled" // the submitter cancelled it
)

// State is what remote-job.json says.
type State struct {
	Job       string    `json:"job"`
	Priority  string    `json:"priority"`
	Submitted time.Time `json:"submitted"`
	State     string    `json:"state"`
	// Attempts is how many runs of the job failed so far.
	Attempts int    `json:"attempts,omitempty"`
	Reason   string `json:"reason,omitempty"` // why the last run failed
	// Changed is when the file was written.
	Changed time.Time `json:"changed"`
}

// maxSize bounds the read of the file.
const maxSize = 16 << 10

// Write writes the case's remote-job.json atomically, Changed set to now.
func Write(c *casefile.Case, s State) error {
	s.Changed = time.Now().UTC()
	if err := s.check(); err != nil {
		return err
	}
	return atomicfile.WriteJSON(c.RemoteJobPath(), s)
}

// Read reads the case's remote-job.json; ok is false when the case has
// none.
func Read(c *casefile.Case) (s State, ok bool, err error) {
	b, err := limits.ReadFile(c.RemoteJobPath(), maxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, err
	}
	if s, err = Parse(b); err != nil {
		return State{}, false, fmt.Errorf("%s: %w", c.RemoteJobPath(), err)
	}
	return s, true, nil
}

// Parse reads the file's JSON object: State's fields only, each valid.
func Parse(b []byte) (State, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return State{}, fmt.Errorf("not a remote job state: %v", err)
	}
	return s, s.check()
}

func (s State) check() error {
	switch {
	case s.Job == "":
		return errors.New("remote job state: no job")
	case !slices.Contains([]string{Queued, Failed, Cancelled}, s.State):
		return fmt.Errorf("remote job state: state %q, want %s, %s or %s", s.State, Queued, Failed, Cancelled)
	case s.Attempts < 0:
		return fmt.Errorf("remote job state: %d attempts", s.Attempts)
	}
	return nil
}

// Cancel writes job cancelled in the case's remote-job.json, when the
// file names that job queued; it says whether it did.
func Cancel(c *casefile.Case, job string) (bool, error) {
	s, ok, err := Read(c)
	if err != nil || !ok || s.Job != job || s.State != Queued {
		return false, err
	}
	s.State = Cancelled
	return true, Write(c, s)
}

// IsCancelled says whether the case's remote-job.json says job was
// cancelled (an unreadable file says no).
func IsCancelled(c *casefile.Case, job string) bool {
	s, ok, err := Read(c)
	return err == nil && ok && s.Job == job && s.State == Cancelled
}
