// Package dicomimport brings DICOM studies into a case folder, as
// `kidney3d import` does: it scans the sources (dicomscan), groups the
// images into series (dicomseries), guesses each series' contrast phase
// (ctphase), and writes the chosen series as input/<phase>.nii.gz with a
// case.json that records the study, every series and why each phase was
// chosen. List does the same short of writing: the series table of
// `kidney3d import --list` and of `kidney3d info` on DICOM.
package dicomimport
