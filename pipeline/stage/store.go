package stage

import (
	"reflect"
	"sync"

	"kidney3d/pipeline/volume"
)

// Store holds the volumes decoded or written during one run, by file, so
// that no stage decodes what another stage of the same run has already
// decoded or written (the load stage decodes every phase to check it; the
// register stages read those, and later stages read the phases they
// wrote). The orchestrator drops a file's volumes once no stage left to run
// reads that file. Reuse across runs stays hash-based (the manifest):
// outputs are still written to the case folder.
//
// The volumes are shared: a stage never changes the voxels of one it got
// from the store (it clones it first).
type Store struct {
	mu      sync.Mutex
	entries map[storeKey]*storeEntry
}

// storeKey is one file decoded as one voxel type, or a value kept beside
// it under a name (Shared).
type storeKey struct {
	path string
	typ  reflect.Type
	name string
}

// storeEntry is a value being made (ready open) or made.
type storeEntry struct {
	ready chan struct{}
	val   any
	err   error
}

// NewStore makes an empty store.
func NewStore() *Store { return &Store{entries: map[storeKey]*storeEntry{}} }

// Release drops the volumes of every file that needed says no stage will
// read again, and the values kept beside them.
func (s *Store) Release(needed func(path string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.entries {
		if !needed(k.path) {
			delete(s.entries, k)
		}
	}
}

// Paths are the files the store holds a volume or value of (for tests and
// logs).
func (s *Store) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.entries {
		out = append(out, k.path)
	}
	return out
}

func keyOf[T volume.Voxel](path string) storeKey {
	return storeKey{path: path, typ: reflect.TypeFor[T]()}
}

// getOrMake is the value of key, made by build when no one has: concurrent
// callers wait for the first. A failed build is not kept.
func (s *Store) getOrMake(k storeKey, build func() (any, error)) (any, error) {
	s.mu.Lock()
	e, ok := s.entries[k]
	if !ok {
		e = &storeEntry{ready: make(chan struct{})}
		s.entries[k] = e
	}
	s.mu.Unlock()
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
		s.mu.Lock()
		if s.entries[k] == e {
			delete(s.entries, k)
		}
		s.mu.Unlock()
	}
	return e.val, e.err
}

// lookup is the file's volume of T, decoding it with decode when no one
// has: concurrent callers wait for the first. A failed decode is not kept.
func lookup[T volume.Voxel](s *Store, path string, decode func() (*volume.Volume[T], error)) (*volume.Volume[T], error) {
	v, err := s.getOrMake(keyOf[T](path), func() (any, error) { return decode() })
	if err != nil {
		return nil, err
	}
	return v.(*volume.Volume[T]), nil
}

// cached is the file's volume of T when the store holds it decoded.
func cached[T volume.Voxel](s *Store, path string) (*volume.Volume[T], bool) {
	s.mu.Lock()
	e, ok := s.entries[keyOf[T](path)]
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	<-e.ready
	if e.err != nil {
		return nil, false
	}
	return e.val.(*volume.Volume[T]), true
}

// put keeps v as the file's volume of T.
func put[T volume.Voxel](s *Store, path string, v *volume.Volume[T]) {
	e := &storeEntry{ready: make(chan struct{}), val: v}
	close(e.ready)
	s.mu.Lock()
	s.entries[keyOf[T](path)] = e
	s.mu.Unlock()
}

// LoadVolume is the volume of T that an input artefact holds: the run's
// decoded copy when a stage of this run has decoded or written it, else
// decoded from its file (volume.Load) and kept for the stages after. The
// volume is shared: never change its voxels.
func LoadVolume[T volume.Voxel](e *Env, artefact Artefact) (*volume.Volume[T], error) {
	path, err := e.Input(artefact)
	if err != nil {
		return nil, err
	}
	if e.Volumes == nil {
		return volume.Load[T](path)
	}
	return lookup(e.Volumes, path, func() (*volume.Volume[T], error) { return volume.Load[T](path) })
}

// Shared is the value the run keeps under name beside an input artefact's
// file, made by build the first time a stage of the run asks for it
// (concurrent callers wait for the first): what stages reading one file
// share besides its volume, such as the registration pyramid of the
// reference phase. It goes when the file's volumes go. A stage run without
// a store gets a value of its own.
func Shared[V any](e *Env, artefact Artefact, name string, build func() V) V {
	path, err := e.Input(artefact)
	if err != nil || e.Volumes == nil {
		return build()
	}
	v, _ := e.Volumes.getOrMake(storeKey{path: path, typ: reflect.TypeFor[V](), name: name}, func() (any, error) { return build(), nil })
	return v.(V)
}

// LoadVolumeBox is the box [lo, hi) of an input artefact's volume of T, as
// volume.LoadBox reads it (voxels outside the grid zero): cropped from the
// run's decoded copy when there is one, else read from the file, decoding
// only the box. The box is the caller's own.
func LoadVolumeBox[T volume.Voxel](e *Env, artefact Artefact, lo, hi [3]int) (*volume.Volume[T], error) {
	path, err := e.Input(artefact)
	if err != nil {
		return nil, err
	}
	if e.Volumes != nil {
		if v, ok := cached[T](e.Volumes, path); ok {
			return volume.Crop(v, lo, hi), nil
		}
	}
	return volume.LoadBox[T](path, lo, hi)
}

// KeepVolume hands the run a volume that a stage decoded from an input
// artefact by other means (the load stage reads every phase to check its
// values), so that later stages do not decode it again. v must hold the
// file's voxels exactly as volume.Load would give them, and is shared from
// then on.
func KeepVolume[T volume.Voxel](e *Env, artefact Artefact, v *volume.Volume[T]) {
	path, err := e.Input(artefact)
	if err != nil || e.Volumes == nil {
		return
	}
	put(e.Volumes, path, v)
}

// SaveVolume writes v as an output artefact (atomically, Huffman-coded
// only: volume.SaveFast) and keeps it for the later stages of the
// run, which then read it without decoding the file. v is shared from then
// on.
func SaveVolume[T volume.Voxel](e *Env, artefact Artefact, v *volume.Volume[T]) error {
	path := e.Output(artefact)
	if err := volume.SaveFast(path, v, e.Atomic()); err != nil {
		return err
	}
	if e.Volumes != nil {
		put(e.Volumes, path, v)
	}
	return nil
}
