// Package reconnect joins the fragments of a broken tubular structure (a
// renal artery or vein, a ureter) to its main tree by minimal-cost paths
// through the voxels that are enhanced in the phase that shows it: the
// arterial phase for arteries, the portal phase for veins, the delayed
// (excretory) phase for the collecting system and ureters.
//
// The main tree of each side is the set of components touching the
// structure's parent (the aorta, the vena cava, the bladder), or the
// side's largest component when no parent is given. Each other fragment
// is joined only where the gap is plausible: a short path, bright along
// its length, leaving the fragment along its axis, and never crossing a
// forbidden voxel (bone). Every bridge tried, accepted or not, is returned
// with its ends, length and mean HU so that a reviewer can accept or
// reject it.
package reconnect
