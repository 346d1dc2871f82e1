package ort

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// pb appends a length-delimited protobuf field.
func pb(dst []byte, field int, value []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(field)<<3|2)
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(dst, value...)
}

// pbVarint appends a varint protobuf field.
func pbVarint(dst []byte, field int, v uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(field)<<3)
	return binary.AppendUvarint(dst, v)
}

// tinyModel builds a ModelProto skeleton with the given graph inputs,
// outputs and initializer names.
func tinyModel(inputs, outputs, initializers []string) []byte {
	var graph []byte
	for _, n := range initializers {
		tensor := pbVarint(nil, 2, 1) // data_type
		tensor = pb(tensor, 9, []byte{1, 2, 3, 4})
		graph = pb(graph, graphInitializer, pb(tensor, tensorName, []byte(n)))
	}
	for _, n := range inputs {
		graph = pb(graph, graphInput, pb(nil, valueInfoName, []byte(n)))
	}
	for _, n := range outputs {
		graph = pb(graph, graphOutput, pb(nil, valueInfoName, []byte(n)))
	}
	model := pbVarint(nil, 1, 8) // ir_version
	model = pb(model, 2, []byte("test"))
	return pb(model, modelGraph, graph)
}

func TestModelNames(t *testing.T) {
	// An old-style export lists its weights as inputs too.
	model := tinyModel([]string{"input", "w1", "mask"}, []string{"logits"}, []string{"w1"})
	ins, outs, err := modelNames(model)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ins, []string{"input", "mask"}) || !slices.Equal(outs, []string{"logits"}) {
		t.Errorf("modelNames = %q, %q", ins, outs)
	}
}

func TestModelNamesParityFixture(t *testing.T) {
	model, err := os.ReadFile(filepath.Join(parityDir, "model.onnx"))
	if os.IsNotExist(err) {
		t.Skip("parity fixture missing")
	}
	if err != nil {
		t.Fatal(err)
	}
	ins, outs, err := modelNames(model)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ins, []string{"input"}) || !slices.Equal(outs, []string{"logits"}) {
		t.Errorf("modelNames = %q, %q; want [input], [logits]", ins, outs)
	}
}

func TestModelNamesRejectsGarbage(t *testing.T) {
	good := tinyModel([]string{"input"}, []string{"logits"}, nil)
	for name, data := range map[string][]byte{
		"empty":     nil,
		"truncated": good[:len(good)-3],
		"text":      []byte("this is not an onnx model"),
		"no graph":  pbVarint(nil, 1, 8),
	} {
		if _, _, err := modelNames(data); !errors.Is(err, errBadModel) {
			t.Errorf("%s: error %v, want errBadModel", name, err)
		}
	}
}

func TestPickName(t *testing.T) {
	if n, err := pickName("input", "", []string{"x"}); err != nil || n != "x" {
		t.Errorf("only input: %q, %v", n, err)
	}
	if _, err := pickName("input", "", []string{"a", "b"}); err == nil {
		t.Error("two inputs and no name accepted")
	}
	if _, err := pickName("output", "nope", []string{"logits"}); err == nil {
		t.Error("unknown name accepted")
	}
	if n, err := pickName("output", "b", []string{"a", "b"}); err != nil || n != "b" {
		t.Errorf("named output: %q, %v", n, err)
	}
}

func FuzzModelNames(f *testing.F) {
	f.Add(tinyModel([]string{"input"}, []string{"logits"}, []string{"w"}))
	f.Add([]byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, outs, err := modelNames(data)
		if err != nil && (ins != nil || outs != nil) {
			t.Errorf("names returned with error %v", err)
		}
	})
}
