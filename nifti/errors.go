package nifti

import "errors"

// Error is the error returned by every function of this package.
type Error struct {
	File  string // the file's path; empty when reading from an io.Reader
	Field string // the header field or part of the file at fault, e.g. "dim[4]", "data", "gzip"
	Err   error  // the reason
}

// Error returns "nifti: FILE: FIELD: reason", leaving out the parts that are
// empty.
func (e *Error) Error() string {
	s := "nifti: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the reason, so that errors.Is finds io.ErrUnexpectedEOF,
// ErrFormat, ErrUnsupported, ErrCorrupt, ErrTooLarge or ErrTrailing in it.
func (e *Error) Unwrap() error { return e.Err }

// Reasons wrapped by an *Error.
var (
	// ErrFormat means the input is not a valid NIfTI-1 or NIfTI-2 file.
	ErrFormat = errors.New("not a valid NIfTI file")
	// ErrUnsupported means a valid NIfTI file that this package cannot read
	// or write: another datatype, more than one volume, a .hdr/.img pair.
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt means damaged gzip data: a bad checksum, header or block.
	ErrCorrupt = errors.New("corrupt gzip data")
	// ErrTooLarge means an image over the size limit of package limits
	// (limits.CheckImage), refused from its header.
	ErrTooLarge = errors.New("image too large")
	// ErrTrailing means a gzip stream that goes on after the image's data:
	// refused rather than inflated to its end, since it may be a
	// decompression bomb.
	ErrTrailing = errors.New("data after the image")
)
