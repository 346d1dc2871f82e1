// Package manifest is a case's manifest.json: for every stage run, the
// hashes of its inputs, its parameters, its outputs with their sha256, its
// status and timings, and the program version. The orchestrator reads it to
// skip stages whose inputs and parameters are unchanged, and writes it after
// a stage's outputs, so it never names an output that is not complete.
package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"kidney3d/pipeline/atomicfile"
)

// Format is the manifest format version.
const Format = 1

// Status of a stage run.
const (
	OK        = "ok"
	Failed    = "failed"
	Cancelled = "cancelled"
	Given     = "given" // all outputs were given in input/masks
	// Unavailable: the stage could not run in the last run, because an
	// input it needs is missing (Error says which; Record[UnmadeRecord]
	// lists the outputs it would have written).
	Unavailable = "unavailable"
)

// UnmadeRecord is the Record key of an Unavailable entry that lists the
// artefacts the stage would have written.
const UnmadeRecord = "outputs"

// Manifest is the whole file.
type Manifest struct {
	Format int               `json:"format"`
	Stages map[string]*Entry `json:"stages"`
	// Hashes caches file hashes by path, size and modification time so
	// that an unchanged input is not read again.
	Hashes map[string]CachedHash `json:"hash_cache,omitempty"`
}

// Entry is the last run of one stage.
type Entry struct {
	Status     string          `json:"status"`
	Program    string          `json:"program"`
	Inputs     map[string]File `json:"inputs"`
	Params     json.RawMessage `json:"params"`
	ParamsHash string          `json:"params_sha256"`
	Outputs    map[string]File `json:"outputs"`
	Record     map[string]any  `json:"record,omitempty"`
	Started    time.Time       `json:"started"`
	Seconds    float64         `json:"seconds"`
	Error      string          `json:"error,omitempty"`
}

// File is one input or output: its path relative to the case folder and
// its content hash (for a folder, a hash of its files' names and hashes).
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// CachedHash is a file's hash as of a size and modification time.
type CachedHash struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// Load reads a manifest; a missing file gives an empty manifest.
func Load(path string) (*Manifest, error) {
	m := &Manifest{Format: Format, Stages: map[string]*Entry{}, Hashes: map[string]CachedHash{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: not a valid manifest: %v", path, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s: manifest format %d, this program reads %d", path, m.Format, Format)
	}
	if m.Stages == nil {
		m.Stages = map[string]*Entry{}
	}
	if m.Hashes == nil {
		m.Hashes = map[string]CachedHash{}
	}
	return m, nil
}

// Save writes the manifest atomically.
func (m *Manifest) Save(path string) error {
	return atomicfile.WriteJSON(path, m)
}
