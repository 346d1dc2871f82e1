package orchestrate

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// volumeStage reads its inputs as volumes through the run's store, writes
// its output as a volume, and notes what it was handed and what the store
// held when it started.
type volumeStage struct {
	name    string
	in      []stage.Artefact
	out     stage.Artefact
	mu      *sync.Mutex
	seen    map[string]*volume.Volume[int16]         // stage/input → volume read
	held    map[string][]string                      // stage → files the store held at its start
	written map[stage.Artefact]*volume.Volume[int16] // output → volume written
}

func (s *volumeStage) Name() string              { return s.name }
func (s *volumeStage) Inputs() []stage.Artefact  { return s.in }
func (s *volumeStage) Outputs() []stage.Artefact { return []stage.Artefact{s.out} }
func (s *volumeStage) Resource() stage.Resource  { return stage.CPU }
func (s *volumeStage) Params() any               { return nil }
func (s *volumeStage) Check(*stage.Env) error    { return nil }

func (s *volumeStage) Run(_ context.Context, env *stage.Env) error {
	s.mu.Lock()
	s.held[s.name] = env.Volumes.Paths()
	s.mu.Unlock()
	var sum *volume.Volume[int16]
	for _, in := range s.in {
		v, err := stage.LoadVolume[int16](env, in)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.seen[s.name+"/"+string(in)] = v
		s.mu.Unlock()
		if sum == nil {
			sum = v.Clone() // the store's volumes are shared: never changed
		} else {
			for n, x := range v.Data {
				sum.Data[n] += x
			}
		}
	}
	s.mu.Lock()
	s.written[s.out] = sum
	s.mu.Unlock()
	return stage.SaveVolume(env, s.out, sum)
}

// TestStoreHandsOutWhatWasWrittenAndDropsItAfterTheLastReader checks that a
// stage reads a volume another stage of the run wrote without decoding its
// file (the same voxels in memory), and that the run stops holding a
// file's volume once no stage left reads it.
func TestStoreHandsOutWhatWasWrittenAndDropsItAfterTheLastReader(t *testing.T) {
	c := newCase(t)
	g := volume.Grid{Dims: [3]int{4, 3, 2}, Affine: volume.Identity}
	a := volume.New[int16](g)
	for n := range a.Data {
		a.Data[n] = int16(n)
	}
	if err := volume.Save(c.PhasePath("A"), a); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen, held, written := map[string]*volume.Volume[int16]{}, map[string][]string{}, map[stage.Artefact]*volume.Volume[int16]{}
	mk := func(name string, out stage.Artefact, in ...stage.Artefact) *volumeStage {
		return &volumeStage{name: name, in: in, out: out, mu: &mu, seen: seen, held: held, written: written}
	}
	stages := []stage.Stage{
		mk("double", stage.Registered("P"), stage.Reference, stage.Reference),
		mk("sum", stage.Mask("kidney_left"), stage.Registered("P"), stage.Reference),
		mk("last", stage.Labels, stage.Mask("kidney_left")),
	}
	if err := Run(context.Background(), c, stages, Options{Program: "test", CPUSlots: 1}); err != nil {
		t.Fatal(err)
	}
	if seen["sum/"+string(stage.Registered("P"))] != written[stage.Registered("P")] {
		t.Error("stage sum decoded registered/P again instead of reading what stage double wrote")
	}
	if seen["double/"+string(stage.Reference)] != seen["sum/"+string(stage.Reference)] {
		t.Error("the reference phase was decoded twice in one run")
	}
	registered := c.ArtefactPath("double", stage.Registered("P"))
	if !slices.Contains(held["sum"], registered) {
		t.Errorf("when sum started the store held %v, not %s", held["sum"], registered)
	}
	for _, p := range held["last"] {
		if p == registered || p == c.PhasePath("A") {
			t.Errorf("when last started the store still held %s, which no stage left reads", filepath.Base(p))
		}
	}
	got, err := volume.Load[int16](c.ArtefactPath("last", stage.Labels))
	if err != nil {
		t.Fatal(err)
	}
	for n, x := range got.Data {
		if want := int16(3 * n); x != want {
			t.Fatalf("voxel %d: %d, want %d (a stage changed a shared volume?)", n, x, want)
		}
	}
}

// sharer is a test stage that asks the run for a value kept beside the
// reference phase (stage.Shared) and notes the one it got.
type sharer struct {
	volumeStage
	got *[]*int
}

func (s *sharer) Run(ctx context.Context, env *stage.Env) error {
	v := stage.Shared(env, stage.Reference, "test.counter", func() *int { return new(int) })
	s.mu.Lock()
	*s.got = append(*s.got, v)
	s.mu.Unlock()
	return s.volumeStage.Run(ctx, env)
}

// TestSharedValueIsMadeOncePerRun: two stages reading the reference get
// the one value the first made; a second run makes its own.
func TestSharedValueIsMadeOncePerRun(t *testing.T) {
	c := newCase(t)
	g := volume.Grid{Dims: [3]int{4, 3, 2}, Affine: volume.Identity}
	a := volume.New[int16](g)
	a.Data[1] = 1
	if err := volume.Save(c.PhasePath("A"), a); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []*int
	mk := func(name string, out stage.Artefact) *sharer {
		return &sharer{volumeStage: volumeStage{name: name, in: []stage.Artefact{stage.Reference}, out: out, mu: &mu,
			seen: map[string]*volume.Volume[int16]{}, held: map[string][]string{}, written: map[stage.Artefact]*volume.Volume[int16]{}}, got: &got}
	}
	run := func() {
		stages := []stage.Stage{mk("p", stage.Registered("P")), mk("d", stage.Registered("D"))}
		if err := Run(context.Background(), c, stages, Options{Program: "test", Force: []string{"p", "d"}}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if len(got) != 2 || got[0] != got[1] {
		t.Fatalf("the two stages got %v, want one value", got)
	}
	run()
	if len(got) != 4 || got[2] != got[3] || got[2] == got[0] {
		t.Errorf("a second run got %v, want one value of its own", got[2:])
	}
}
