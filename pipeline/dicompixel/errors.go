package dicompixel

import "fmt"

// UnsupportedError is pixel data in a transfer syntax Decode does not
// decode.
type UnsupportedError struct {
	File   string // the file, when known
	Syntax Syntax
}

func (e *UnsupportedError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("dicompixel: unsupported transfer syntax %s", e.Syntax)
	}
	return fmt.Sprintf("%s: unsupported transfer syntax %s", e.File, e.Syntax)
}

// FileError is pixel data that cannot be decoded: the file (when known)
// and the reason.
type FileError struct {
	File   string
	Reason string
	Err    error // the cause, if any
}

func (e *FileError) Error() string {
	msg := "dicompixel: " + e.Reason
	if e.File != "" {
		msg = e.File + ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }
