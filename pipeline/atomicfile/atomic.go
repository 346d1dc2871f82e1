// Package atomicfile writes files so that a crash never leaves a
// half-written file that looks finished (DESIGN.md "Case folder"). It owns
// the names of its temporary files, ".<name>.tmp-<digits>", and holds an OS
// lock on each while it writes, so that RemoveStale can tell the leftovers
// of a killed process from the files of a live one.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"kidney3d/pipeline/filelock"
)

// Option changes how Write works.
type Option func(*options)

type options struct{ tempDir string }

// TempDir makes Write stage its temporary file in dir rather than beside
// the target, so that a folder of outputs never shows an unfinished file.
// dir must be on the target's file system (a rename cannot cross them).
func TempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// Write creates or replaces path with what write produces: it writes a
// temporary file (in the target's folder unless TempDir says otherwise),
// fsyncs it, renames it over path and makes the rename durable (fsyncing
// the folder; on Windows, a write-through MoveFileEx). On any error the
// temporary file is removed and path is left as it was.
func Write(path string, write func(w io.Writer) error, opts ...Option) (err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmpDir := dir
	if o.tempDir != "" {
		tmpDir = o.tempDir
		if err := os.MkdirAll(tmpDir, 0o755); err != nil {
			return err
		}
	}
	f, err := createTemp(tmpDir, filepath.Base(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(&writeback{f: f}, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	return finish(host, f, tmp, path)
}

// finish closes the locked temporary file f and puts it in place of
// path, in the order the platform r allows, and makes the result
// durable.
func finish(r replacer, f io.Closer, tmp, path string) error {
	if r.renameOpen() {
		// The lock is held until the temporary file is gone.
		if err := r.replace(tmp, path); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	} else {
		if err := f.Close(); err != nil {
			return err
		}
		if err := r.replace(tmp, path); err != nil {
			return err
		}
	}
	return r.syncDir(filepath.Dir(path))
}

// tempSuffix separates a target's name from the random digits in the name
// of its temporary file.
const tempSuffix = ".tmp-"

// createTemp creates and locks a new temporary file for the target named
// base in dir. It tries another name when RemoveStale took the new file
// between its creation and its lock.
func createTemp(dir, base string) (*os.File, error) {
	for range 10 {
		f, err := os.CreateTemp(dir, "."+base+tempSuffix+"*")
		if err != nil {
			return nil, err
		}
		ok, err := filelock.TryLock(f)
		if ok && err == nil && stillThere(f) {
			return f, nil
		}
		f.Close()
		if err != nil {
			os.Remove(f.Name())
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s: no temporary file for %s: each new one was removed at once", dir, base)
}

// stillThere reports whether f's name still names f.
func stillThere(f *os.File) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(f.Name())
	return err == nil && os.SameFile(a, b)
}

// IsTemp reports whether a file name is that of one of Write's temporary
// files.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, tempSuffix)
	if !strings.HasPrefix(name, ".") || i < 2 {
		return false
	}
	digits := name[i+len(tempSuffix):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// RemoveStale removes the temporary files that writes killed before their
// end left in dir (not in its subfolders), and returns how many. A
// temporary file that a live write holds is left alone. A missing dir has
// none.
func RemoveStale(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		ok, err := removeUnlocked(filepath.Join(dir, e.Name()))
		if err != nil {
			return removed, err
		}
		if ok {
			removed++
		}
	}
	return removed, nil
}

// removeUnlocked removes the file at path unless another open file holds
// its lock.
func removeUnlocked(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := filelock.TryLock(f)
	if !ok || err != nil {
		f.Close()
		return false, err
	}
	if host.renameOpen() {
		err = os.Remove(path) // while locked
		f.Close()
	} else {
		f.Close()
		err = os.Remove(path)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("removing the leftover temporary file: %w", err)
	}
	return err == nil, nil
}

// SyncDir makes renames into dir durable, as Write does after its own:
// for a caller that stages several files and puts them in place with
// Rename.
func SyncDir(dir string) error { return host.syncDir(dir) }

// Rename renames oldpath to newpath, replacing a file there, in the way
// that SyncDir then makes durable (on Windows the rename is written
// through at once).
func Rename(oldpath, newpath string) error { return host.replace(oldpath, newpath) }
