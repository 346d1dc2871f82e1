package limits

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is the reason given for an input that is not a regular
// file: reading a FIFO, a device or a socket may block forever or never
// end.
var ErrNotRegular = errors.New("not a regular file")

// CheckRegular returns an *fs.PathError wrapping ErrNotRegular, and saying
// what path is instead (following symbolic links), when path is not a
// regular file; it reads nothing.
func CheckRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return checkMode(path, st)
}

// OpenRegular opens path for reading when it is a regular file, and
// otherwise returns the error of CheckRegular without blocking: it is
// opened non-blocking, so that a FIFO put there after the check cannot
// hang the open, and checked again once open.
func OpenRegular(path string) (*os.File, error) {
	if err := CheckRegular(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil {
		err = checkMode(path, st)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkMode returns the error of CheckRegular for a file of st's mode.
func checkMode(path string, st fs.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "a special file"
	switch {
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	if target, err := os.Readlink(path); err == nil {
		what += " (a symbolic link to " + target + ")"
	}
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: it is %s", ErrNotRegular, what)}
}
