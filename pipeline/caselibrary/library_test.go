package caselibrary

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselibrary/casegen"
	"kidney3d/pipeline/manifest"
)

// writeLibrary writes n generated cases under a new root.
func writeLibrary(t testing.TB, seed uint64, n int) (string, []casegen.Case) {
	t.Helper()
	root := t.TempDir()
	cases := casegen.Generate(seed, n)
	for _, c := range cases {
		if err := c.Write(root); err != nil {
			t.Fatal(err)
		}
	}
	return root, cases
}

// openLibrary opens the library database at db, closed when the test ends.
func openLibrary(t testing.TB, db string) *Library {
	t.Helper()
	l, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// topHits is how many of the queries find their case in the first three
// results.
func topHits(t testing.TB, l *Library, root string, cases []casegen.Case, queries int, seed uint64) (int, []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	found := 0
	var misses []string
	for i := range queries {
		c := cases[rng.IntN(len(cases))]
		q := casegen.Query(rng, c, 1+i%2)
		hits, err := l.Search(context.Background(), q, 3)
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, h := range hits {
			ok = ok || h.Dir == filepath.Join(root, c.Folder)
		}
		if ok {
			found++
		} else {
			misses = append(misses, q+" → "+c.First+" "+c.Last)
		}
	}
	return found, misses
}

func TestSearchFindsGeneratedCasesDespiteTypos(t *testing.T) {
	root, cases := writeLibrary(t, 1, 600)
	l := openLibrary(t, filepath.Join(t.TempDir(), "library.db"))
	if n, err := l.Add(context.Background(), root); err != nil || n != 600 {
		t.Fatalf("Add = %d, %v; want 600 cases", n, err)
	}
	found, misses := topHits(t, l, root, cases, 200, 2)
	t.Logf("%d of 200 one- and two-typo queries find their case in the top 3; missed: %q", found, misses)
	if found < 190 {
		t.Errorf("%d of 200 queries find their case in the top 3, want at least 190 (95%%)", found)
	}
}

func TestSearchExamples(t *testing.T) {
	root := t.TempDir()
	for _, c := range []casegen.Case{
		{Folder: "a", First: "John", Last: "Smith", PatientID: "MRN1", Description: "PRE-OP PARTIAL NEPHRECTOMY PLANNING"},
		{Folder: "b", First: "Joan", Last: "Smithers", PatientID: "MRN2", Description: "CT UROGRAM TRIPLE PHASE"},
		{Folder: "c", First: "Jon", Last: "Smyth", PatientID: "MRN3", Description: "CTA RENAL ARTERIES", Tags: []string{"teaching"}},
	} {
		if err := c.Write(root); err != nil {
			t.Fatal(err)
		}
	}
	l := openLibrary(t, filepath.Join(t.TempDir(), "library.db"))
	if _, err := l.Add(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, first string }{
		{"jonh smiht", "a"},
		{"nephrectmy", "a"},
		{"smithers", "b"},
		{"teachng", "c"},
		{"mrn2", "b"},
	} {
		hits, err := l.Search(context.Background(), c.query, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Name != c.first {
			t.Errorf("search %q: first hit %v, want %s", c.query, hits, c.first)
		}
	}
	if hits, _ := l.Search(context.Background(), "zzqqxx", 3); len(hits) != 0 {
		t.Errorf("a query matching nothing found %d cases", len(hits))
	}
}

// writeCase makes a case folder with a label map and a manifest whose
// stages have the given statuses.
func writeCase(t *testing.T, dir string, labels string, stages map[string]string) {
	t.Helper()
	for _, d := range []string{"input", "output"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if labels != "" {
		if err := os.WriteFile(filepath.Join(dir, "output", "labels.nii.gz"), []byte(labels), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}}
	for name, status := range stages {
		m.Stages[name] = &manifest.Entry{Status: status, Error: "input/A.nii.gz: not a NIfTI file"}
	}
	if err := m.Save(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
}

func TestStatusSignOffAndEditAfterIt(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	done, failed, fresh := filepath.Join(root, "done"), filepath.Join(root, "failed"), filepath.Join(root, "fresh")
	writeCase(t, done, "labels v1", map[string]string{"load": manifest.OK, "mesh": manifest.OK})
	writeCase(t, failed, "", map[string]string{"load": manifest.Failed})
	writeCase(t, fresh, "", nil)
	db := filepath.Join(t.TempDir(), "library.db")
	l := openLibrary(t, db)
	if n, err := l.Add(ctx, root); err != nil || n != 3 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	want := map[string]string{"done": NeedsReview, "failed": Failed, "fresh": New}
	es, err := l.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Status != want[e.Name] {
			t.Errorf("%s: status %q, want %q", e.Name, e.Status, want[e.Name])
		}
		if e.Name == "failed" && e.Reason != "load: input/A.nii.gz: not a NIfTI file" {
			t.Errorf("failed case's reason %q", e.Reason)
		}
	}
	if _, err := l.SignOff(ctx, failed, "Dr Novak"); err == nil || !strings.Contains(err.Error(), "no label map") {
		t.Errorf("signing off a case with no labels: %v", err)
	}
	e, err := l.SignOff(ctx, done, "Dr Novak")
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != SignedOff || e.SignedOff == nil || e.SignedOff.By != "Dr Novak" {
		t.Fatalf("after sign-off: %+v", e)
	}
	r, _ := LoadReview(mustOpen(t, done))
	if r.SignedOff.Labels != "output/labels.nii.gz" || len(r.SignedOff.SHA256) != 64 {
		t.Errorf("review.json's sign-off %+v", r.SignedOff)
	}
	if es, _ := l.List(ctx, SignedOff); len(es) != 1 || es[0].Name != "done" {
		t.Errorf("list --status signed off: %v", es)
	}
	// An edit after the sign-off clears it, and says so.
	if err := os.WriteFile(filepath.Join(done, "output", "labels.nii.gz"), []byte("labels v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Sync(ctx); err != nil || n != 1 {
		t.Fatalf("Sync = %d, %v; want the edited case read again", n, err)
	}
	if e, err = l.Get(ctx, done); err != nil {
		t.Fatal(err)
	}
	if e.Status != NeedsReview || !strings.Contains(e.SignoffNote, "sign-off by Dr Novak") || !strings.Contains(e.SignoffNote, "edited since") {
		t.Errorf("after an edit: status %q, note %q", e.Status, e.SignoffNote)
	}
}

func mustOpen(t *testing.T, dir string) *casefile.Case {
	t.Helper()
	c, err := openCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRebuildFromFoldersAlone(t *testing.T) {
	ctx := context.Background()
	root, _ := writeLibrary(t, 3, 20)
	db := filepath.Join(t.TempDir(), "library.db")
	l := openLibrary(t, db)
	if _, err := l.Add(ctx, root); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Update(ctx, filepath.Join(root, "K3D-00002"), func(r *Review) { r.Notes = "left renal vein anomaly" }); err != nil {
		t.Fatal(err)
	}
	// A case folder removed, one added: the index follows the folders.
	if err := os.RemoveAll(filepath.Join(root, "K3D-00001")); err != nil {
		t.Fatal(err)
	}
	if err := casegen.Generate(4, 1)[0].Write(filepath.Join(root, "later")); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Rebuild(ctx); err != nil || n != 20 {
		t.Fatalf("Rebuild = %d, %v; want 20", n, err)
	}
	l.Close()
	// A new database from the folders alone knows the notes.
	l2 := openLibrary(t, filepath.Join(t.TempDir(), "other.db"))
	if _, err := l2.Add(ctx, root); err != nil {
		t.Fatal(err)
	}
	hits, err := l2.Search(ctx, "renal vien anomaly", 1)
	if err != nil || len(hits) != 1 || hits[0].Name != "K3D-00002" {
		t.Errorf("search of a note after a rebuild: %v, %v", hits, err)
	}
}
