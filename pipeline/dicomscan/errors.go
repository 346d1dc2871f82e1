package dicomscan

import "fmt"

// FileError is a file that looks like DICOM but whose header cannot be
// read: the file and the reason.
type FileError struct {
	File   string
	Reason string
	Err    error // the parser's error, if any
}

func (e *FileError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

func (e *FileError) Unwrap() error { return e.Err }
