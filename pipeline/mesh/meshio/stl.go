package meshio

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
)

// WriteSTL writes one object as binary STL: an 80-byte header naming it,
// the triangle count, then per triangle its unit normal, its three corners
// (counter-clockwise seen from outside) and a zero attribute word.
func WriteSTL(w io.Writer, o Object) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var header [80]byte
	// The header must not start with "solid", which marks ASCII STL.
	copy(header[:], "kidney3d binary STL, world RAS mm: "+o.Name)
	bw.Write(header[:])
	m := o.Mesh
	binary.Write(bw, binary.LittleEndian, uint32(len(m.Triangles)))
	var rec [50]byte
	for _, t := range m.Triangles {
		a, b, c := m.Positions[t[0]], m.Positions[t[1]], m.Positions[t[2]]
		n := facetNormal(a, b, c)
		for i, x := range [12]float32{n[0], n[1], n[2], a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]} {
			binary.LittleEndian.PutUint32(rec[4*i:], math.Float32bits(x))
		}
		if _, err := bw.Write(rec[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// facetNormal is triangle abc's unit normal, or zero when it has no area.
func facetNormal(a, b, c [3]float32) [3]float32 {
	ux, uy, uz := float64(b[0]-a[0]), float64(b[1]-a[1]), float64(b[2]-a[2])
	vx, vy, vz := float64(c[0]-a[0]), float64(c[1]-a[1]), float64(c[2]-a[2])
	nx, ny, nz := uy*vz-uz*vy, uz*vx-ux*vz, ux*vy-uy*vx
	l := math.Sqrt(nx*nx + ny*ny + nz*nz)
	if l == 0 {
		return [3]float32{}
	}
	return [3]float32{float32(nx / l), float32(ny / l), float32(nz / l)}
}
