package atomicfile

import (
	"encoding/json"
	"io"
)

// WriteJSON writes v to path as JSON indented by two spaces, ending in a
// newline (json.Encoder), atomically as Write does.
func WriteJSON(path string, v any, opts ...Option) error {
	return Write(path, func(w io.Writer) error { return EncodeJSON(w, v) }, opts...)
}

// EncodeJSON writes v to w as WriteJSON does: JSON indented by two spaces,
// ending in a newline.
func EncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
