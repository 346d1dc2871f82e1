// Package atomicfile writes files so that a crash never leaves a
// half-written file that looks finished (DESIGN.md "Case folder").
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// fsyncs it, renames it over path and fsyncs the folder. On any error the
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
	f, err := os.CreateTemp(tmpDir, "."+filepath.Base(path)+".tmp-*")
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
	bw := bufio.NewWriterSize(f, 1<<20)
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
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}
