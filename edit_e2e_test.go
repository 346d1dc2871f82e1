package main

// End-to-end tests of the headless segment editor: `kidney3d edit` on a
// demo case's pipeline output, a later `kidney3d run` keeping the edited
// labels voxel for voxel, `kidney3d revert --to 0` giving the pipeline's
// output back byte for byte, bad ops refused with nothing saved, and a
// killed edit restored from the journal.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kidney3d/pipeline/caseedit"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

// ranTemplates are small demo cases the pipeline has run on, one per
// seed, each made once for all the tests of the binary.
var ranTemplates sync.Map // seed → func() (string, error)

// ranSeed is a copy, for one test, of the small demo case of seed after a
// successful `kidney3d run`; the case is made and run once per seed.
func ranSeed(t *testing.T, seed int) string {
	t.Helper()
	once, _ := ranTemplates.LoadOrStore(seed, sync.OnceValues(func() (string, error) {
		dir := filepath.Join(filepath.Dir(binary), fmt.Sprintf("ran-seed-%d", seed))
		for _, args := range [][]string{{"demo", "--out", dir, "--seed", fmt.Sprint(seed)}, {"run", dir}} {
			if out, err := exec.Command(binary, args...).CombinedOutput(); err != nil {
				return "", fmt.Errorf("%s: %v\n%s", args[0], err, out)
			}
		}
		return dir, nil
	}))
	template, err := once.(func() (string, error))()
	if err != nil {
		t.Fatal(err)
	}
	return copyTree(t, template)
}

// ranDemo is ranSeed's seed-3 case, the one the editing tests edit.
func ranDemo(t *testing.T) string { return ranSeed(t, 3) }

