// Package meshio writes label meshes in the formats surgeons' tools read:
// Wavefront OBJ with a shared MTL material library, binary STL, and glTF
// 2.0 binary (GLB), and reads back the OBJ and MTL files it writes
// (ReadFolder), so that every program shows the meshes a case saved.
// Coordinates are world RAS: millimetres in OBJ and STL, as the meshes
// hold them, and metres in GLB, as glTF 2.0 requires. WriteFiles lays out
// a model folder as DESIGN.md's case folder does: DIR/<label>.obj,
// DIR/model.mtl, DIR/model.glb and DIR/<label>.stl.
package meshio
