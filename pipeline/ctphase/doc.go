// Package ctphase guesses the contrast phase of each CT series of a study
// from its DICOM tags and its image: N (non-contrast), A (arterial), P
// (portal venous, nephrographic) or D (delayed, excretory). The evidence,
// strongest first: the series description's words (English and the usual
// vendor abbreviations), the protocol name's, the delay from Contrast/Bolus
// Start Time to Acquisition Time, the aorta's HU in the axial images
// (ReadAorta) and, where the aorta is dim, contrast excreted into the
// collecting systems and ureters (ReadExcretion: delayed), the
// Contrast/Bolus Agent attribute, and the order of acquisition of the
// enhanced series. Every guess has a confidence in [0, 1] and the reasons
// behind it; the user confirms or overrides it. The portal vein's HU
// (which would tell a late arterial from a portal venous series better)
// and the bladder's contents are not read.
package ctphase
