package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"kidney3d/pipeline/limits"
)

// Hasher hashes files and folders under a case folder, reusing the
// manifest's cached hashes for files whose size and modification time are
// unchanged.
type Hasher struct {
	Root  string
	Cache map[string]CachedHash
}

// File hashes the file or folder at path and returns it as a File with a
// path relative to the root; it is FileContext with no cancellation.
func (h *Hasher) File(path string) (File, error) {
	return h.FileContext(context.Background(), path)
}

// FileContext hashes the file or folder at path and returns it as a File
// with a path relative to the root. Only regular files are read: a FIFO, a
// device or a socket (a symbolic link to /dev/zero, say) is refused by name
// before any read (limits.ErrNotRegular). It stops, returning ctx's error,
// within one buffer of reading once ctx is done.
func (h *Hasher) FileContext(ctx context.Context, path string) (File, error) {
	rel, err := filepath.Rel(h.Root, path)
	if err != nil {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	if err := ctx.Err(); err != nil {
		return File{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	var sum string
	if st.IsDir() {
		sum, err = h.folder(ctx, path)
	} else {
		sum, err = h.regular(ctx, rel, path, st)
	}
	return File{Path: rel, SHA256: sum}, err
}

func (h *Hasher) regular(ctx context.Context, rel, path string, st os.FileInfo) (string, error) {
	if !st.Mode().IsRegular() {
		return "", limits.CheckRegular(path)
	}
	if c, ok := h.Cache[rel]; ok && c.Size == st.Size() && c.ModTime == st.ModTime().UnixNano() {
		return c.SHA256, nil
	}
	f, err := limits.OpenRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, ctxReader{ctx, f}); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	sum := hex.EncodeToString(d.Sum(nil))
	h.Cache[rel] = CachedHash{Size: st.Size(), ModTime: st.ModTime().UnixNano(), SHA256: sum}
	return sum, nil
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// folder hashes a folder's regular files (names and hashes, sorted);
// hidden files, such as temporary files of atomic writes, are ignored.
func (h *Hasher) folder(ctx context.Context, path string) (string, error) {
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
		f, err := h.FileContext(ctx, filepath.Join(path, e.Name()))
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
