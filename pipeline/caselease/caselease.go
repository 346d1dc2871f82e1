// Package caselease is the lease by which one scale-out worker at a time
// processes a case on a shared filesystem: a small JSON file in the case
// folder (casefile's LeasePath) naming the worker, its host and process,
// the job and a heartbeat that the holder refreshes. A lease whose
// heartbeat is older than its time to live, or whose holder's process is
// gone from this host, is stale and taken over. The file also remembers
// the last job finished on the case, so that a job delivered again after
// it was done (its acknowledgement lost with the broker) is not run twice.
//
// Each read-modify-write of the file happens under an OS lock on it
// (package filelock), so two workers never both take a free lease.
package caselease

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/filelock"
)

// State is what the lease file says.
type State struct {
	Worker string `json:"worker,omitempty"`
	Host   string `json:"host,omitempty"`
	PID    int    `json:"pid,omitempty"`
	Job    string `json:"job,omitempty"`
	// Heartbeat is when the holder last said it works; zero when the
	// lease is free.
	Heartbeat time.Time `json:"heartbeat,omitzero"`
	// TTL is how long after its heartbeat the lease is stale.
	TTL time.Duration `json:"ttl,omitempty"`
	// Done is the last job finished on the case.
	Done string `json:"done,omitempty"`
}

// Bounds on what a lease file may claim: a longer TTL, or a heartbeat
// further in the future (clocks differ a little between hosts), makes it
// stale, so that no file can hold a case for ever.
const (
	MaxTTL   = time.Hour
	maxAhead = time.Minute
)

// Held says whether the lease is held at now: a heartbeat within the TTL
// (at most MaxTTL) by a process that, when on this host, still runs.
func (s State) Held(now time.Time) bool {
	if s.Heartbeat.IsZero() || s.TTL > MaxTTL || now.Sub(s.Heartbeat) > s.TTL || s.Heartbeat.Sub(now) > maxAhead {
		return false
	}
	if host, _ := os.Hostname(); s.Host == host && s.PID > 0 && !alive(s.PID) {
		return false
	}
	return true
}

func (s State) String() string {
	return fmt.Sprintf("worker %s (pid %d on %s) with job %s, heartbeat %s", s.Worker, s.PID, s.Host, s.Job,
		s.Heartbeat.Local().Format("15:04:05"))
}

// BusyError is a lease another worker holds.
type BusyError struct {
	Path   string
	Holder State
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s: the case is leased to %s", e.Path, e.Holder)
}

// DoneError is a job the case's lease says was finished already.
type DoneError struct {
	Path string
	Job  string
}

func (e *DoneError) Error() string {
	return fmt.Sprintf("%s: job %s was finished already", e.Path, e.Job)
}

// Lease is a lease this worker holds.
type Lease struct {
	path string
	mu   sync.Mutex
	st   State
	lost error
}

// Acquire takes the lease of case dir for worker's job, with a heartbeat
// that must be refreshed (Refresh) within ttl. It returns a *BusyError when
// another worker holds it, a *DoneError when the lease says job was
// finished; a stale lease is taken over.
func Acquire(dir, worker, job string, ttl time.Duration) (*Lease, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	l := &Lease{path: c.LeasePath()}
	err = l.update(func(s *State) error {
		if s.Done == job {
			return &DoneError{Path: l.path, Job: job}
		}
		if s.Held(time.Now()) {
			return &BusyError{Path: l.path, Holder: *s}
		}
		*s = State{Worker: worker, Host: host, PID: os.Getpid(), Job: job, Heartbeat: time.Now().UTC(), TTL: ttl, Done: s.Done}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Refresh renews the heartbeat; it fails, and keeps failing, once another
// worker has taken the lease over.
func (l *Lease) Refresh() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	err := l.update(func(s *State) error {
		if s.Worker != l.st.Worker || s.Job != l.st.Job || s.PID != l.st.PID || s.Heartbeat.IsZero() {
			return &BusyError{Path: l.path, Holder: *s}
		}
		s.Heartbeat = time.Now().UTC()
		return nil
	})
	var busy *BusyError
	if errors.As(err, &busy) {
		l.lost = err
	}
	return err
}

// Release frees the lease; done records the job as finished.
func (l *Lease) Release(done bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.update(func(s *State) error {
		if s.Worker != l.st.Worker || s.Job != l.st.Job || s.PID != l.st.PID {
			return &BusyError{Path: l.path, Holder: *s}
		}
		job := s.Job
		*s = State{Done: s.Done}
		if done {
			s.Done = job
		}
		return nil
	})
}

// Read is what case dir's lease file says (the zero State when there is
// none).
func Read(dir string) (State, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return State{}, err
	}
	f, err := os.Open(c.LeasePath())
	if errors.Is(err, os.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	defer f.Close()
	return decode(f)
}

// maxSize bounds the read of a lease file.
const maxSize = 4 << 10

func decode(f *os.File) (State, error) {
	var s State
	b, err := io.ReadAll(io.LimitReader(f, maxSize))
	if err != nil || len(b) == 0 {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		// A lease file cut short by a crash is taken as free.
		return State{}, nil
	}
	return s, nil
}

// lockWait bounds the wait for another worker's read-modify-write.
const lockWait = 10 * time.Second

// update changes the lease file under its OS lock, and keeps the State
// written.
func (l *Lease) update(change func(*State) error) error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	defer f.Close()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		ok, err := filelock.TryLock(f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.path, err)
		}
		if ok {
			break
		}
		if time.Since(start) > lockWait {
			return fmt.Errorf("%s: locked by another process for more than %s", l.path, lockWait)
		}
	}
	s, err := decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	if err := change(&s); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	if _, err := f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	l.st = s
	return nil
}
