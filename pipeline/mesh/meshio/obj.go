package meshio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteOBJ writes one object as Wavefront OBJ: a reference to the material
// library mtl (none when ""), the object and its group, its material (named
// as the object), vertices, normals when the mesh has them, and
// counter-clockwise faces. Coordinates are millimetres with four decimals.
func WriteOBJ(w io.Writer, o Object, mtl string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "# kidney3d mesh %s: world RAS millimetres\n", o.Name)
	if mtl != "" {
		fmt.Fprintf(bw, "mtllib %s\n", mtl)
	}
	fmt.Fprintf(bw, "o %s\ng %s\n", o.Name, o.Name)
	if mtl != "" {
		fmt.Fprintf(bw, "usemtl %s\n", o.Name)
	}
	// bufio.Writer keeps its first error, which Flush returns.
	m := o.Mesh
	buf := make([]byte, 0, 128)
	for _, p := range m.Positions {
		buf = append(buf[:0], 'v')
		for _, x := range p {
			buf = appendFixed(append(buf, ' '), x)
		}
		bw.Write(append(buf, '\n'))
	}
	normals := len(m.Normals) == len(m.Positions) && len(m.Normals) > 0
	if normals {
		for _, n := range m.Normals {
			buf = append(buf[:0], "vn"...)
			for _, x := range n {
				buf = appendFixed(append(buf, ' '), x)
			}
			bw.Write(append(buf, '\n'))
		}
	}
	for _, t := range m.Triangles {
		buf = append(buf[:0], 'f')
		for _, v := range t {
			buf = strconv.AppendUint(append(buf, ' '), uint64(v)+1, 10)
			if normals {
				buf = strconv.AppendUint(append(buf, "//"...), uint64(v)+1, 10)
			}
		}
		bw.Write(append(buf, '\n'))
	}
	return bw.Flush()
}

// appendFixed appends x with four decimals, like %.4f but without the
// cost of general float formatting.
func appendFixed(buf []byte, x float32) []byte {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e14 {
		return strconv.AppendFloat(buf, f, 'f', 4, 32)
	}
	n := int64(math.Round(f * 1e4))
	if n < 0 {
		buf = append(buf, '-')
		n = -n
	}
	buf = strconv.AppendInt(buf, n/1e4, 10)
	frac := n % 1e4
	return append(buf, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
}

// WriteMTL writes a material per object, named as the object, with its
// colour as diffuse colour and its alpha as dissolve.
func WriteMTL(w io.Writer, objs []Object) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# kidney3d label materials")
	for _, o := range objs {
		c := o.Color
		fmt.Fprintf(bw, "\nnewmtl %s\nKa 0 0 0\nKd %.4f %.4f %.4f\nKs 0.1 0.1 0.1\nNs 20\nd %.4f\nillum 2\n",
			o.Name, float64(c[0])/255, float64(c[1])/255, float64(c[2])/255, float64(c[3])/255)
	}
	return bw.Flush()
}
