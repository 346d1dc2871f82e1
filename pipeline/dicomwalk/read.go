package dicomwalk

import (
	"fmt"
	"io"
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
// than any one image can hold) is refused.
func ReadFile(path string, buf *[]byte) ([]byte, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limits.MaxImageBytes() {
		return nil, fmt.Errorf("%s: %d bytes is over the limit of %d for one image", path, st.Size(), limits.MaxImageBytes())
	}
	n := int(st.Size())
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}
