// Package yamlfile reads the project's YAML files (config.yaml, the label
// table) strictly, unknown keys being errors, and says on which line each
// problem is.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a YAML file, with its line (0 when unknown).
type Error struct {
	Kind string // what the file is, e.g. "config" or "labels"
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: %s:%d: %s", e.Kind, e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Kind, e.File, e.Msg)
}

var lineInError = regexp.MustCompile(`line (\d+)`)

// Decode fills into from data, rejecting keys into's struct does not have;
// an empty document leaves into as it is. Errors are *Error of the kind and
// source given.
func Decode(kind, source string, data []byte, into any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		line := 0
		if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return &Error{Kind: kind, File: source, Line: line, Msg: err.Error()}
	}
	return nil
}

// ListLines is the line of each item of the list under the top-level key,
// or nil when there is no such list.
func ListLines(data []byte, key string) []int {
	var doc map[string]yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	list, ok := doc[key]
	if !ok || list.Kind != yaml.SequenceNode {
		return nil
	}
	lines := make([]int, len(list.Content))
	for i, n := range list.Content {
		lines[i] = n.Line
	}
	return lines
}
