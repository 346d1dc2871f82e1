// Package fat segments the perirenal fat: the fat-range voxels (−190 to
// −30 HU by default) of the perirenal space around each kidney, including
// the renal sinus fat, bounded by the neighbouring organs, the midline and
// the body wall.
//
// The perirenal space is taken as the voxels within a margin of the
// kidney (its largest component, so that stray islands do not count): the
// renal fascia sits about a centimetre from the capsule. Voxels of any
// other structure given (neighbouring organs, vessels, the tumour) are
// left out, and so are those across the midline; the body wall's muscle
// and the air outside are not in the fat range. Voxels touching the kidney
// count as fat when their HU, blurred by partial volume, is nearer fat
// than kidney.
package fat
