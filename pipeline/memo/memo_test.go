package memo

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestGetBuildsOnceForConcurrentCallers(t *testing.T) {
	var m Map[string, int]
	var builds atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 8)
	for i := range got {
		wg.Go(func() {
			got[i], _ = m.Get("a", func() (int, error) {
				builds.Add(1)
				<-release
				return 42, nil
			})
		})
	}
	close(release)
	wg.Wait()
	if builds.Load() != 1 || slices.ContainsFunc(got, func(v int) bool { return v != 42 }) {
		t.Fatalf("%d builds, values %v", builds.Load(), got)
	}
	if v, ok := m.Peek("a"); !ok || v != 42 {
		t.Errorf("peek %d %v", v, ok)
	}
}

func TestAFailedBuildIsNotKept(t *testing.T) {
	var m Map[int, string]
	boom := errors.New("boom")
	if _, err := m.Get(1, func() (string, error) { return "", boom }); err != boom {
		t.Fatalf("err %v", err)
	}
	if _, ok := m.Peek(1); ok || len(m.Keys()) != 0 {
		t.Fatalf("a failed build was kept: keys %v", m.Keys())
	}
	if v, err := m.Get(1, func() (string, error) { return "x", nil }); err != nil || v != "x" {
		t.Fatalf("got %q, %v", v, err)
	}
}

func TestPutPeekAndDeleteFunc(t *testing.T) {
	var m Map[int, string]
	if _, ok := m.Peek(3); ok {
		t.Fatal("peek on an empty map")
	}
	m.Put(1, "one")
	m.Put(2, "two")
	if v, err := m.Get(2, func() (string, error) { t.Fatal("built a value put"); return "", nil }); err != nil || v != "two" {
		t.Fatalf("got %q, %v", v, err)
	}
	m.DeleteFunc(func(k int) bool { return k == 1 })
	if keys := m.Keys(); !slices.Equal(keys, []int{2}) {
		t.Fatalf("keys %v", keys)
	}
}