// labelCentre is the world centre (RAS mm) of a label's voxels in a map.
func labelCentre(t *testing.T, path string, value uint8) [3]float64 {
	t.Helper()
	lm, err := volume.LoadLabelMap(path)
	if err != nil {
		t.Fatal(err)
	}
	var s [3]float64
	n := 0
	for i, v := range lm.Data {
		if v == value {
			x, y, z := lm.Coords(i)
			s[0], s[1], s[2] = s[0]+float64(x), s[1]+float64(y), s[2]+float64(z)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s holds no voxel of %d", path, value)
	}
	return lm.VoxelToWorld([3]float64{s[0] / float64(n), s[1] / float64(n), s[2] / float64(n)})
}

func versionsOf(t *testing.T, dir string) caseedit.Listing {
	t.Helper()
	stdout, stderr, code := kidney3d(t, "versions", dir, "--json")
	if code != 0 {
		t.Fatalf("versions: exit %d: %s", code, stderr)
	}
	var l caseedit.Listing
	if err := json.Unmarshal([]byte(stdout), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestEditSurvivesRunAndRevertRestores(t *testing.T) {
	dir := ranDemo(t)
	out := filepath.Join(dir, "output", "labels.nii.gz")
	orig, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c := labelCentre(t, out, 1) // kidney_left
	ops := writeFile(t, filepath.Join(t.TempDir(), "ops.json"), fmt.Appendf(nil, `[
	  {"op":"paint","label":"tumor","shape":"sphere","center_mm":[%g,%g,%g],"radius_mm":10},
	  {"op":"erase","label":"tumor","shape":"sphere","center_mm":[%g,%g,%g],"radius_mm":4},
	  {"op":"islands","label":"kidney_left","mode":"keep_largest"}]`, c[0], c[1], c[2], c[0], c[1], c[2]+8))
	stdout, stderr, code := kidney3d(t, "edit", dir, "--ops", ops, "--message", "tumour by hand", "--author", "tester", "--json")
	if code != 0 {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	var res caseedit.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Saved.Version != 1 || len(res.Ops) != 3 || res.Ops[0].Voxels == 0 || res.Ops[1].Voxels == 0 {
		t.Fatalf("edit saved %+v", res)
	}
	l := versionsOf(t, dir)
	if len(l.Versions) != 2 || l.Versions[1].Author != "tester" || l.Versions[1].Comment != "tumour by hand" || l.Unsaved != 0 {
		t.Fatalf("versions after the edit: %+v", l)
	}
	if v0, _ := os.ReadFile(filepath.Join(dir, "edits", "labels.v0.nii.gz")); !bytes.Equal(v0, orig) {
		t.Error("version 0 is not the pipeline's output byte for byte")
	}
	stdout, stderr, code = kidney3d(t, "versions", dir, "--compare", "0", "1", "--json")
	var cmp editversions.Comparison
	if err := json.Unmarshal([]byte(stdout), &cmp); code != 0 || err != nil {
		t.Fatalf("versions --compare 0 1: exit %d, %v: %s", code, err, stderr)
	}
	if cmp.A != 0 || cmp.B != 1 || cmp.Changed == 0 || !slices.ContainsFunc(cmp.Labels, func(d editversions.LabelDiff) bool {
		return d.Label == "tumor" && d.Changed > 0 && d.Dice < 1
	}) {
		t.Errorf("versions --compare 0 1: %+v", cmp)
	}
	if _, stderr, code := kidney3d(t, "versions", dir, "--compare", "0"); code != 2 || !strings.Contains(stderr, "two version numbers") {
		t.Errorf("versions --compare with one number: exit %d, %q; want 2", code, stderr)
	}
	if _, stderr, code := kidney3d(t, "versions", dir, "--compare", "0", "9"); code != 1 || !strings.Contains(stderr, "no version 9 (versions 0 to 1 are saved)") {
		t.Errorf("versions --compare 0 9: exit %d, %q; want 1 naming the versions saved", code, stderr)
	}
	edited := l.Versions[1].Edited
	if !strings.Contains(strings.Join(edited, ","), "tumor") {
		t.Fatalf("edited labels %v lack tumor", edited)
	}

	// report refuses the edited case until a run: the territories it
	// holds are of the labels before the edit.
	if _, stderr, code := kidney3d(t, "report", dir, "--json"); code != 1 || !strings.Contains(stderr, "out of date") {
		t.Errorf("report after the edit: exit %d, %q; want 1, out of date", code, stderr)
	}

	// A later run keeps every edited label as saved, and reruns only
	// the stages from the merge on.
	_, stderr, code = kidney3d(t, "run", dir)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	for _, s := range []string{"organs", "tumour", "cleanup"} {
		if !lineHas(stderr, s, "reused") {
			t.Errorf("second run did not reuse %s:\n%s", s, stderr)
		}
	}
	if !lineHas(stderr, "merge", "done") {
		t.Errorf("second run did not merge again:\n%s", stderr)
	}
	got, _ := volume.LoadLabelMap(out)
	saved, _ := volume.LoadLabelMap(filepath.Join(dir, "edits", "labels.v1.nii.gz"))
	table := map[string]uint8{"kidney_left": 1, "kidney_right": 2, "tumor": 3, "cyst": 4, "artery": 5, "vein": 6, "ureter": 7, "perirenal_fat": 8}
	for _, name := range edited {
		v := table[name]
		for n := range got.Data {
			if (got.Data[n] == v) != (saved.Data[n] == v) {
				t.Fatalf("label %s differs at voxel %d from the saved version after a run", name, n)
			}
		}
	}
	r := readCaseReport(t, dir)
	// Its territories are traced from the edited labels, in report.json
	// and in what `report` prints.
	want, err := territory.Compute(t.Context(), got, labels.Default())
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = kidney3d(t, "report", dir, "--json")
	if code != 0 {
		t.Fatalf("report after the run: exit %d: %s", code, stderr)
	}
	var printed measure.Report
	if err := json.Unmarshal([]byte(stdout), &printed); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*measure.Territories{r.Territories, printed.Territories} {
		if tr == nil || !reflect.DeepEqual(tr.Arteries, want.Report.Arteries) || !reflect.DeepEqual(tr.Branches, want.Report.Branches) {
			t.Errorf("territories after the run %+v, want those of the edited labels %+v", tr, want.Report)
		}
	}
	if p := reportedStructure(t, r, "tumor").Provenance; p.Source != measure.FromEdit || !p.Edited || p.Edit == nil || p.Edit.Version != 1 {
		t.Errorf("tumor provenance %+v, want source edit of version 1", p)
	}
	if p := reportedStructure(t, r, "kidney_right").Provenance; p.Source == measure.FromEdit || p.Edited {
		t.Errorf("kidney_right provenance %+v, want not edited", p)
	}

	// Reverting to version 0 and running gives the pipeline's output
	// back byte for byte.
	if _, stderr, code := kidney3d(t, "revert", dir, "--to", "0"); code != 0 {
		t.Fatalf("revert: exit %d: %s", code, stderr)
	}
	if v2, _ := os.ReadFile(filepath.Join(dir, "edits", "labels.v2.nii.gz")); !bytes.Equal(v2, orig) {
		t.Error("revert --to 0 did not copy version 0 byte for byte")
	}
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run after revert: exit %d: %s", code, stderr)
	}
	if now, _ := os.ReadFile(out); !bytes.Equal(now, orig) {
		t.Error("after revert --to 0 and a run, output/labels.nii.gz differs from the pipeline's first output")
	}
	if p := reportedStructure(t, readCaseReport(t, dir), "tumor").Provenance; p.Source == measure.FromEdit {
		t.Errorf("tumor provenance after revert %+v, want the model's", p)
	}
}

// lineHas reports whether a line of s starting with name holds word.
func lineHas(s, name, word string) bool {
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == name && strings.Contains(line, word) {
			return true
		}
	}
	return false
}

// TestEditBadOpsSaveNothing: each bad ops file fails with exit 1 and a
// message naming the file, the op and the reason; the saved versions and
// their list are untouched and the journal holds no unsaved stroke.
func TestEditBadOpsSaveNothing(t *testing.T) {
	dir := ranDemo(t)
	c := labelCentre(t, filepath.Join(dir, "output", "labels.nii.gz"), 1)
	good := fmt.Sprintf(`{"op":"paint","label":"tumor","center_mm":[%g,%g,%g],"radius_mm":5}`, c[0], c[1], c[2])
	ops := writeFile(t, filepath.Join(t.TempDir(), "ok.json"), []byte("["+good+"]"))
	if _, stderr, code := kidney3d(t, "edit", dir, "--ops", ops); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	snapshot := func() map[string][]byte {
		m := map[string][]byte{}
		entries, _ := os.ReadDir(filepath.Join(dir, "edits"))
		for _, e := range entries {
			if e.Name() != "journal" {
				m[e.Name()], _ = os.ReadFile(filepath.Join(dir, "edits", e.Name()))
			}
		}
		return m
	}
	before := snapshot()
	cases := []struct{ name, json, want string }{
		{"unknown label", `[` + good + `,{"op":"paint","label":"tumour","center_mm":[0,0,0],"radius_mm":3}]`, `op 1 (paint): unknown label "tumour"`},
		{"outside", `[` + good + `,{"op":"paint","label":"tumor","center_mm":[900,0,0],"radius_mm":3}]`, "op 1 (paint): point (900.0, 0.0, 0.0) mm RAS is outside the image"},
		{"negative radius", `[` + good + `,{"op":"erase","label":"tumor","center_mm":[0,0,0],"radius_mm":-2}]`, "op 1 (erase): radius -2 mm: must be a positive number"},
		{"bad JSON", `[{"op":"paint",`, "not a JSON list of ops"},
	}
	for _, tc := range cases {
		path := writeFile(t, filepath.Join(t.TempDir(), "ops.json"), []byte(tc.json))
		_, stderr, code := kidney3d(t, "edit", dir, "--ops", path)
		if code != 1 || !strings.Contains(stderr, path) || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 naming %s and %q", tc.name, code, stderr, path, tc.want)
		}
		after := snapshot()
		for name, b := range before {
			if !bytes.Equal(after[name], b) || len(after) != len(before) {
				t.Errorf("%s: edits/%s changed", tc.name, name)
			}
		}
		if l := versionsOf(t, dir); l.Unsaved != 0 || len(l.Versions) != 2 {
			t.Errorf("%s: %d versions, %d unsaved strokes; want 2 and 0", tc.name, len(l.Versions), l.Unsaved)
		}
	}

	// A journal whose last record was cut mid-write (a record header
	// promising 64 bytes, then 3): reported by file and byte, the good
	// records kept, and the next edit goes on after dropping it.
	journal := filepath.Join(dir, "edits", "journal")
	kept, _ := os.ReadFile(journal)
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{64, 0, 0, 0, 1, 2, 3, 4, 1, 2, 3})
	f.Close()
	cut := fmt.Sprintf("%s: record at byte %d is cut short (3 of 64 bytes)", journal, len(kept))
	stdout, stderr, code := kidney3d(t, "versions", dir)
	if code != 0 || !strings.Contains(stdout, "warning: "+cut) {
		t.Errorf("versions on a cut journal: exit %d, %q %q; want a warning %q", code, stdout, stderr, cut)
	}
	stdout, stderr, code = kidney3d(t, "edit", dir, "--ops", ops)
	if code != 0 || !strings.Contains(stdout, "warning: "+cut) {
		t.Errorf("edit on a cut journal: exit %d, %q %q", code, stdout, stderr)
	}
	if l := versionsOf(t, dir); l.Cut != "" || len(l.Versions) != 3 {
		t.Errorf("after the edit: %d versions, cut %q; want 3 and none", len(l.Versions), l.Cut)
	}
	if _, stderr, code := kidney3d(t, "edit", dir, "--recover"); code != 1 || !strings.Contains(stderr, "nothing to save") {
		t.Errorf("--recover with nothing to recover: exit %d, %q", code, stderr)
	}
}

