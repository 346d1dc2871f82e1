// Package template makes the quick, approximate model: an anatomical
// template (typical renal arteries, veins and ureters placed relative to
// the kidneys) fitted onto the patient's kidney masks in a fraction of a
// second, so that a complete model can be shown while the slow stages
// run. Everything it draws is approximate and is to be replaced by the
// real results.
//
// A template point is given either in the kidney's frame (fractions of
// its half-extents along its long axis, towards its hilum and forwards,
// plus millimetres) or in the body's frame (millimetres from the midline
// in x, and from the kidney's centre in y and z). Fitting finds each
// kidney's frame from its mask: the principal axes of its voxels, the
// hilum turned from medial towards anterior by the template's angle, and
// the extents along those axes.
package template
