package meshio

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestReadOBJRejectsBadFaces(t *testing.T) {
	for _, src := range []string{"v 0 0 0\nf 1 2 3\n", "v 0 0\n", "v 0 0 0\nv 1 0 0\nf 1 2\n", "v a b c\n"} {
		if _, err := ReadOBJ(bytes.NewReader([]byte(src))); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
	m, err := ReadOBJ(bytes.NewReader([]byte("v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1/1/1 2/2/2 3/3/3 -1/4/4\n")))
	if err != nil || len(m.Triangles) != 2 || m.Triangles[1] != [3]uint32{0, 2, 3} {
		t.Errorf("quad: %v, %v", m, err)
	}
}

// TestReadFolderRoundTrip writes a model folder and reads it back: the
// same objects, colours from model.mtl, and the OBJ files written again
// from what was read are the same bytes.
func TestReadFolderRoundTrip(t *testing.T) {
	objs := testObjects(t)
	dir := t.TempDir()
	if _, err := WriteFiles(dir, objs, OBJ); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFolder(dir, func(string) [4]uint8 { t.Error("a colour is missing from model.mtl"); return [4]uint8{} })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("%d objects, want %d", len(got), len(objs))
	}
	again := t.TempDir()
	if _, err := WriteFiles(again, got, OBJ); err != nil {
		t.Fatal(err)
	}
	for _, o := range got {
		a, errA := os.ReadFile(filepath.Join(dir, o.Name+".obj"))
		b, errB := os.ReadFile(filepath.Join(again, o.Name+".obj"))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: written again differs (%v, %v)", o.Name, errA, errB)
		}
	}
	if got, err := ReadFolder(t.TempDir(), nil); err != nil || len(got) != 0 {
		t.Errorf("empty folder: %v, %v", got, err)
	}
}

func FuzzReadOBJ(f *testing.F) {
	f.Add([]byte("v 0 0 0\nv 1 0 0\nv 1 1 0\nvn 0 0 1\nvn 0 0 1\nvn 0 0 1\nf 1//1 2//2 3//3\n"))
	f.Add([]byte("v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1/1/1 2/2/2 3/3/3 -1/4/4\n"))
	f.Add([]byte("o kidney_left\nmtllib model.mtl\nusemtl kidney_left\nf 1 2 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadOBJ(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, tri := range m.Triangles {
			for _, v := range tri {
				if int(v) >= len(m.Positions) {
					t.Fatalf("triangle %v names vertex %d of %d", tri, v, len(m.Positions))
				}
			}
		}
		if m.Normals != nil && len(m.Normals) != len(m.Positions) {
			t.Fatalf("%d normals for %d vertices", len(m.Normals), len(m.Positions))
		}
	})
}

func FuzzReadMTL(f *testing.F) {
	f.Add([]byte("newmtl kidney_left\nKd 0.8 0.2 0.1\nd 0.5\n"))
	f.Add([]byte("newmtl a\nKd 2 -1 0.5\nnewmtl b\nd\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		colors, err := ReadMTL(bytes.NewReader(b))
		if err != nil {
			return
		}
		for name := range colors {
			if !bytes.Contains(b, []byte(name)) {
				t.Fatalf("material %q is not in the file", name)
			}
		}
	})
}
