package ort

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// errBadModel reports bytes that are not a well-formed ONNX protobuf.
var errBadModel = errors.New("not a well-formed ONNX model")

// Field numbers in onnx.proto.
const (
	modelGraph       = 7  // ModelProto.graph
	graphInitializer = 5  // GraphProto.initializer
	graphInput       = 11 // GraphProto.input
	graphOutput      = 12 // GraphProto.output
	valueInfoName    = 1  // ValueInfoProto.name
	tensorName       = 8  // TensorProto.name
)

// modelNames returns the names of an ONNX model's graph inputs (initializers
// listed as inputs, as old exporters did, left out) and outputs, reading the
// protobuf directly: it costs a walk over the bytes, not a model load.
func modelNames(model []byte) (inputs, outputs []string, err error) {
	var graph []byte
	err = walk(model, func(field int, value []byte) error {
		if field == modelGraph {
			graph = value
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if graph == nil {
		return nil, nil, fmt.Errorf("%w: no graph", errBadModel)
	}
	var initializers []string
	err = walk(graph, func(field int, value []byte) error {
		var name string
		var err error
		switch field {
		case graphInput, graphOutput:
			name, err = stringField(value, valueInfoName)
		case graphInitializer:
			name, err = stringField(value, tensorName)
		default:
			return nil
		}
		switch field {
		case graphInput:
			inputs = append(inputs, name)
		case graphOutput:
			outputs = append(outputs, name)
		case graphInitializer:
			initializers = append(initializers, name)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	inputs = slices.DeleteFunc(inputs, func(n string) bool { return slices.Contains(initializers, n) })
	return inputs, outputs, nil
}

// stringField returns the last value of length-delimited field in msg, or ""
// when msg has none.
func stringField(msg []byte, field int) (string, error) {
	var s string
	err := walk(msg, func(f int, value []byte) error {
		if f == field {
			s = string(value)
		}
		return nil
	})
	return s, err
}

// walk calls fn with the number and bytes of every length-delimited field of
// the protobuf message msg, skipping fields of other wire types.
func walk(msg []byte, fn func(field int, value []byte) error) error {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return fmt.Errorf("%w: bad field key", errBadModel)
		}
		msg = msg[n:]
		field := key >> 3
		if field == 0 || field > 1<<29 {
			return fmt.Errorf("%w: field number %d", errBadModel, field)
		}
		switch key & 7 {
		case 0: // varint
			if _, n = binary.Uvarint(msg); n <= 0 {
				return fmt.Errorf("%w: bad varint in field %d", errBadModel, field)
			}
			msg = msg[n:]
		case 1: // 64-bit
			if len(msg) < 8 {
				return fmt.Errorf("%w: truncated field %d", errBadModel, field)
			}
			msg = msg[8:]
		case 5: // 32-bit
			if len(msg) < 4 {
				return fmt.Errorf("%w: truncated field %d", errBadModel, field)
			}
			msg = msg[4:]
		case 2: // length-delimited
			size, n := binary.Uvarint(msg)
			if n <= 0 || size > uint64(len(msg)-n) {
				return fmt.Errorf("%w: truncated field %d", errBadModel, field)
			}
			value := msg[n : n+int(size)]
			msg = msg[n+int(size):]
			if err := fn(int(field), value); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: wire type %d in field %d", errBadModel, key&7, field)
		}
	}
	return nil
}
