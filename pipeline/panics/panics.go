// Package panics turns a panic in one of the pipeline's goroutines into an
// error that carries the stack where it happened, so that the program can
// report an internal error (exit code 3) instead of crashing.
package panics

import (
	"fmt"
	"runtime/debug"
)

// Error is a recovered panic.
type Error struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *Error) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

// Unwrap returns the panic value when it is an error (a runtime error, say).
func (e *Error) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// New wraps a value returned by recover, with the current stack; a value
// that is already an *Error (re-panicked from another goroutine) keeps its
// own stack.
func New(v any) *Error {
	if e, ok := v.(*Error); ok {
		return e
	}
	return &Error{Value: v, Stack: debug.Stack()}
}

// Recover, deferred, stores a panic of the function that defers it in
// *err as an *Error:
//
//	defer panics.Recover(&err)
func Recover(err *error) {
	if v := recover(); v != nil {
		*err = New(v)
	}
}
