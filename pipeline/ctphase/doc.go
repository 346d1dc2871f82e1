// Package ctphase guesses the contrast phase of each CT series of a study
// from its DICOM tags and its image: N (non-contrast), A (arterial), P
// (portal venous, nephrographic) or D (delayed, excretory). The evidence,
// strongest first: the series description's words (English and the usual
// vendor abbreviations), the protocol name's, the delay from Contrast/Bolus
// Start Time to Acquisition Time, the aorta's HU in the axial images
// (ReadAorta), the Contrast/Bolus Agent attribute, and the order of
// acquisition of the enhanced series. Every guess has a confidence in
// [0, 1] and the reasons behind it; the user confirms or overrides it. The
// image evidence reads the aorta alone: the portal vein's and the renal
// pelvis' HU (which would tell a late portal venous from a delayed series
// better) are not read.
package ctphase
