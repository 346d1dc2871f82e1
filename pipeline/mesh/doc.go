// Package mesh turns label maps into closed triangle surfaces in world RAS
// millimetres, one per label, smoothed like 3D Slicer's but keeping volume.
//
// Labels scans the label map once for every label's voxel runs, counts
// and bounding box, then meshes the labels in parallel, largest first, each
// on a bit mask of its own box padded by one voxel (no full-volume copy per
// label; large labels split their work over the cores too):
//
//   - Extraction is a discrete marching cubes with a case table built from
//     one rule (inside corners that touch only across a face diagonal are
//     kept apart), so every edge is in exactly two triangles, every vertex
//     has one fan and triangles face outwards, whatever the mask. Vertices
//     sit at the midpoints of the voxel edges they cross, as in VTK's
//     vtkDiscreteFlyingEdges3D, mapped through the affine; a mirroring
//     affine reverses the triangles so they still face out.
//   - Smoothing is VTK's windowed-sinc filter (vtkWindowedSincPolyDataFilter
//     as 3D Slicer sets it: 40 iterations, pass band 0.01, Hamming window,
//     normalised coordinates), so organs look as surgeons know them.
//   - The volume is then restored. The voxel volume of each connected part
//     of a surface is known exactly from its vertices (each stands for one
//     voxel face). Parts the filter collapses (thin vessels, ribs, small
//     islands) are smoothed again with the lighter vessel filter and get
//     back their inward drift; then every part is offset along its normals
//     until it encloses its voxel volume within 0.1%.
//   - Optional quadric-error decimation keeps the surface closed and its
//     volume; normals are the normalised sums of the triangles' area vectors.
//
// Settings come per label from the label table (labels.MeshSettings) through
// FromLabel and the Organ, Vessel and Raw profiles.
package mesh
