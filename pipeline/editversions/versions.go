// Package editversions is the segment editor's saved versions of a case's
// label map: edits/labels.vN.nii.gz, one file per version, and
// edits/versions.json, who saved each, when, why, which labels it
// changed and the SHA-256 of its file. Version 0 is the pipeline's
// output/labels.nii.gz, copied byte for byte when the first edit is
// saved; the newest version is what the case shows, and the labels it
// changed from version 0 count as given on a later run (EditedLabels).
package editversions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/volume"
)

// Version is one saved version, as versions.json lists it.
type Version struct {
	Version int       `json:"version"`
	File    string    `json:"file"` // relative to the case folder
	Author  string    `json:"author"`
	Time    time.Time `json:"time"`
	Comment string    `json:"comment"`
	// Changed are the labels whose voxels differ from the previous
	// version's, by name, sorted.
	Changed []string `json:"changed_labels"`
	// Edited are the labels whose voxels differ from version 0's: those a
	// later `kidney3d run` takes from this version rather than making.
	Edited []string `json:"edited_labels"`
	SHA256 string   `json:"sha256"` // of File
}

// List is versions.json: the saved versions, oldest (0) first.
type List struct {
	Versions []Version `json:"versions"`
}

// Latest is the newest version; ok is false when none is saved.
func (l *List) Latest() (v Version, ok bool) {
	if len(l.Versions) == 0 {
		return Version{}, false
	}
	return l.Versions[len(l.Versions)-1], true
}

// Get is version n.
func (l *List) Get(n int) (Version, bool) {
	if n < 0 || n >= len(l.Versions) {
		return Version{}, false
	}
	return l.Versions[n], true
}

// Parse reads versions.json; path names it in errors. Versions must be
// numbered 0, 1, 2… in order, each naming its file and hash.
func Parse(data []byte, path string) (*List, error) {
	if len(data) > limits.MaxManifestBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d", path, len(data), limits.MaxManifestBytes)
	}
	var l List
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for n, v := range l.Versions {
		if v.Version != n {
			return nil, fmt.Errorf("%s: entry %d is version %d, want %d", path, n, v.Version, n)
		}
		if v.File == "" || len(v.SHA256) != 64 {
			return nil, fmt.Errorf("%s: version %d lacks its file or its sha256", path, n)
		}
	}
	return &l, nil
}

