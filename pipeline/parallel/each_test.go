package parallel

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
)

func TestEachCallsEveryItemOnceAndCountsProgress(t *testing.T) {
	var calls [50]atomic.Int32
	var seen []int
	err := Each(context.Background(), len(calls), func(i int) error {
		calls[i].Add(1)
		return nil
	}, func(done int) { seen = append(seen, done) })
	if err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Errorf("item %d called %d times", i, n)
		}
	}
	slices.Sort(seen)
	for i, d := range seen {
		if d != i+1 {
			t.Fatalf("progress %v, want 1 to %d", seen, len(calls))
		}
	}
	if len(seen) != len(calls) {
		t.Fatalf("%d progress calls, want %d", len(seen), len(calls))
	}
}

func TestEachJoinsErrorsInItemOrder(t *testing.T) {
	e1, e3 := errors.New("one"), errors.New("three")
	err := Each(context.Background(), 4, func(i int) error {
		return map[int]error{1: e1, 3: e3}[i]
	}, nil)
	if err == nil || err.Error() != "one\nthree" || !errors.Is(err, e3) {
		t.Fatalf("got %v", err)
	}
}

func TestEachStartsNothingOnceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	err := Each(ctx, 10, func(int) error { calls.Add(1); return nil }, nil)
	if !errors.Is(err, context.Canceled) || calls.Load() != 0 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}
