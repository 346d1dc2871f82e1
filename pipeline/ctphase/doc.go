// Package ctphase guesses the contrast phase of each CT series of a study
// from its DICOM tags: N (non-contrast), A (arterial), P (portal venous,
// nephrographic) or D (delayed, excretory). The evidence, strongest
// first: the series description's words (English and the usual vendor
// abbreviations), the protocol name's, the delay from Contrast/Bolus Start
// Time to Acquisition Time, the Contrast/Bolus Agent attribute, and the
// order of acquisition of the enhanced series. Every guess has a
// confidence in [0, 1] and the reasons behind it; the user confirms or
// overrides it. Guessing from the image itself (aorta, portal vein and
// renal pelvis HU) is not done yet.
package ctphase
