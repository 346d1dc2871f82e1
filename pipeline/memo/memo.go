// Package memo keeps values made once per key and shared: concurrent
// callers asking for one key wait for the first, which makes the value.
package memo

import "sync"

// Map holds the values made or given for each key. The zero Map is
// empty and ready to use; it is safe for concurrent use and must not be
// copied after first use.
type Map[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]*entry[V]
}

// entry is a value being made (ready open) or made.
type entry[V any] struct {
	ready chan struct{}
	val   V
	err   error
}

// Get is the value of key, made by build when no caller has made it;
// concurrent callers wait for the first. A failed build is not kept: the
// callers that waited for it build their own.
func (m *Map[K, V]) Get(key K, build func() (V, error)) (V, error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	if !ok {
		if m.entries == nil {
			m.entries = map[K]*entry[V]{}
		}
		e = &entry[V]{ready: make(chan struct{})}
		m.entries[key] = e
	}
	m.mu.Unlock()
	if ok {
		<-e.ready
		if e.err == nil {
			return e.val, nil
		}
		return build()
	}
	e.val, e.err = build()
	close(e.ready)
	if e.err != nil {
		m.mu.Lock()
		if m.entries[key] == e {
			delete(m.entries, key)
		}
		m.mu.Unlock()
	}
	return e.val, e.err
}

// Peek is the value of key when one is made or given (waiting for one
// being made), without making one.
func (m *Map[K, V]) Peek(key K) (V, bool) {
	m.mu.Lock()
	e, ok := m.entries[key]
	m.mu.Unlock()
	if !ok {
		var zero V
		return zero, false
	}
	<-e.ready
	return e.val, e.err == nil
}

// Put makes v the value of key.
func (m *Map[K, V]) Put(key K, v V) {
	e := &entry[V]{ready: make(chan struct{}), val: v}
	close(e.ready)
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[K]*entry[V]{}
	}
	m.entries[key] = e
	m.mu.Unlock()
}

// DeleteFunc drops the keys for which del is true, and their values.
func (m *Map[K, V]) DeleteFunc(del func(K) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.entries {
		if del(k) {
			delete(m.entries, k)
		}
	}
}

// Keys are the keys that have a value made, being made or given, in no
// particular order.
func (m *Map[K, V]) Keys() []K {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]K, 0, len(m.entries))
	for k := range m.entries {
		out = append(out, k)
	}
	return out
}
