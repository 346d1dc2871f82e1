package atomicfile

import (
	"fmt"
	"os"
)

// replacer is how the platform puts a finished file in place of its
// target and makes that durable: Write's steps are the same everywhere,
// only these differ (replace_unix.go, replace_windows.go).
type replacer interface {
	// renameOpen reports whether a file can be renamed while open (and
	// so while locked).
	renameOpen() bool
	// replace renames oldpath to newpath, replacing a file there.
	replace(oldpath, newpath string) error
	// syncDir makes the renames into dir durable.
	syncDir(dir string) error
}

// posixReplacer renames with rename(2) and makes it durable by fsyncing
// the folder.
type posixReplacer struct{}

func (posixReplacer) renameOpen() bool { return true }

func (posixReplacer) replace(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func (posixReplacer) syncDir(dir string) error {
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

// MoveFileEx flags (winbase.h).
const (
	moveFileReplaceExisting = 0x1
	moveFileWriteThrough    = 0x8
)

// moveFileReplacer is the Windows way: a file cannot be renamed while
// open, a folder cannot be flushed (FlushFileBuffers refuses a folder
// handle: "Access denied"), so each rename is a MoveFileEx that replaces
// the target and returns only once the rename is on disk.
type moveFileReplacer struct {
	// moveFileEx is windows.MoveFileEx, or a stand-in in tests.
	moveFileEx func(from, to string, flags uint32) error
}

func (moveFileReplacer) renameOpen() bool { return false }

func (r moveFileReplacer) replace(oldpath, newpath string) error {
	if err := r.moveFileEx(oldpath, newpath, moveFileReplaceExisting|moveFileWriteThrough); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// syncDir does nothing: replace has already made its rename durable.
func (moveFileReplacer) syncDir(string) error { return nil }
