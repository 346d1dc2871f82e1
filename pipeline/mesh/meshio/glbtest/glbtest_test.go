package glbtest

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// glb wraps a JSON chunk as a GLB file.
func glb(js string) []byte {
	for len(js)%4 != 0 {
		js += " "
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, []uint32{0x46546C67, 2, uint32(20 + len(js)), uint32(len(js)), 0x4E4F534A})
	b.WriteString(js)
	return b.Bytes()
}

const oneMesh = `{"meshes":[{"name":"kidney_left","primitives":[{"attributes":{"POSITION":0}}]}],"accessors":[{"min":[-0.1,-0.05,0.02],"max":[0.1,0.05,0.12]}]}`

func TestParseBounds(t *testing.T) {
	got, err := parseBounds("x.glb", glb(oneMesh))
	if err != nil {
		t.Fatal(err)
	}
	if b := got["kidney_left"]; b.Min != [3]float64{-0.1, -0.05, 0.02} || b.Max != [3]float64{0.1, 0.05, 0.12} {
		t.Errorf("bounds %+v", got)
	}
	for _, bad := range [][]byte{nil, []byte("glTF"), glb(`{"meshes":[{"name":"a","primitives":[]}]}`),
		glb(`{"meshes":[{"name":"a","primitives":[{"attributes":{"POSITION":3}}]}]}`), glb(oneMesh)[:30]} {
		if _, err := parseBounds("x.glb", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParseBounds: any bytes give bounds or an error, never a panic.
func FuzzParseBounds(f *testing.F) {
	f.Add(glb(oneMesh))
	f.Add(glb(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseBounds("fuzz.glb", b)
	})
}
