// Package jobqueue is the local job queue: pipeline runs of case folders,
// kept in the library's SQLite database (package librarydb) across
// crashes and restarts, taken most urgent first and first in, first out
// within one priority. Runner runs them.
package jobqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/librarydb"
)

// Priority of a job: Urgent before Normal before Batch.
type Priority int

// Priorities, most urgent first.
const (
	Urgent Priority = iota
	Normal
	Batch
)

var priorityNames = []string{"urgent", "normal", "batch"}

func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return fmt.Sprintf("priority(%d)", int(p))
	}
	return priorityNames[p]
}

// MarshalText writes the priority's name.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a priority's name.
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	*p = v
	return err
}

// ParsePriority reads urgent, normal or batch.
func ParsePriority(s string) (Priority, error) {
	if i := slices.Index(priorityNames, s); i >= 0 {
		return Priority(i), nil
	}
	return 0, fmt.Errorf("priority %q: want %s", s, strings.Join(priorityNames, ", "))
}

// States of a job.
const (
	Queued    = "queued"    // waiting (or, with NotBefore ahead, waiting to retry)
	Running   = "running"   // a runner's child works on it
	Paused    = "paused"    // held back until resumed
	Done      = "done"      // the run succeeded
	Failed    = "failed"    // the run failed, for good
	Cancelled = "cancelled" // cancelled by a user
)

// Job is one pipeline run of a case.
type Job struct {
	ID        int64     `json:"id"`
	Dir       string    `json:"dir"`
	Priority  Priority  `json:"priority"`
	Device    string    `json:"device"` // auto, cpu or gpu
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NotBefore time.Time `json:"not_before,omitzero"`
	Progress  float64   `json:"progress"`
	Stage     string    `json:"stage,omitempty"`
	Error     string    `json:"error,omitempty"`
	Added     time.Time `json:"added"`
	Started   time.Time `json:"started,omitzero"`
	Finished  time.Time `json:"finished,omitzero"`
}

// Queue is the job queue of one library database.
type Queue struct {
	db   *sql.DB
	path string
}

// Open opens the queue of the library database at path (librarydb.Open).
func Open(path string) (*Queue, error) {
	db, err := librarydb.Open(path)
	if err != nil {
		return nil, err
	}
	return &Queue{db: db, path: path}, nil
}

// Close closes the database.
func (q *Queue) Close() error { return q.db.Close() }

// stamp is how times are stored: Unix milliseconds, 0 for none.
func stamp(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func unstamp(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// active are the states of a job not finished.
const active = `('` + Queued + `', '` + Running + `', '` + Paused + `')`

// Add queues a pipeline run of the case folder dir; a case has at most one
// job not finished, so adding it again fails, naming that job.
func (q *Queue) Add(ctx context.Context, dir string, p Priority, device string) (Job, error) {
	if p < Urgent || p > Batch {
		return Job{}, fmt.Errorf("priority %d: want urgent, normal or batch", p)
	}
	if !slices.Contains([]string{"auto", "cpu", "gpu"}, device) {
		return Job{}, fmt.Errorf("device %q: want auto, cpu or gpu", device)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Job{}, err
	}
	if _, err := casefile.Open(abs); err != nil {
		return Job{}, err
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, err
	}
	defer tx.Rollback()
	var id int64
	var state string
	err = tx.QueryRowContext(ctx, `SELECT id, state FROM jobs WHERE dir = ? AND state IN `+active, abs).Scan(&id, &state)
	if err == nil {
		return Job{}, fmt.Errorf("%s: already in the queue as job %d (%s)", dir, id, state)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Job{}, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs(dir, priority, device, state, added) VALUES (?, ?, ?, ?, ?)`,
		abs, int(p), device, Queued, stamp(time.Now()))
	if err != nil {
		return Job{}, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return Job{}, err
	}
	if err := tx.Commit(); err != nil {
		return Job{}, err
	}
	return q.Get(ctx, id)
}

const jobColumns = `id, dir, priority, device, state, attempts, not_before, progress, stage, error, added, started, finished`

// scanJob reads a row of jobColumns.
func scanJob(rows *sql.Rows) (Job, error) {
	var j Job
	var nb, added, started, finished int64
	if err := rows.Scan(&j.ID, &j.Dir, &j.Priority, &j.Device, &j.State, &j.Attempts, &nb, &j.Progress,
		&j.Stage, &j.Error, &added, &started, &finished); err != nil {
		return Job{}, err
	}
	j.NotBefore, j.Added, j.Started, j.Finished = unstamp(nb), unstamp(added), unstamp(started), unstamp(finished)
	return j, nil
}

// Get is one job.
func (q *Queue) Get(ctx context.Context, id int64) (Job, error) {
	return librarydb.One(ctx, q.db, scanJob, func() error { return fmt.Errorf("no job %d", id) },
		`SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id)
}

// List is the jobs not finished in the order they will run (running
// first), then, with all, the finished ones, newest first.
func (q *Queue) List(ctx context.Context, all bool) ([]Job, error) {
	query := `SELECT ` + jobColumns + ` FROM jobs WHERE state IN ` + active
	if all {
		query = `SELECT ` + jobColumns + ` FROM jobs`
	}
	query += ` ORDER BY state NOT IN ` + active + `, state <> '` + Running + `', priority, id`
	return librarydb.Query(ctx, q.db, scanJob, query)
}

// setState moves a job from one of the states from to state to; it fails,
// naming the job's state, when it is in none of them.
func (q *Queue) setState(ctx context.Context, id int64, to string, from ...string) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var state string
	if err := tx.QueryRowContext(ctx, `SELECT state FROM jobs WHERE id = ?`, id).Scan(&state); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("no job %d", id)
	} else if err != nil {
		return err
	}
	if !slices.Contains(from, state) {
		return fmt.Errorf("job %d is %s: cannot make it %s", id, state, to)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, not_before = 0 WHERE id = ?`, to, id); err != nil {
		return err
	}
	return tx.Commit()
}

// Cancel cancels a job not finished; a runner working on it interrupts
// its child (the finished stages stay for a later run to reuse).
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	return q.setState(ctx, id, Cancelled, Queued, Running, Paused)
}

// Pause holds a job back; a running one is interrupted and resumes, with
// its finished stages reused, once resumed.
func (q *Queue) Pause(ctx context.Context, id int64) error {
	return q.setState(ctx, id, Paused, Queued, Running)
}

// Resume queues a paused job again, in its old place.
func (q *Queue) Resume(ctx context.Context, id int64) error {
	return q.setState(ctx, id, Queued, Paused)
}
