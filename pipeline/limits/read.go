package limits

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"unicode/utf8"
)

// Largest sizes, in bytes, of the small files kidney3d reads whole. Each is
// checked from the file's size before reading, and the read itself stops
// one byte past it, so a file that grows meanwhile is refused too.
const (
	// MaxConfigBytes bounds config.yaml: the default is 2 KB.
	MaxConfigBytes = 1 << 20
	// MaxLabelTableBytes bounds a label table: 256 labels at about 200
	// bytes each fit eight times over.
	MaxLabelTableBytes = 1 << 20
	// MaxManifestBytes bounds a model package's model.json: nnU-Net's
	// plans and dataset fields take a few KB.
	MaxManifestBytes = 1 << 20
	// MaxNetworkBytes bounds a model package's model.onnx: 4 GiB, more than
	// any nnU-Net 3D full-resolution network (about 120 MB).
	MaxNetworkBytes = 4 << 30
)

// ErrTooLarge is the reason given for a file over its size limit.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the regular file at path (see OpenRegular) when it holds
// at most max bytes. Errors are an *fs.PathError naming path, wrapping
// ErrNotRegular or ErrTooLarge where those are the reason.
func ReadFile(path string, max int64) ([]byte, error) {
	return ReadFileInto(path, max, new([]byte))
}

// ReadFileInto reads the file as ReadFile does into *buf, grown as needed
// (a caller reading many files reuses one buffer), and returns its bytes.
func ReadFileInto(path string, max int64, buf *[]byte) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(path, fmt.Sprintf("%d bytes", st.Size()), max)
	}
	n := int(st.Size())
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	var more [1]byte
	if k, _ := f.Read(more[:]); k > 0 {
		return nil, tooLarge(path, "grown while being read", max)
	}
	return b, nil
}

// tooLarge is the error for the file at path, of size (said in words),
// over max bytes.
func tooLarge(path, size string, max int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %s, over the limit of %d bytes", ErrTooLarge, size, max)}
}

// MaxQuoted is the most bytes of user text an error message repeats.
const MaxQuoted = 80

// Quote is s as a Go-quoted string for an error message, cut to MaxQuoted
// bytes (on a character boundary) with its full length said, so that a
// hostile value cannot flood the terminal or break the message's format.
func Quote(s string) string {
	if len(s) <= MaxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := MaxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}
