package panics

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func index(s []int, i int) (n int, err error) {
	defer Recover(&err)
	return s[i], nil
}

func TestRecoverTurnsARuntimePanicIntoAnErrorWithItsStack(t *testing.T) {
	_, err := index([]int{1}, 3)
	var p *Error
	if !errors.As(err, &p) {
		t.Fatalf("got %v, want *Error", err)
	}
	var re runtime.Error
	if !errors.As(err, &re) {
		t.Errorf("%v does not unwrap to the runtime error", err)
	}
	if !strings.HasPrefix(err.Error(), "internal error: runtime error: index out of range") {
		t.Errorf("message %q", err.Error())
	}
	if !strings.Contains(string(p.Stack), "panics.index") {
		t.Errorf("stack does not show the panicking function:\n%s", p.Stack)
	}
}

func TestRecoverLeavesAReturnedErrorAlone(t *testing.T) {
	if n, err := index([]int{7}, 0); n != 7 || err != nil {
		t.Fatalf("got %d, %v", n, err)
	}
}

func TestNewKeepsTheStackOfARepanickedError(t *testing.T) {
	first := &Error{Value: "boom", Stack: []byte("worker stack")}
	if got := New(first); got != first {
		t.Fatalf("New re-wrapped an *Error: %v", got)
	}
	if got := New("plain"); got.Value != "plain" || len(got.Stack) == 0 {
		t.Fatalf("New(plain) = %+v", got)
	}
}
