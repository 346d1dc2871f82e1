package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Hasher hashes files and folders under a case folder, reusing the
// manifest's cached hashes for files whose size and modification time are
// unchanged.
type Hasher struct {
	Root  string
	Cache map[string]CachedHash
}

// File hashes the file or folder at path and returns it as a File with a
// path relative to the root.
func (h *Hasher) File(path string) (File, error) {
	rel, err := filepath.Rel(h.Root, path)
	if err != nil {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	st, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	var sum string
	if st.IsDir() {
		sum, err = h.folder(path)
	} else {
		sum, err = h.regular(rel, path, st)
	}
	return File{Path: rel, SHA256: sum}, err
}

func (h *Hasher) regular(rel, path string, st os.FileInfo) (string, error) {
	if c, ok := h.Cache[rel]; ok && c.Size == st.Size() && c.ModTime == st.ModTime().UnixNano() {
		return c.SHA256, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	sum := hex.EncodeToString(d.Sum(nil))
	h.Cache[rel] = CachedHash{Size: st.Size(), ModTime: st.ModTime().UnixNano(), SHA256: sum}
	return sum, nil
}

// folder hashes a folder's regular files (names and hashes, sorted);
// hidden files, such as temporary files of atomic writes, are ignored.
func (h *Hasher) folder(path string) (string, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	d := sha256.New()
	for _, e := range entries {
		if e.Name()[0] == '.' {
			continue
		}
		f, err := h.File(filepath.Join(path, e.Name()))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(d, "%s %s\n", e.Name(), f.SHA256)
	}
	return hex.EncodeToString(d.Sum(nil)), nil
}

// Params encodes a stage's parameters as canonical JSON and hashes it.
func Params(p any) (json.RawMessage, string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", err
	}
	s := sha256.Sum256(b)
	return b, hex.EncodeToString(s[:]), nil
}
