// Package workmsg is the job message of the scale-out workers: what
// `kidney3d submit` publishes to RabbitMQ and `kidney3d worker` consumes.
// Parse checks a message against its schema before anything is done with
// it, and Resolve finds its case under the worker's root, refusing any
// path that leaves the root (absolute paths, "..", symbolic links). A
// message refused here goes to the dead-letter queue with the error as its
// reason.
package workmsg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"kidney3d/pipeline/casefile"
)

// Version is the message format this program writes and reads.
const Version = 1

// MaxSize is the largest message accepted, in bytes.
const MaxSize = 4 << 10

// Message is one job: run the pipeline on a case under the worker's root.
type Message struct {
	Version int `json:"version"`
	// ID names the job across retries and workers (letters, digits, '-',
	// '_' and '.'; up to 64).
	ID string `json:"id"`
	// Case is the case folder relative to the worker's root,
	// slash-separated ("2026/K3D-00017").
	Case      string    `json:"case"`
	Priority  string    `json:"priority"` // urgent, normal or batch
	Device    string    `json:"device"`   // auto, cpu or gpu
	Submitted time.Time `json:"submitted"`
}

// Error is a message that breaks the schema: the field and why.
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "job message: " + e.Reason
	}
	return fmt.Sprintf("job message: %s: %s", e.Field, e.Reason)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Priorities are the message's priorities, most urgent first; the
// broker's message priority is 2 minus the index (x-max-priority 2).
var Priorities = []string{"urgent", "normal", "batch"}

// Parse reads a message: JSON of exactly Message's fields, at most
// MaxSize bytes, each field valid (Check).
func Parse(b []byte) (Message, error) {
	if len(b) > MaxSize {
		return Message{}, &Error{Reason: fmt.Sprintf("%d bytes, more than %d", len(b), MaxSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Message
	if err := dec.Decode(&m); err != nil {
		return Message{}, &Error{Reason: "not a job message: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Message{}, &Error{Reason: "not a job message: data after the JSON object"}
	}
	return m, m.Check()
}

// Check checks every field.
func (m Message) Check() error {
	switch {
	case m.Version != Version:
		return &Error{"version", fmt.Sprintf("%d, this program reads %d", m.Version, Version)}
	case !idPattern.MatchString(m.ID):
		return &Error{"id", fmt.Sprintf("%q: want 1 to 64 letters, digits, '-', '_' or '.'", m.ID)}
	case !slices.Contains(Priorities, m.Priority):
		return &Error{"priority", fmt.Sprintf("%q: want urgent, normal or batch", m.Priority)}
	case !slices.Contains([]string{"auto", "cpu", "gpu"}, m.Device):
		return &Error{"device", fmt.Sprintf("%q: want auto, cpu or gpu", m.Device)}
	case m.Submitted.IsZero():
		return &Error{"submitted", "missing"}
	}
	return checkRel(m.Case)
}

// checkRel checks that a case path is relative, slash-separated and stays
// under the root by its text alone.
func checkRel(rel string) error {
	switch {
	case rel == "" || len(rel) > 1024:
		return &Error{"case", "want a folder relative to the worker's root, 1 to 1024 bytes"}
	case strings.ContainsRune(rel, '\\') || strings.ContainsRune(rel, 0):
		return &Error{"case", fmt.Sprintf("%q: backslash or NUL in the path", rel)}
	case path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "":
		return &Error{"case", fmt.Sprintf("%q: an absolute path: outside the worker's root", rel)}
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." {
			return &Error{"case", fmt.Sprintf("%q: \"..\" leaves the worker's root", rel)}
		}
	}
	return nil
}

// Resolve is the case folder of rel under root: every component of the
// path must be a real folder (no symbolic link, which could lead outside
// the root), and the last a case folder.
func Resolve(root, rel string) (string, error) {
	if err := checkRel(rel); err != nil {
		return "", err
	}
	dir := filepath.Clean(root)
	for _, part := range strings.Split(path.Clean(rel), "/") {
		if part == "." {
			continue
		}
		dir = filepath.Join(dir, part)
		st, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return "", &Error{"case", fmt.Sprintf("%q: %s does not exist under the worker's root", rel, dir)}
		}
		if err != nil {
			return "", &Error{"case", fmt.Sprintf("%q: %v", rel, err)}
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return "", &Error{"case", fmt.Sprintf("%q: %s is a symbolic link: refused, it may lead outside the worker's root", rel, dir)}
		}
		if !st.IsDir() {
			return "", &Error{"case", fmt.Sprintf("%q: %s is not a folder", rel, dir)}
		}
	}
	if _, err := casefile.Open(dir); err != nil {
		return "", &Error{"case", fmt.Sprintf("%q: %v", rel, err)}
	}
	return dir, nil
}

// Encode writes the message as JSON.
func (m Message) Encode() ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
