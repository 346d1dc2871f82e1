// Package register aligns one CT phase onto another with a rigid transform,
// as ITK's and elastix's standard rigid setup does: the centres of mass of
// the two bodies are aligned first, then a multi-resolution pyramid of
// Gaussian-smoothed, downsampled images is registered coarse to fine by
// maximising Mattes mutual information with a limited-memory BFGS search in
// physically scaled parameters.
//
// Mutual information, not a difference of intensities, drives the search
// because the phases differ in contrast: vessels are bright in the arterial
// phase, parenchyma in the portal phase and the collecting system in the
// delayed phase. The metric (Mattes et al., 2003) is a joint histogram of
// the fixed image at a seeded random set of points inside the body
// (zero-order Parzen window) against the moving image's trilinear values at
// the transformed points (cubic B-spline Parzen window), so that it is
// smooth in the transform parameters and has an analytic gradient through
// the moving image's gradient.
//
// Rigid returns the transform that maps fixed-image points to the moving
// image, and Apply resamples a moving image onto the fixed grid through it.
// Results do not depend on the number of cores: work is split into blocks of
// fixed size whose partial sums are added in block order.
package register
