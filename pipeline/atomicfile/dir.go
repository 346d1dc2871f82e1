package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReplaceDir puts the finished folder src in place of the folder dst, so
// that dst is always either the old set of files or the new one, never a
// mix: the old dst is first renamed aside (to src + ".old", so src must be
// a temporary folder on dst's file system), then src is renamed to dst and
// the old set removed. A crash between the two renames leaves dst absent,
// not partial.
func ReplaceDir(src, dst string) error {
	old := src + ".old"
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := host.replace(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", dst, err)
	}
	if err := host.replace(src, dst); err != nil {
		return fmt.Errorf("replacing %s: %w", dst, err)
	}
	if err := host.syncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("removing the old %s: %w", dst, err)
	}
	return nil
}
