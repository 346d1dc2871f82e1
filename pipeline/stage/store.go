package stage

import (
	"reflect"

	"kidney3d/pipeline/memo"
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
	entries memo.Map[storeKey, any]
}

// storeKey is one file decoded as one voxel type, or a value kept beside
// it under a name (Shared).
type storeKey struct {
	path string
	typ  reflect.Type
	name string
}

// NewStore makes an empty store.
func NewStore() *Store { return &Store{} }

// Release drops the volumes of every file that needed says no stage will
// read again, and the values kept beside them.
func (s *Store) Release(needed func(path string) bool) {
	s.entries.DeleteFunc(func(k storeKey) bool { return !needed(k.path) })
}

// Paths are the files the store holds a volume or value of (for tests and
// logs).
func (s *Store) Paths() []string {
	var out []string
	for _, k := range s.entries.Keys() {
		out = append(out, k.path)
	}
	return out
}

func keyOf[T volume.Voxel](path string) storeKey {
	return storeKey{path: path, typ: reflect.TypeFor[T]()}
}

// lookup is the file's volume of T, decoding it with decode when no one
// has: concurrent callers wait for the first. A failed decode is not kept.
func lookup[T volume.Voxel](s *Store, path string, decode func() (*volume.Volume[T], error)) (*volume.Volume[T], error) {
	v, err := s.entries.Get(keyOf[T](path), func() (any, error) { return decode() })
	if err != nil {
		return nil, err
	}
	return v.(*volume.Volume[T]), nil
}

// cached is the file's volume of T when the store holds it decoded.
func cached[T volume.Voxel](s *Store, path string) (*volume.Volume[T], bool) {
	v, ok := s.entries.Peek(keyOf[T](path))
	if !ok {
		return nil, false
	}
	return v.(*volume.Volume[T]), true
}

// put keeps v as the file's volume of T.
func put[T volume.Voxel](s *Store, path string, v *volume.Volume[T]) {
	s.entries.Put(keyOf[T](path), v)
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
	v, _ := e.Volumes.entries.Get(storeKey{path: path, typ: reflect.TypeFor[V](), name: name}, func() (any, error) { return build(), nil })
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