// Load reads the case's versions.json; a case with none has no version.
func Load(c *casefile.Case) (*List, error) {
	data, err := os.ReadFile(c.VersionsPath())
	if errors.Is(err, os.ErrNotExist) {
		return &List{}, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(data, c.VersionsPath())
}

// LoadLabels reads the label map of version v of the case, checking its
// hash against versions.json first.
func LoadLabels(c *casefile.Case, v Version) (*volume.Volume[uint8], error) {
	path := c.VersionPath(v.Version)
	sum, err := hashFile(path)
	if err != nil {
		return nil, err
	}
	if sum != v.SHA256 {
		return nil, fmt.Errorf("%s: sha256 %s, but %s records %s: the file was changed after it was saved", path, sum, c.VersionsPath(), v.SHA256)
	}
	return volume.LoadLabelMap(path)
}

// Saver says who saves a version, when and why.
type Saver struct {
	Author  string
	Comment string
	Time    time.Time
}

// Save writes lm as the case's next version, the file first and then
// versions.json, each atomically; when no version is saved yet, the
// pipeline's output/labels.nii.gz becomes version 0 first. Label names
// come from table.
func Save(c *casefile.Case, lm *volume.Volume[uint8], table *labels.Table, by Saver) (Version, error) {
	l, err := ensureBase(c)
	if err != nil {
		return Version{}, err
	}
	prev, _ := l.Latest()
	prevMap, err := LoadLabels(c, prev)
	if err != nil {
		return Version{}, err
	}
	base := prevMap
	if prev.Version != 0 {
		if base, err = LoadLabels(c, l.Versions[0]); err != nil {
			return Version{}, err
		}
	}
	if err := volume.SameGrid(prevMap.Grid, lm.Grid, volume.DefaultTolerance); err != nil {
		return Version{}, fmt.Errorf("%s: the edited map is not on its grid: %w", c.VersionPath(prev.Version), err)
	}
	n := len(l.Versions)
	path := c.VersionPath(n)
	if err := volume.Save(path, lm, atomicfile.TempDir(c.TempDir())); err != nil {
		return Version{}, err
	}
	v, err := record(c, n, by)
	if err != nil {
		return Version{}, err
	}
	v.Changed, v.Edited = changed(prevMap, lm, table), changed(base, lm, table)
	return v, add(c, l, v)
}

// Revert saves version to again as the case's next version, a byte copy
// of its file: reverting to 0 gives back the pipeline's output exactly.
func Revert(c *casefile.Case, to int, table *labels.Table, by Saver) (Version, error) {
	l, err := Load(c)
	if err != nil {
		return Version{}, err
	}
	if len(l.Versions) == 0 && to == 0 {
		return Version{}, fmt.Errorf("%s: no version is saved: the case shows the pipeline's output already", c.VersionsPath())
	}
	target, ok := l.Get(to)
	if !ok {
		return Version{}, fmt.Errorf("%s: no version %d (versions 0 to %d are saved)", c.VersionsPath(), to, len(l.Versions)-1)
	}
	prev, _ := l.Latest()
	targetMap, err := LoadLabels(c, target)
	if err != nil {
		return Version{}, err
	}
	prevMap, err := LoadLabels(c, prev)
	if err != nil {
		return Version{}, err
	}
	n := len(l.Versions)
	if err := copyFile(c.VersionPath(to), c.VersionPath(n), c); err != nil {
		return Version{}, err
	}
	v, err := record(c, n, by)
	if err != nil {
		return Version{}, err
	}
	if v.Comment == "" {
		v.Comment = fmt.Sprintf("revert to version %d", to)
	}
	v.Changed, v.Edited = changed(prevMap, targetMap, table), slices.Clone(target.Edited)
	if v.Edited == nil {
		v.Edited = []string{}
	}
	return v, add(c, l, v)
}

// ensureBase makes the pipeline's output version 0 when no version is
// saved, and returns the list.
func ensureBase(c *casefile.Case) (*List, error) {
	l, err := Load(c)
	if err != nil || len(l.Versions) > 0 {
		return l, err
	}
	if err := copyFile(c.OutputLabelsPath(), c.VersionPath(0), c); err != nil {
		return nil, err
	}
	v, err := record(c, 0, Saver{Author: "kidney3d run", Comment: "the pipeline's output", Time: time.Now()})
	if err != nil {
		return nil, err
	}
	v.Changed, v.Edited = []string{}, []string{}
	return l, add(c, l, v)
}

// record is the entry of version n, whose file is written: its hash and
// who saved it.
func record(c *casefile.Case, n int, by Saver) (Version, error) {
	sum, err := hashFile(c.VersionPath(n))
	if err != nil {
		return Version{}, err
	}
	return Version{Version: n, File: c.Rel(c.VersionPath(n)), Author: by.Author, Time: by.Time.UTC().Truncate(time.Second),
		Comment: by.Comment, SHA256: sum}, nil
}

// add appends v to the list and writes versions.json atomically.
func add(c *casefile.Case, l *List, v Version) error {
	l.Versions = append(l.Versions, v)
	return atomicfile.WriteJSON(c.VersionsPath(), l, atomicfile.TempDir(c.TempDir()))
}

// changed are the names of the labels whose voxels differ between a and
// b, sorted (background left out).
func changed(a, b *volume.Volume[uint8], table *labels.Table) []string {
	var seen [256]bool
	for n, x := range a.Data {
		if y := b.Data[n]; x != y {
			seen[x], seen[y] = true, true
		}
	}
	out := []string{}
	for v := 1; v < 256; v++ {
		if seen[v] {
			out = append(out, table.Name(v))
		}
	}
	slices.Sort(out)
	return out
}

// hashFile is the SHA-256 of a file (manifest.Hasher, as the manifest
// hashes files).
func hashFile(path string) (string, error) {
	f, err := (&manifest.Hasher{Root: filepath.Dir(path), Cache: map[string]manifest.CachedHash{}}).File(path)
	return f.SHA256, err
}

// copyFile copies src to dst atomically, byte for byte.
func copyFile(src, dst string, c *casefile.Case) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	}, atomicfile.TempDir(c.TempDir()))
}
