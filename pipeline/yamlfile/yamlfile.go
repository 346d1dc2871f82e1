// Package yamlfile reads the project's YAML files (config.yaml, the label
// table) strictly, unknown keys being errors, and says on which line each
// problem is.
//
// A document is parsed into nodes and its shape checked before it is
// decoded: go.yaml.in/yaml/v3 compares each mapping's keys pairwise for
// duplicates, so decoding a mapping of n keys costs n² (100,000 keys in
// one mapping took 103 s). Documents are held to MaxNodes nodes, mappings
// to MaxMappingKeys keys and keys to MaxKeyBytes bytes, which bounds that
// step to MaxMappingKeys × MaxNodes comparisons.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"kidney3d/pipeline/limits"
)

// Limits on a document's shape, far above what the project's files need
// (the label table has about 600 nodes and mappings of 4 keys).
const (
	// MaxNodes is the most nodes (scalars, sequences, mappings) a document
	// may have.
	MaxNodes = 100_000
	// MaxMappingKeys is the most keys one mapping may have.
	MaxMappingKeys = 256
	// MaxKeyBytes is the longest a mapping key may be.
	MaxKeyBytes = 256
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
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return newError(kind, source, err)
	}
	if line, err := checkShape(&doc); err != nil {
		return &Error{Kind: kind, File: source, Line: line, Msg: err.Error()}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		return newError(kind, source, err)
	}
	return nil
}

// newError is err of the decoder as an *Error with the line it names.
func newError(kind, source string, err error) *Error {
	line := 0
	if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return &Error{Kind: kind, File: source, Line: line, Msg: err.Error()}
}

// checkShape holds doc to MaxNodes, MaxMappingKeys and MaxKeyBytes; it
// returns the line of the first node over a limit. Aliases are not
// followed: the decoder bounds their expansion itself.
func checkShape(doc *yaml.Node) (int, error) {
	nodes := 0
	stack := []*yaml.Node{doc}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if nodes++; nodes > MaxNodes {
			return n.Line, fmt.Errorf("more than %d YAML nodes", MaxNodes)
		}
		if n.Kind == yaml.MappingNode {
			if keys := len(n.Content) / 2; keys > MaxMappingKeys {
				return n.Line, fmt.Errorf("a mapping of %d keys, over the limit of %d", keys, MaxMappingKeys)
			}
			for i := 0; i < len(n.Content); i += 2 {
				if k := n.Content[i]; len(k.Value) > MaxKeyBytes {
					return k.Line, fmt.Errorf("key %s is over the limit of %d bytes", limits.Quote(k.Value), MaxKeyBytes)
				}
			}
		}
		stack = append(stack, n.Content...)
	}
	return 0, nil
}

// ReadFile reads the YAML file at path when it is a regular file of at
// most max bytes (package limits); errors are *Error of the kind given.
func ReadFile(kind, path string, max int64) ([]byte, error) {
	data, err := limits.ReadFile(path, max)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Kind: kind, File: path, Msg: err.Error()}
	}
	return data, nil
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
