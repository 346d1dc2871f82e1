package edithistory

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/volume"
)

func testMap() *volume.Volume[uint8] {
	return volume.New[uint8](volume.Grid{Dims: [3]int{20, 20, 20}, Affine: volume.Identity})
}

// dab paints a sphere of label at c and returns its history entry.
func dab(t testing.TB, lm *volume.Volume[uint8], c [3]float64, r float64, label uint8) Entry {
	t.Helper()
	s, err := labeledit.Sphere(lm.Grid, c, r)
	if err != nil {
		t.Fatal(err)
	}
	d, err := labeledit.Apply(lm, labeledit.Paint(s, label), labeledit.Mask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Entry{Tool: "paint", Label: label, Delta: d}
}

func TestHistory(t *testing.T) {
	lm := testMap()
	var h History
	states := []*volume.Volume[uint8]{lm.Clone()}
	for n, c := range [][3]float64{{5, 5, 5}, {7, 5, 5}, {12, 12, 12}} {
		h.Push(dab(t, lm, c, 3, uint8(n+1)))
		states = append(states, lm.Clone())
	}
	for n := 3; n > 0; n-- {
		e, ok := h.Undo(lm)
		if !ok || e.Label != uint8(n) || !reflect.DeepEqual(lm.Data, states[n-1].Data) {
			t.Fatalf("undo %d: ok %v label %d, map restored %v", n, ok, e.Label, reflect.DeepEqual(lm.Data, states[n-1].Data))
		}
	}
	if _, ok := h.Undo(lm); ok {
		t.Error("undo with nothing done")
	}
	h.Redo(lm)
	if !reflect.DeepEqual(lm.Data, states[1].Data) || len(h.Done()) != 1 || len(h.Undone()) != 2 {
		t.Error("redo did not give back the first stroke")
	}
	// A new stroke forgets what was undone.
	h.Push(dab(t, lm, [3]float64{15, 15, 15}, 2, 4))
	if _, ok := h.Redo(lm); ok || len(h.Done()) != 2 {
		t.Error("redo after a new stroke")
	}
	if h.Done()[1].Voxels() != 33 {
		t.Errorf("a radius-2 dab changed %d voxels, want 33", h.Done()[1].Voxels())
	}
}

func strokes(t testing.TB) []Record {
	lm := testMap()
	var recs []Record
	recs = append(recs, Record{Kind: Saved, Version: 0})
	for n, c := range [][3]float64{{5, 5, 5}, {7, 5, 5}, {12, 12, 12}} {
		e := dab(t, lm, c, 3, uint8(n+1))
		recs = append(recs, Record{Kind: Stroke, Tool: e.Tool, Label: e.Label, Delta: e.Delta})
	}
	return recs
}

func encodeAll(recs []Record) []byte {
	b := []byte(journalMagic)
	for _, r := range recs {
		b = append(b, r.encode()...)
	}
	return b
}

func TestJournalRoundTrip(t *testing.T) {
	recs := strokes(t)
	got, err := Decode(encodeAll(recs), "j")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("decoded %+v, want %+v", got, recs)
	}
	base, unsaved := Unsaved(append(got, Record{Kind: Saved, Version: 3}, recs[1]))
	if base != 3 || len(unsaved) != 1 {
		t.Errorf("unsaved after a save: base %d, %d strokes; want 3 and 1", base, len(unsaved))
	}
}

// TestJournalCut: a journal cut anywhere inside its last record keeps
// every record before it and says where the cut one starts; a flipped
// byte in a record is caught by its checksum.
func TestJournalCut(t *testing.T) {
	recs := strokes(t)
	full := encodeAll(recs)
	start := len(encodeAll(recs[:3]))
	for cut := start + 1; cut < len(full); cut++ {
		got, err := Decode(full[:cut], "j")
		var ce *CutError
		if !errors.As(err, &ce) || ce.Offset != int64(start) || len(got) != 3 {
			t.Fatalf("cut at %d: %d records, %v; want 3 and a cut at %d", cut, len(got), err, start)
		}
	}
	bad := append([]byte(nil), full...)
	bad[start+12] ^= 0x40
	got, err := Decode(bad, "j")
	var ce *CutError
	if !errors.As(err, &ce) || ce.Reason != "damaged (checksum mismatch)" || len(got) != 3 {
		t.Errorf("flipped byte: %d records, %v", len(got), err)
	}
	if _, err := Decode([]byte("hello world"), "j"); err == nil || errors.As(err, &ce) {
		t.Errorf("not a journal: %v", err)
	}
}

func TestJournalOpenAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	recs := strokes(t)
	j, got, err := Open(path)
	if err != nil || len(got) != 0 {
		t.Fatalf("new journal: %v, %d records", err, len(got))
	}
	for _, r := range recs {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	// A crash in the middle of the last record's write.
	full, _ := os.ReadFile(path)
	os.WriteFile(path, full[:len(full)-5], 0o644)
	j, got, err = Open(path)
	var ce *CutError
	if !errors.As(err, &ce) || len(got) != 3 {
		t.Fatalf("reopened cut journal: %d records, %v", len(got), err)
	}
	if err := j.Append(recs[3]); err != nil {
		t.Fatal(err)
	}
	j.Close()
	got, err = Read(path)
	if err != nil || !reflect.DeepEqual(got, recs) {
		t.Fatalf("after the cut record was dropped and written again: %d records, %v", len(got), err)
	}
}

func FuzzDecode(f *testing.F) {
	full := encodeAll(strokes(f))
	f.Add(full)
	f.Add(full[:len(full)-3])
	f.Add([]byte(journalMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Decode(data, "fuzz")
		var ce *CutError
		if err != nil && !errors.As(err, &ce) && len(recs) > 0 {
			t.Fatalf("records with a non-cut error: %v", err)
		}
		// Good records encode back to the bytes they came from.
		if len(recs) > 0 {
			again, err2 := Decode(encodeAll(recs), "again")
			if err2 != nil || !reflect.DeepEqual(again, recs) {
				t.Fatalf("re-encoded records differ: %v", err2)
			}
		}
	})
}

// TestJournalRestart: after Restart the journal holds only the record it
// was given, and appends go on after it.
func TestJournalRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	j, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	lm := testMap()
	for n := range 3 {
		e := dab(t, lm, [3]float64{5, 5, float64(5 + n)}, 3, 1)
		if err := j.Append(Record{Kind: Stroke, Tool: e.Tool, Label: e.Label, Delta: e.Delta}); err != nil {
			t.Fatal(err)
		}
	}
	saved := Record{Kind: Saved, Version: 4}
	if err := j.Restart(saved); err != nil {
		t.Fatal(err)
	}
	e := dab(t, lm, [3]float64{12, 12, 12}, 2, 2)
	if err := j.Append(Record{Kind: Stroke, Tool: "erase", Label: 2, Delta: e.Delta}); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(path)
	if err != nil || len(recs) != 2 || recs[0] != saved || recs[1].Tool != "erase" || !reflect.DeepEqual(recs[1].Delta, e.Delta) {
		t.Fatalf("after the restart and a stroke: %+v, %v", recs, err)
	}
	if base, strokes := Unsaved(recs); base != 4 || len(strokes) != 1 {
		t.Errorf("unsaved: %d strokes on version %d, want 1 on 4", len(strokes), base)
	}
	if st, _ := os.Stat(path); st.Size() != int64(len(journalMagic)+len(saved.encode())+len(recs[1].encode())) {
		t.Errorf("journal of %d bytes, want the magic and the two records", st.Size())
	}
}
