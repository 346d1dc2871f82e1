package dicomwalk

import (
	"io"
	"io/fs"
	"sync"

	"kidney3d/pipeline/limits"
)

// buffers hold whole files, reused from read to read.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// Buffer is a buffer for ReadFile; give it back with Release once nothing
// uses what was read into it.
func Buffer() *[]byte { return buffers.Get().(*[]byte) }

// Release gives a buffer back.
func Release(b *[]byte) { buffers.Put(b) }

// ReadFile reads the regular file at path whole into *buf, grown as
// needed, and returns its bytes; a file over limits.MaxImageBytes (more
// than any one image can hold) is refused (limits.ReadFileInto).
func ReadFile(path string, buf *[]byte) ([]byte, error) {
	return limits.ReadFileInto(path, limits.MaxImageBytes(), buf)
}

// ReadPrefix reads up to n bytes from the start of the regular file at
// path into *buf, grown as needed, and returns them with the file's size.
func ReadPrefix(path string, n int, buf *[]byte) ([]byte, int64, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	n = int(min(int64(n), st.Size()))
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, 0, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return b, st.Size(), nil
}