// TestEditKilledRestoresEveryCommittedStroke kills `kidney3d edit` with
// SIGKILL once its journal holds a few strokes; the case then refuses to
// edit until told, and `edit --recover` saves exactly the strokes the
// journal committed: the same map as an edit of only those ops.
func TestEditKilledRestoresEveryCommittedStroke(t *testing.T) {
	dir := ranDemo(t)
	clone := ranDemo(t)
	c := labelCentre(t, filepath.Join(dir, "output", "labels.nii.gz"), 1)
	var ops []string
	for n := range 400 {
		label := []string{"tumor", "cyst"}[n%2]
		ops = append(ops, fmt.Sprintf(`{"op":"paint","label":"%s","center_mm":[%g,%g,%g],"radius_mm":6}`,
			label, c[0]+float64(n%7)-3, c[1]+float64(n%5)-2, c[2]+float64(n%11)-5))
	}
	all := writeFile(t, filepath.Join(t.TempDir(), "all.json"), []byte("["+strings.Join(ops, ",")+"]"))
	cmd := exec.Command(binary, "edit", dir, "--ops", all)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, "edits", "journal")
	deadline := time.Now().Add(30 * time.Second)
	for {
		recs, _ := edithistory.Read(journal)
		if _, strokes := edithistory.Unsaved(recs); len(strokes) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the journal never held 5 strokes")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	recs, err := edithistory.Read(journal)
	if err != nil {
		t.Logf("journal after the kill: %v", err)
	}
	_, strokes := edithistory.Unsaved(recs)
	k := len(strokes)
	if k >= len(ops) {
		t.Skipf("the edit finished all %d ops before the kill", k)
	}
	l := versionsOf(t, dir)
	if l.Unsaved != k || len(l.Versions) != 0 {
		t.Fatalf("after the kill: %d versions, %d unsaved strokes; want 0 and %d", len(l.Versions), l.Unsaved, k)
	}
	one := writeFile(t, filepath.Join(t.TempDir(), "one.json"), []byte("["+ops[0]+"]"))
	if _, stderr, code := kidney3d(t, "edit", dir, "--ops", one); code != 1 || !strings.Contains(stderr, fmt.Sprintf("%d unsaved stroke(s)", k)) {
		t.Errorf("edit with unsaved strokes: exit %d, %q; want exit 1 naming %d unsaved strokes", code, stderr, k)
	}
	stdout, stderr, code := kidney3d(t, "edit", dir, "--recover")
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("recovered %d unsaved stroke(s)", k)) {
		t.Fatalf("edit --recover: exit %d: %s %s", code, stdout, stderr)
	}
	first := writeFile(t, filepath.Join(t.TempDir(), "first.json"), []byte("["+strings.Join(ops[:k], ",")+"]"))
	if _, stderr, code := kidney3d(t, "edit", clone, "--ops", first); code != 0 {
		t.Fatalf("edit of the first %d ops: exit %d: %s", k, code, stderr)
	}
	got, err := volume.LoadLabelMap(filepath.Join(dir, "edits", "labels.v1.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := volume.LoadLabelMap(filepath.Join(clone, "edits", "labels.v1.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("the recovered version differs from an edit of the %d committed ops", k)
	}
	t.Logf("killed after %d of %d strokes; all restored", k, len(ops))
}
